package import Foundation

/// A Swift type that can be decoded from a column value in PostgreSQL's text format.
///
/// Decoding is by text, so a type accepts any column whose text it can read: `Int` reads
/// `smallint`, `integer`, `bigint` (and `oid`); `Double` reads `real`, `double precision` and
/// `numeric`; `String` reads any column as its text. `NULL` is handled before `decode` is
/// called: it becomes `nil` for an `Optional` and an error for anything else.
///
/// Conform your own types by parsing the bytes, and throw any error to reject a value; it is
/// wrapped in a ``PostgresError`` of kind `.decoding` naming the column and row.
package protocol PostgresDecodable {
    /// Decodes a non-NULL value from its text bytes (UTF-8) and the column's type.
    static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> Self
    /// The value that stands for SQL `NULL`, or `nil` when `NULL` is not acceptable.
    static var postgresNull: Self? { get }
}

extension PostgresDecodable {
    package static var postgresNull: Self? { nil }
}

/// Why a value could not be decoded (wrapped into ``PostgresError`` with the column and row).
package struct PostgresDecodingFailure: Error, Sendable, CustomStringConvertible {
    /// What was expected, e.g. "an integer".
    package var expected: String
    package init(expected: String) { self.expected = expected }
    package var description: String { "expected \(expected)" }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    package static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> Self {
        try Wrapped.decode(postgresText: bytes, type: type)
    }
    package static var postgresNull: Self? { .some(nil) }
}

extension String: PostgresDecodable {
    package static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}

/// Parses an optionally signed decimal integer (`-12`, `+7`, `0042`) without allocating; nil for
/// anything else or a value that does not fit in `T`. The reader behind integer columns, and
/// shared with other byte-level readers.
@inlinable
package func parseInteger<T: FixedWidthInteger>(_ bytes: UnsafeBufferPointer<UInt8>, as: T.Type) -> T? {
    var index = 0
    var negative = false
    if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
        negative = first == UInt8(ascii: "-")
        index = 1
    }
    guard index < bytes.count else { return nil }
    var value: T = 0
    while index < bytes.count {
        let digit = bytes[index] &- 48
        guard digit <= 9 else { return nil }
        let (times10, o1) = value.multipliedReportingOverflow(by: 10)
        let (next, o2) = negative ? times10.subtractingReportingOverflow(T(digit)) : times10.addingReportingOverflow(T(digit))
        guard !o1, !o2 else { return nil }
        value = next
        index += 1
    }
    return value
}

extension Int: PostgresDecodable {
    package static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> Int {
        guard let value = parseInteger(bytes, as: Int.self) else { throw PostgresDecodingFailure(expected: "an integer that fits in Int") }
        return value
    }
}

extension Int64: PostgresDecodable {
    package static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> Int64 {
        guard let value = parseInteger(bytes, as: Int64.self) else { throw PostgresDecodingFailure(expected: "an integer that fits in Int64") }
        return value
    }
}

extension Int32: PostgresDecodable {
    package static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> Int32 {
        guard let value = parseInteger(bytes, as: Int32.self) else { throw PostgresDecodingFailure(expected: "an integer that fits in Int32") }
        return value
    }
}

extension Int16: PostgresDecodable {
    package static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> Int16 {
        guard let value = parseInteger(bytes, as: Int16.self) else { throw PostgresDecodingFailure(expected: "an integer that fits in Int16") }
        return value
    }
}

extension Double: PostgresDecodable {
    package static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> Double {
        let text = String(decoding: bytes, as: UTF8.self)
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default:
            guard let value = Double(text), value.isFinite else { throw PostgresDecodingFailure(expected: "a floating-point number") }
            return value
        }
    }
}

extension Bool: PostgresDecodable {
    package static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> Bool {
        guard bytes.count == 1 else { throw PostgresDecodingFailure(expected: "a boolean (t or f)") }
        switch bytes[0] {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        default: throw PostgresDecodingFailure(expected: "a boolean (t or f)")
        }
    }
}

extension Date: PostgresDecodable {
    /// Reads `timestamptz` (any offset) and `timestamp` (as UTC) in ISO format; a `date` is
    /// read as midnight UTC. `infinity` is an error.
    package static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> Date {
        if type == .date, let date = PostgresDate(String(decoding: bytes, as: UTF8.self)) { return date.utcMidnight }
        guard let date = PostgresTimestamp.decode(bytes) else {
            throw PostgresDecodingFailure(expected: "a timestamp such as 2024-05-01 12:30:00+00 (not infinity)")
        }
        return date
    }
}

extension PostgresDate: PostgresDecodable {
    package static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> PostgresDate {
        var slice = ArraySlice(bytes)
        guard let date = PostgresDate.parse(&slice) else {
            throw PostgresDecodingFailure(expected: "a date such as 2024-05-01 (not infinity)")
        }
        return date
    }
}

extension PostgresNumeric: PostgresDecodable {
    package static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> PostgresNumeric {
        guard let value = PostgresNumeric(String(decoding: bytes, as: UTF8.self)) else {
            throw PostgresDecodingFailure(expected: "an exact decimal number")
        }
        return value
    }
}

extension UUID: PostgresDecodable {
    package static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> UUID {
        guard let value = UUID(uuidString: String(decoding: bytes, as: UTF8.self)) else {
            throw PostgresDecodingFailure(expected: "a UUID")
        }
        return value
    }
}

extension Data: PostgresDecodable {
    /// `bytea` (hex format) as its bytes; any other column (`jsonb`, `json`, `text`) as its UTF-8 text.
    package static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> Data {
        guard type == .bytea else { return Data(bytes) }
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "\\"), bytes[1] == UInt8(ascii: "x"), bytes.count % 2 == 0 else {
            throw PostgresDecodingFailure(expected: "bytea in hex format (\\x…)")
        }
        var data = Data(capacity: (bytes.count - 2) / 2)
        var index = 2
        while index < bytes.count {
            guard let high = hexValue(bytes[index]), let low = hexValue(bytes[index + 1]) else {
                throw PostgresDecodingFailure(expected: "bytea in hex format (\\x…)")
            }
            data.append(high << 4 | low)
            index += 2
        }
        return data
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: byte - 48
        case 97...102: byte - 87
        case 65...70: byte - 55
        default: nil
        }
    }
}

extension Array: PostgresDecodable where Element: PostgresDecodable {
    /// A one-dimensional array (`text[]`, `integer[]`, `bigint[]`, …); elements decoded as
    /// `Element`, so `[String?]` accepts NULL elements and `[String]` rejects them.
    package static func decode(postgresText bytes: UnsafeBufferPointer<UInt8>, type: PostgresDataType) throws -> [Element] {
        guard let elements = PostgresArray.decode(bytes) else {
            throw PostgresDecodingFailure(expected: "a one-dimensional array such as {a,b}")
        }
        let elementType = Self.elementType(of: type)
        return try elements.map { element in
            guard let element else {
                guard let null = Element.postgresNull else {
                    throw PostgresDecodingFailure(expected: "no NULL elements (decode as an array of optionals to accept them)")
                }
                return null
            }
            var utf8 = element
            return try utf8.withUTF8 { try Element.decode(postgresText: $0, type: elementType) }
        }
    }

    private static func elementType(of arrayType: PostgresDataType) -> PostgresDataType {
        switch arrayType {
        case .textArray: .text
        case .int2Array: .int2
        case .int4Array: .int4
        case .int8Array: .int8
        case .float8Array: .float8
        case .boolArray: .bool
        case .numericArray: .numeric
        case .varcharArray: .varchar
        default: .unspecified
        }
    }
}
