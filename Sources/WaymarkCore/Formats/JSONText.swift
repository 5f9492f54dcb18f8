/// JSON text written by hand, byte by byte: the one home of JSON string escaping, for the
/// writers that do not go through `JSONEncoder` (the Store's explanation column, the Service's
/// wire values).
package enum JSONText {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `text` as a JSON string literal: quotes and backslashes escaped, line feed,
    /// carriage return and tab as `\n`, `\r`, `\t`, other control characters as `\u00XX`;
    /// everything else (`/` and non-ASCII too) as it is.
    ///
    /// ```swift
    /// var json: [UInt8] = []
    /// JSONText.appendString("a\"b", to: &json)   // "a\"b", with the quotes
    /// ```
    package static func appendString(_ text: String, to json: inout [UInt8]) {
        json.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            var index = 0
            while index < bytes.count {
                // Eight bytes at a time while none needs escaping (the usual case): a byte below
                // 0x20, a quote or a backslash sets the high bit of its lane (exact for each lane).
                if index + 8 <= bytes.count {
                    let word = UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self)
                    if !Self.needsEscape(word) {
                        index += 8
                        continue
                    }
                }
                let byte = bytes[index]
                index += 1
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                let escaped = index - 1
                json.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<escaped]))
                json.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): json.append(byte)
                case UInt8(ascii: "\n"): json.append(UInt8(ascii: "n"))
                case UInt8(ascii: "\r"): json.append(UInt8(ascii: "r"))
                case UInt8(ascii: "\t"): json.append(UInt8(ascii: "t"))
                default:
                    json.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                             hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 15)]])
                }
                start = escaped + 1
            }
            json.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
        json.append(UInt8(ascii: "\""))
    }

    /// Whether any of the eight bytes of `word` is below 0x20, a quote or a backslash (the
    /// classic "has a byte less than n / equal to c" word tricks, exact per byte).
    @inline(__always)
    static func needsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let below = (word &- ones &* 0x20) & ~word & high
        let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
        let zeroQuote = (quote &- ones) & ~quote & high
        let zeroBackslash = (backslash &- ones) & ~backslash & high
        return (below | zeroQuote | zeroBackslash) != 0
    }

    /// `text` as a JSON string literal (see ``appendString(_:to:)``).
    package static func string(_ text: String) -> String {
        var json: [UInt8] = []
        appendString(text, to: &json)
        return String(decoding: json, as: UTF8.self)
    }
}
