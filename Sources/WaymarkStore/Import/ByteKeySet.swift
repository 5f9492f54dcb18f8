import Foundation

/// A set of ids looked up by their UTF-8 bytes: an open-addressing table over one buffer of the
/// ids' bytes, so checking a file's field against the known ids makes no `String` and hashes
/// no more than the field's bytes (FNV-1a), instead of a `String` and a SipHash per row.
///
/// The bulk import checks every row's client and product ids against the ids the database
/// holds with it (measured with `perf` on 1,000,000 purchases: `Set<String>.contains` and the
/// `String` per row were a tenth of the import's time).
struct ByteKeySet {
    private var bytes: [UInt8] = []
    /// Per id: where its bytes start in `bytes` (the next id's start is its end).
    private var starts: [Int] = [0]
    private var hashes: [UInt32] = []
    /// Indices into `hashes`/`starts`, -1 for an empty slot; a power of two at least twice the count.
    private var slots: [Int32]

    init(_ ids: some Collection<String>) {
        var size = 16
        while size < ids.count * 2 { size *= 2 }
        slots = [Int32](repeating: -1, count: size)
        hashes.reserveCapacity(ids.count)
        starts.reserveCapacity(ids.count + 1)
        for id in ids {
            var id = id
            id.withUTF8 { utf8 in
                guard !contains(utf8) else { return }
                bytes.append(contentsOf: utf8)
                let k = hashes.count
                hashes.append(Self.hash(utf8))
                starts.append(bytes.count)
                var slot = Int(hashes[k]) & (slots.count - 1)
                while slots[slot] >= 0 { slot = (slot + 1) & (slots.count - 1) }
                slots[slot] = Int32(k)
            }
        }
    }

    /// FNV-1a over the bytes.
    static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in key { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return hash
    }

    /// Whether the id spelled by `key` is in the set.
    func contains(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        contains(key, hash: Self.hash(key))
    }

    /// `contains(_:)` with the key's ``hash(_:)`` already computed.
    func contains(_ key: UnsafeBufferPointer<UInt8>, hash: UInt32) -> Bool {
        let mask = slots.count - 1
        var slot = Int(hash) & mask
        while true {
            let k = Int(slots[slot])
            if k < 0 { return false }
            if hashes[k] == hash, starts[k + 1] - starts[k] == key.count {
                let equal = bytes.withUnsafeBufferPointer { stored in
                    key.count == 0 || memcmp(stored.baseAddress! + starts[k], key.baseAddress!, key.count) == 0
                }
                if equal { return true }
            }
            slot = (slot + 1) & mask
        }
    }
}
