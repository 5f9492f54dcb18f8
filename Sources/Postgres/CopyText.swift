/// COPY text format: fields separated by tabs, rows ended by a newline, `\N` for NULL, and
/// backslash escapes for backslash, tab, newline and carriage return.
package enum CopyText {
    /// Appends `value` escaped for COPY text format.
    ///
    /// - Returns: `false` (having appended a prefix) when `value` contains a NUL character,
    ///   which COPY cannot carry.
    @inline(__always)
    static func appendEscaped(_ value: String, to buffer: inout [UInt8]) -> Bool {
        var value = value
        return value.withUTF8 { appendEscaped(bytes: $0, to: &buffer) }
    }

    /// Appends UTF-8 `bytes` escaped for COPY text format; `false` when they hold a NUL.
    @inline(__always)
    static func appendEscaped(bytes: UnsafeBufferPointer<UInt8>, to buffer: inout [UInt8]) -> Bool {
        var start = 0
        for index in 0..<bytes.count {
            let replacement: UInt8
            switch bytes[index] {
            case UInt8(ascii: "\\"): replacement = UInt8(ascii: "\\")
            case UInt8(ascii: "\t"): replacement = UInt8(ascii: "t")
            case UInt8(ascii: "\n"): replacement = UInt8(ascii: "n")
            case UInt8(ascii: "\r"): replacement = UInt8(ascii: "r")
            case 0: return false
            default: continue
            }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
            buffer.append(UInt8(ascii: "\\"))
            buffer.append(replacement)
            start = index + 1
        }
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        return true
    }

    /// One row as a line (with its newline), for tests and small uses.
    ///
    /// - Returns: `nil` when a field contains a NUL character.
    package static func encodeRow(_ fields: [String?]) -> String? {
        var buffer: [UInt8] = []
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: "\t")) }
            if let field {
                guard appendEscaped(field, to: &buffer) else { return nil }
            } else {
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(UInt8(ascii: "N"))
            }
        }
        buffer.append(UInt8(ascii: "\n"))
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Splits one COPY text line (with or without its newline) into unescaped fields; `\N` is `nil`.
    package static func decodeRow(_ line: UnsafeRawBufferPointer) -> [String?] {
        let bytes = line.bindMemory(to: UInt8.self)
        var end = bytes.count
        if end > 0, bytes[end - 1] == UInt8(ascii: "\n") { end -= 1 }
        if end > 0, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        var fields: [String?] = []
        var start = 0
        var scratch: [UInt8] = []
        var index = 0
        while true {
            if index == end || bytes[index] == UInt8(ascii: "\t") {
                fields.append(decodeField(UnsafeBufferPointer(rebasing: bytes[start..<index]), scratch: &scratch))
                if index == end { break }
                start = index + 1
            }
            index += 1
        }
        return fields
    }

    /// Splits and unescapes a line given as a `String`.
    package static func decodeRow(_ line: String) -> [String?] {
        var line = line
        return line.withUTF8 { decodeRow(UnsafeRawBufferPointer($0)) }
    }

    private static func decodeField(_ field: UnsafeBufferPointer<UInt8>, scratch: inout [UInt8]) -> String? {
        if field.count == 2, field[0] == UInt8(ascii: "\\"), field[1] == UInt8(ascii: "N") { return nil }
        guard field.contains(UInt8(ascii: "\\")) else { return String(decoding: field, as: UTF8.self) }
        scratch.removeAll(keepingCapacity: true)
        var index = 0
        while index < field.count {
            let byte = field[index]
            index += 1
            guard byte == UInt8(ascii: "\\"), index < field.count else {
                scratch.append(byte)
                continue
            }
            let escaped = field[index]
            index += 1
            switch escaped {
            case UInt8(ascii: "b"): scratch.append(8)
            case UInt8(ascii: "f"): scratch.append(12)
            case UInt8(ascii: "n"): scratch.append(10)
            case UInt8(ascii: "r"): scratch.append(13)
            case UInt8(ascii: "t"): scratch.append(9)
            case UInt8(ascii: "v"): scratch.append(11)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = escaped - 48
                var digits = 1
                while digits < 3, index < field.count, (48...55).contains(field[index]) {
                    value = value &* 8 &+ (field[index] - 48)
                    index += 1
                    digits += 1
                }
                scratch.append(value)
            case UInt8(ascii: "x"):
                var value: UInt8 = 0
                var digits = 0
                while digits < 2, index < field.count, let digit = hexDigit(field[index]) {
                    value = value * 16 + digit
                    index += 1
                    digits += 1
                }
                if digits == 0 { scratch.append(UInt8(ascii: "x")) } else { scratch.append(value) }
            default:
                scratch.append(escaped)
            }
        }
        return String(decoding: scratch, as: UTF8.self)
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: byte - 48
        case 97...102: byte - 87
        case 65...70: byte - 55
        default: nil
        }
    }
}
