import Postgres
import WaymarkCore

/// Decodes the raw COPY text lines of one snapshot table straight from their bytes.
///
/// The nightly stream reads millions of rows; building a `[String?]` per row and parsing
/// numbers from strings cost more than the engine itself. This decoder splits a line at its
/// tabs in place, parses integers from the bytes, reuses the client id of the previous row
/// (child rows come grouped by client) and interns the short repeated texts (product,
/// category, channel, kind, item, outcome, stage), so a row allocates little beyond its value.
///
/// A line with a backslash escape in it (rare: a text with a tab, a newline or a backslash)
/// goes through ``CopyText`` and ``SnapshotTable/decode(_:)``, so both paths decode alike.
struct SnapshotLineDecoder {
    let table: SnapshotTable
    /// Start and end offsets of each field of the current line.
    private var starts: [Int] = []
    private var ends: [Int] = []
    private var lastClientID: String = ""
    private var lastClientBytes: [UInt8] = []
    /// The first client id that came before its predecessor in byte order (the merge needs
    /// byte order), nil while the rows are in order.
    private(set) var outOfOrder: (previous: String, next: String)?
    private var texts = Interner<String>()
    private var channels = Interner<Channel?>()
    private var channelSets = Interner<ChannelSet>()
    private var outcomes = Interner<Response.Outcome?>()
    private var stages = Interner<LifecycleStage?>()

    init(table: SnapshotTable) {
        self.table = table
        starts.reserveCapacity(16)
        ends.reserveCapacity(16)
    }

    /// Decodes one line as `Connection.copyOutLines` hands it over (with its newline); nil for a
    /// row the engine cannot use, as ``SnapshotTable/decode(_:)``.
    mutating func decode(_ line: UnsafeRawBufferPointer) -> (clientID: String, row: SnapshotRow)? {
        let bytes = line.bindMemory(to: UInt8.self)
        var end = bytes.count
        if end > 0, bytes[end - 1] == UInt8(ascii: "\n") { end -= 1 }
        if end > 0, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        starts.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        var start = 0
        var escaped = false
        for index in 0..<end {
            switch bytes[index] {
            case UInt8(ascii: "\t"):
                starts.append(start)
                ends.append(index)
                start = index + 1
            case UInt8(ascii: "\\"):
                // `\N` alone is NULL; any other backslash is an escape.
                if !(index == start && index + 2 == fieldEnd(bytes, from: index, end: end) && bytes[index + 1] == UInt8(ascii: "N")) {
                    escaped = true
                }
            default:
                break
            }
        }
        starts.append(start)
        ends.append(end)
        if escaped {
            return table.decode(CopyText.decodeRow(UnsafeRawBufferPointer(rebasing: line[0..<end])))
        }
        let (starts, ends) = (self.starts, self.ends)
        return decodeFields(count: starts.count) { i in
            let slice = UnsafeBufferPointer(rebasing: bytes[starts[i]..<ends[i]])
            if slice.count == 2, slice[0] == UInt8(ascii: "\\"), slice[1] == UInt8(ascii: "N") { return nil }
            return slice
        }
    }

    /// Decodes one row whose fields `field(i)` hands over as bytes (nil for NULL, no escapes:
    /// a query result's text values), `count` of them.
    mutating func decode(count: Int, field: (Int) -> UnsafeBufferPointer<UInt8>?) -> (clientID: String, row: SnapshotRow)? {
        decodeFields(count: count, field: field)
    }

    /// The end of the field that contains `index`.
    private func fieldEnd(_ bytes: UnsafeBufferPointer<UInt8>, from index: Int, end: Int) -> Int {
        var position = index
        while position < end, bytes[position] != UInt8(ascii: "\t") { position += 1 }
        return position
    }

