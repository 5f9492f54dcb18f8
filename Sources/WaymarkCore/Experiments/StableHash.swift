/// A hash that is the same in every process and on every machine (unlike `Hasher`, which is
/// seeded per process): FNV-1a over length-prefixed fields, finished with SplitMix64's mixer so
/// that neighbouring inputs spread evenly over the 64 bits.
///
/// What holdouts and decision fingerprints are built on: a client's holdout membership and the
/// hash stamped on a decision must be computed alike by the nightly run, a live request and an
/// audit years later.
package struct StableHash: Sendable {
    private var state: UInt64 = 0xCBF2_9CE4_8422_2325

    package init() {}

    /// Adds a text field (its length, then its UTF-8 bytes).
    package mutating func add(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            add(Int64(bytes.count))
            // FNV-1a byte by byte, read from the contiguous UTF-8 (no per-byte index checks).
            var h = state
            for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
            state = h
        }
    }

    /// Adds a number field (8 bytes, little-endian).
    package mutating func add(_ value: Int64) {
        var h = state
        var v = UInt64(bitPattern: value)
        for _ in 0..<8 {
            h = (h ^ (v & 0xFF)) &* 0x0000_0100_0000_01B3
            v >>= 8
        }
        state = h
    }

    /// The hash of the fields added so far.
    package var finished: UInt64 {
        var h = state
        h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
        return h ^ (h >> 31)
    }

    /// The hash as 16 hexadecimal digits.
    package var hex: String {
        let digits = String(finished, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
