internal import Foundation

// The table reads a `String` value as its two 64-bit words (`bits`).
#if !_pointerBitWidth(_64)
#error("SmallKeys assumes a 64-bit platform (a String of two 64-bit words)")
#endif

/// Distinct strings in first-seen order, found by a cheap fingerprint (no SipHash per purchase;
/// the text is compared only when a fingerprint matches): up to ``linearKeys`` keys by scanning
/// the fingerprints, more through a small open-addressing table.
struct SmallKeys: Sendable {
    private(set) var keys: [String] = []
    private var fingerprints: [UInt64] = []
    /// Indices into `keys`, -1 for an empty slot; a power of two at least twice `count`. Empty
    /// while the table holds at most ``linearKeys`` keys (a scan is cheaper than an allocation).
    private var slots: [Int32] = []
    /// The most keys found by scanning.
    static let linearKeys = 16
    /// The keys last inserted or found by `insert`, by the bits of their `String` value: a key
    /// passed again as the very same value (any string of at most 15 bytes, kept inline, and a
    /// longer one sharing its storage) is found without reading its text. Only the bits of the
    /// stored `keys[k]` are kept, so the storage they point to stays alive while they are cached.
    private var recent: [Recent] = []
    /// Whether `insert` keeps the `recent` cache (64 entries, made once the table has a few keys).
    private var cachesRecent = true

    private struct Recent {
        var bits: (UInt64, UInt64)
        var index: Int32
    }

    /// The 16 bytes of a `String` value: equal bits are the same string (the converse does not
    /// hold: equal text may sit in two storages).
    @inline(__always)
    private static func bits(_ key: String) -> (UInt64, UInt64) {
        unsafeBitCast(key, to: (UInt64, UInt64).self)
    }

    @inline(__always)
    private static func recentSlot(_ bits: (UInt64, UInt64)) -> Int {
        Int(truncatingIfNeeded: ((bits.0 ^ (bits.1 &* 0x9E37_79B9_7F4A_7C15)) &* 0xC2B2_AE3D_27D4_EB4F) >> 58)
    }

    init() {}

    /// An empty table with room for `capacity` keys before it grows.
    /// - Parameter recentCache: false for a table whose keys are not passed again as the same
    ///   values (the cache would cost an allocation and its filling for nothing).
    init(capacity: Int, recentCache: Bool = true) {
        cachesRecent = recentCache
        guard capacity > 0 else { return }
        keys.reserveCapacity(capacity)
        fingerprints.reserveCapacity(capacity)
    }

    /// The length mixed with the first and the last eight UTF-8 bytes (not a hash of all the
    /// text: equal fingerprints are confirmed by comparing the text).
    @inline(__always)
    static func fingerprint(_ key: String) -> UInt64 {
        // Reads the UTF-8 in place (no copy of the string); only a bridged or otherwise
        // non-contiguous string takes the copying path.
        if let print = key.utf8.withContiguousStorageIfAvailable({ fingerprint(UnsafeRawBufferPointer($0)) }) {
            return print
        }
        var text = key
        return text.withUTF8 { fingerprint(UnsafeRawBufferPointer($0)) }
    }

    @inline(__always)
    private static func fingerprint(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        let n = raw.count
        var head: UInt64 = 0
        var tail: UInt64 = 0
        if n >= 16 {
            head = raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
            tail = raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        } else if n >= 8 {
            // A small string (at most 15 bytes) reaches here as a fresh 16-byte copy on the stack,
            // written as two 8-byte words: an unaligned load across both words would stall on
            // store forwarding. The same `tail` (the last eight bytes, little-endian) is built
            // from the first word and the bytes after it instead.
            head = raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)
            var rest: UInt64 = 0
            var i = n - 1
            while i >= 8 {
                rest = rest << 8 | UInt64(raw[i])
                i -= 1
            }
            tail = head >> UInt64(8 * (n - 8)) | rest << UInt64(8 * (16 - n))
        } else {
            for byte in raw { head = head << 8 | UInt64(byte) }
        }
        return (head &* 0x9E37_79B9_7F4A_7C15) ^ (tail &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(n)
    }

    /// The index of `key`, nil when absent.
    func index(of key: String) -> Int? {
        index(of: key, fingerprint: Self.fingerprint(key))
    }

    @inline(__always)
    func index(of key: String, fingerprint: UInt64) -> Int? {
        if slots.isEmpty {
            for k in fingerprints.indices where fingerprints[k] == fingerprint && keys[k] == key { return k }
            return nil
        }
        let mask = slots.count - 1
        var slot = Self.slot(fingerprint, mask: mask)
        while true {
            let k = Int(slots[slot])
            if k < 0 { return nil }
            if fingerprints[k] == fingerprint, keys[k] == key { return k }
            slot = (slot + 1) & mask
        }
    }