    private mutating func decodeFields(count: Int, field read: (Int) -> UnsafeBufferPointer<UInt8>?) -> (clientID: String, row: SnapshotRow)? {
        func field(_ i: Int) -> UnsafeBufferPointer<UInt8>? {
            i < count ? read(i) : nil
        }
        func int(_ i: Int) -> Int64? { field(i).flatMap(Self.parseInt) }
        func time(_ i: Int) -> Timestamp? { int(i).map { Timestamp(seconds: $0) } }
        func text(_ i: Int) -> String? { field(i).map { texts.value($0) { String(decoding: $0, as: UTF8.self) } } }
        func plain(_ i: Int) -> String? { field(i).map { String(decoding: $0, as: UTF8.self) } }
        func channel(_ i: Int) -> Channel? {
            field(i).flatMap { channels.value($0) { Channel(rawValue: String(decoding: $0, as: UTF8.self)) } }
        }
        func lifecycleStage(_ i: Int) -> LifecycleStage? {
            field(i).flatMap { stages.value($0) { LifecycleStage(rawValue: String(decoding: $0, as: UTF8.self)) } }
        }

        guard let idBytes = field(0) else { return nil }
        let clientID: String
        if idBytes.elementsEqual(lastClientBytes) {
            clientID = lastClientID
        } else {
            clientID = String(decoding: idBytes, as: UTF8.self)
            if outOfOrder == nil, idBytes.lexicographicallyPrecedes(lastClientBytes) {
                outOfOrder = (lastClientID, clientID)
            }
            lastClientID = clientID
            lastClientBytes.removeAll(keepingCapacity: true)
            lastClientBytes.append(contentsOf: idBytes)
        }

        switch table {
        case .clients:
            let consents = field(7).map { channelSets.value($0) { bytes in
                ChannelSet(bytes.split(separator: UInt8(ascii: ",")).compactMap { Channel(rawValue: String(decoding: $0, as: UTF8.self)) })
            } } ?? []
            let attributes = field(9).map { $0.count == 2 && $0[0] == UInt8(ascii: "{") && $0[1] == UInt8(ascii: "}") }
            let profile = ClientProfile(
                id: clientID,
                firstSeen: time(1) ?? Timestamp(seconds: 0),
                birthDate: int(2).map { Timestamp(seconds: $0 * Timestamp.secondsPerDay) },
                segment: text(3) ?? "", region: text(4) ?? "",
                accountID: plain(5) ?? "", role: text(6) ?? "",
                consents: consents,
                doNotContact: field(8).map { $0.count == 1 && $0[0] == UInt8(ascii: "t") } ?? false,
                attributes: attributes == false ? SnapshotTable.attributes(plain(9)) : [:])
            return (clientID, .profile(profile))
        case .purchases:
            guard let at = time(3) else { return nil }
            // Order ids are not interned: each is new, they would only crowd out the products.
            return (clientID, .purchase(Purchase(
                productID: text(1) ?? "", category: text(2) ?? "", at: at, amountCents: int(4) ?? 0,
                quantity: Int(int(5) ?? 1), channel: channel(6), orderID: plain(7))))
        case .lifeEvents:
            guard let at = time(2) else { return nil }
            return (clientID, .lifeEvent(LifeEvent(kind: text(1) ?? "", at: at)))
        case .interactions:
            guard let channel = channel(1), let at = time(3) else { return nil }
            return (clientID, .interaction(Interaction(channel: channel, kind: text(2) ?? "", at: at, itemID: text(4))))
        case .responses:
            guard let channel = channel(2), let at = time(3),
                  let outcome = field(4).flatMap({ outcomes.value($0) { Response.Outcome(rawValue: String(decoding: $0, as: UTF8.self)) } })
            else { return nil }
            return (clientID, .response(Response(itemID: text(1) ?? "", channel: channel, presentedAt: at, outcome: outcome, respondedAt: time(5))))
        case .ledger:
            guard let at = time(1) else { return nil }
            return (clientID, .ledger(LoyaltyEntry(at: at, points: Int(int(2) ?? 0), reason: text(3) ?? "")))
        case .stage:
            guard let stage = lifecycleStage(1), let since = time(2) else { return nil }
            return (clientID, .stage(StageRecord(stage: stage, since: since, previous: lifecycleStage(3))))
        case .cadences, .account:
            // Few rows: the general decoder.
            return table.decode((0..<count).map(plain))
        }
    }

    /// A decimal integer with an optional sign, as `Int64(String)` reads it; nil otherwise.
    static func parseInt(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        parseInteger(bytes, as: Int64.self)
    }
}

/// Maps short byte strings to values made once: the repeated ids and codes of a table.
///
/// Open addressing over an FNV-1a hash, keys kept in one byte arena. At most `limit` entries,
/// so memory stays bounded by the catalog's vocabulary, not by the data: past the limit, values
/// are made afresh each time.
struct Interner<Value> {
    private var arena: [UInt8] = []
    private var keys: [(start: Int, count: Int)] = []
    private var values: [Value] = []
    private var slots: [Int32] = Array(repeating: -1, count: 64)
    let limit: Int
    /// Longer keys are not interned.
    let maxKeyLength: Int

    init(limit: Int = 4096, maxKeyLength: Int = 64) {
        self.limit = limit
        self.maxKeyLength = maxKeyLength
    }

    /// The number of interned keys.
    var count: Int { keys.count }

    /// The value for `bytes`, made by `make` the first time.
    mutating func value(_ bytes: UnsafeBufferPointer<UInt8>, make: (UnsafeBufferPointer<UInt8>) -> Value) -> Value {
        guard bytes.count <= maxKeyLength else { return make(bytes) }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let index = Int(slots[slot])
            if index < 0 { break }
            let key = keys[index]
            if key.count == bytes.count, arena.withUnsafeBufferPointer({ UnsafeBufferPointer(rebasing: $0[key.start..<key.start + key.count]).elementsEqual(bytes) }) {
                return values[index]
            }
            slot = (slot + 1) & mask
        }
        let value = make(bytes)
        guard keys.count < limit else { return value }
        slots[slot] = Int32(keys.count)
        keys.append((arena.count, bytes.count))
        arena.append(contentsOf: bytes)
        values.append(value)
        if keys.count * 2 > slots.count { rehash() }
        return value
    }

    private mutating func rehash() {
        slots = Array(repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (index, key) in keys.enumerated() {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in arena[key.start..<key.start + key.count] { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
    }
}
