/// Text built as UTF-8 bytes and made a `String` once.
///
/// Appending a piece to a `String` costs a few hundred instructions (it checks where graphemes
/// break and whether the result stays ASCII or NFC); appending its bytes costs a copy. The
/// explanations the engine writes for every recommended offer are built this way (measured with
/// callgrind on `waymark-bench engine`: 341 instructions per `String.append` against about 40).
///
/// The bytes sit in a buffer of its own, not an `Array`: an append is a capacity check and a
/// `memcpy` (an array's `append(contentsOf:)` copies element by element through its generic
/// path, about three times the instructions). Not copyable, so the buffer has one owner.
///
/// ```swift
/// var text = TextBytes(capacity: 128)
/// text.append("bought "); text.append(12); text.append(" times")
/// text.string   // "bought 12 times"
/// ```
struct TextBytes: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// The number of bytes written.
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = UnsafeMutableBufferPointer<UInt8>.mallocated(capacity: self.capacity).baseAddress!
    }

    deinit {
        UnsafeMutableBufferPointer(start: base, count: capacity).freed()
    }

    /// Empties the text, keeping its room.
    mutating func removeAll() {
        count = 0
    }

    /// Appends `bytes` (a copy).
    @inline(__always)
    mutating func append(bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        guard n > 0, let source = bytes.baseAddress else { return }
        if count + n > capacity { grow(to: count + n) }
        (base + count).update(from: source.assumingMemoryBound(to: UInt8.self), count: n)
        count += n
    }

    private mutating func grow(to needed: Int) {
        var size = capacity * 2
        while size < needed { size *= 2 }
        let larger = UnsafeMutableBufferPointer<UInt8>.mallocated(capacity: size).baseAddress!
        larger.update(from: base, count: count)
        UnsafeMutableBufferPointer(start: base, count: capacity).freed()
        base = larger
        capacity = size
    }

    /// A string's UTF-8, read in place when the string is native (a copy only for a bridged one).
    ///
    /// Disfavoured so that a literal argument is a `StaticString` (its bytes are in the binary:
    /// no string is made), the overload below: measured with callgrind on `waymark-bench
    /// engine`, about 170 instructions per literal through `String` against about 40.
    @_disfavoredOverload
    mutating func append(_ text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ append(bytes: UnsafeRawBufferPointer($0)) }) != nil { return }
        var copy = text
        copy.withUTF8 { append(bytes: UnsafeRawBufferPointer($0)) }
    }

    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// A whole number in decimal.
    mutating func append(_ number: Int) {
        // The digits from the last, into a stack buffer (a sign and 19 digits hold any Int).
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            var n = number.magnitude
            var i = buffer.count
            repeat {
                i -= 1
                buffer[i] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
            } while n > 0
            if number < 0 {
                i -= 1
                buffer[i] = UInt8(ascii: "-")
            }
            append(bytes: UnsafeRawBufferPointer(rebasing: buffer[i...]))
        }
    }

    /// A number as `fmt` writes it (two decimals, a whole number without), with no `String` made
    /// on the common path: a reason's weights and factors are written this way.
    mutating func append(reasonNumber value: Double) {
        if value == value.rounded(), abs(value) < 1e15 { return append(Int(value)) }
        let hundredths = (value * 100).rounded()
        guard abs(hundredths) < 1e15 else { return append(fmt(value)) }
        let length = ReasonNumber.length(hundredths: hundredths)
        if count + length > capacity { grow(to: count + length) }
        ReasonNumber.write(hundredths: hundredths, length: length, into: UnsafeMutableRawBufferPointer(start: base + count, count: length))
        count += length
    }

    /// `counted(count, noun)`: "1 day", "2 days".
    mutating func append(counted count: Int, _ noun: StaticString) {
        append(count)
        append(" ")
        append(noun)
        if count != 1 && count != -1 { append("s") }
    }

    /// The text (the bytes are valid UTF-8: they come from strings and digits).
    var string: String {
        String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self)
    }
}
