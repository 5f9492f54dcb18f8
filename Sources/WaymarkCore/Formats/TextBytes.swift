/// Text built as UTF-8 bytes and made a `String` once.
///
/// Appending a piece to a `String` costs a few hundred instructions (it checks where graphemes
/// break and whether the result stays ASCII or NFC); appending its bytes costs a copy. The
/// explanations the engine writes for every recommended offer are built this way (measured with
/// callgrind on `waymark-bench engine`: 341 instructions per `String.append` against about 40).
///
/// ```swift
/// var text = TextBytes(capacity: 128)
/// text.append("bought "); text.append(12); text.append(" times")
/// text.string   // "bought 12 times"
/// ```
struct TextBytes {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    /// Empties the text, keeping its room.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
    }

    /// A string's UTF-8, read in place when the string is native (a copy only for a bridged one).
    ///
    /// Disfavoured so that a literal argument is a `StaticString` (its bytes are in the binary:
    /// no string is made), the overload below: measured with callgrind on `waymark-bench
    /// engine`, about 170 instructions per literal through `String` against about 40.
    @_disfavoredOverload
    mutating func append(_ text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) != nil { return }
        var copy = text
        copy.withUTF8 { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// A whole number in decimal.
    mutating func append(_ number: Int) {
        if number < 0 { bytes.append(UInt8(ascii: "-")) }
        var n = number.magnitude
        // The digits from the last, into a stack buffer (20 digits hold any UInt64).
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            var i = buffer.count
            repeat {
                i -= 1
                buffer[i] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
            } while n > 0
            bytes.append(contentsOf: buffer[i...])
        }
    }

    /// `counted(count, noun)`: "1 day", "2 days".
    mutating func append(counted count: Int, _ noun: StaticString) {
        append(count)
        append(" ")
        append(noun)
        if count != 1 && count != -1 { append("s") }
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}