    /// The index of the key whose `String` value has these bits, when the recent-key cache holds
    /// it (nil says nothing: the key may still be in the table).
    @inline(__always)
    func cachedIndex(bits: (UInt64, UInt64)) -> Int? {
        guard !recent.isEmpty else { return nil }
        let entry = recent[Self.recentSlot(bits)]
        return entry.index >= 0 && entry.bits == bits ? Int(entry.index) : nil
    }

    /// The bits of the `String` at `offset` bytes into `element`, read from memory (no copy, so
    /// no retain, of the string).
    @inline(__always)
    static func bits(at element: UnsafeRawPointer, offset: Int) -> (UInt64, UInt64) {
        (element.load(fromByteOffset: offset, as: UInt64.self), element.load(fromByteOffset: offset + 8, as: UInt64.self))
    }

    /// The index of `key`, appending it when absent.
    ///
    /// The key is taken, not borrowed: a caller passing a string it read from a row hands over
    /// the copy it made, and a new key is stored without another retain (and the caller's copy
    /// without a release): two atomic operations fewer per distinct key.
    @inline(__always)
    mutating func insert(_ key: consuming String) -> (index: Int, inserted: Bool) {
        let bits = Self.bits(key)
        let r = Self.recentSlot(bits)
        if !recent.isEmpty {
            let entry = recent[r]
            if entry.index >= 0, entry.bits == bits { return (Int(entry.index), false) }
        } else if keys.count >= 4 && cachesRecent {
            // Only a table with several keys is worth the cache (a few keys are found at once).
            recent = [Recent](filled: Recent(bits: (0, 0), index: -1), count: 64)
        }
        let print = Self.fingerprint(key)
        if let i = index(of: key, fingerprint: print) {
            if !recent.isEmpty { recent[r] = Recent(bits: Self.bits(keys[i]), index: Int32(i)) }
            return (i, false)
        }
        if !recent.isEmpty { recent[r] = Recent(bits: bits, index: Int32(keys.count)) }
        keys.append(key)
        fingerprints.append(print)
        if keys.count <= Self.linearKeys {
            // Still found by scanning.
        } else if keys.count * 2 > slots.count {
            slots = [Int32](repeating: -1, count: max(4 * Self.linearKeys, slots.count * 2))
            for k in fingerprints.indices { place(k) }
        } else {
            place(keys.count - 1)
        }
        return (keys.count - 1, true)
    }

    private mutating func place(_ k: Int) {
        let mask = slots.count - 1
        var slot = Self.slot(fingerprints[k], mask: mask)
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(k)
    }

    private static func slot(_ fingerprint: UInt64, mask: Int) -> Int {
        Int(truncatingIfNeeded: (fingerprint &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }
}

/// Distinct keys with their latest time, in first-seen order.
struct SmallLastSeen: Sendable {
    private(set) var keys = SmallKeys()
    private(set) var times: [Timestamp] = []

    init() {}

    /// An empty table with room for `capacity` keys before it grows (see `SmallKeys.init(capacity:recentCache:)`).
    init(capacity: Int, recentCache: Bool = true) {
        keys = SmallKeys(capacity: capacity, recentCache: recentCache)
        times.reserveCapacity(capacity)
    }

    /// Records, for every line `i`, the key at `indices[i]` seen at the line's time: the latest
    /// time per key, written in place (one uniqueness check, not one per line).
    mutating func touch(_ indices: UnsafeBufferPointer<Int>, at lines: UnsafeBufferPointer<Purchase>) {
        times.withUnsafeMutableBufferPointer { times in
            for i in indices.indices {
                let k = indices[i], at = lines[i].at
                if at > times[k] { times[k] = at }
            }
        }
    }

    /// Records `key` seen at `at`; returns the key's index.
    @discardableResult
    @inline(__always)
    mutating func record(_ key: consuming String, _ at: Timestamp) -> Int {
        let (i, inserted) = keys.insert(key)
        if inserted { times.append(at) } else if at > times[i] { times[i] = at }
        return i
    }

    /// The latest time of `key`, nil when never seen.
    func last(_ key: String) -> Timestamp? {
        keys.index(of: key).map { times[$0] }
    }

    /// The latest time of the literal `key`, nil when never seen (no fingerprinting).
    func last(_ key: RuleKey) -> Timestamp? {
        keys.index(of: key.text, fingerprint: key.fingerprint).map { times[$0] }
    }
}
