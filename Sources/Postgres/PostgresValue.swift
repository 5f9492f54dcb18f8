package import Foundation

/// A bound parameter value: its PostgreSQL text representation and a type hint.
///
/// Values only ever travel as parameters (`$1`, `$2`, …) of `PQexecParams` / `PQexecPrepared`;
/// they are never spliced into SQL. `nil` in a parameter array is SQL `NULL`.
///
/// ```swift
/// try connection.execute(
///     "INSERT INTO purchases (client_id, amount, at, tags) VALUES ($1, $2, $3, $4)",
///     [.text(clientID), .numeric(amount), .timestamp(purchasedAt), .textArray(tags)]
/// )
/// ```
///
/// Values are sent untyped (``PostgresDataType/unspecified``): the server reads each one as
/// the type the statement needs there (a `numeric(12,2)` column, an `integer` function argument,
/// an enum, `jsonb`, `date`, `timestamptz`, an array column). Where the statement alone does not
/// say (`SELECT $1`, `jsonb_build_object('n', $1)`), write a cast: `$1::bigint`. Sending typed
/// parameters would break more than it helps: a `bigint` parameter does not match a function
/// taking `integer` (`date + $1`, `substr(s, $1)`), a `double precision` one does not match
/// `round(numeric, int)`. Give a type explicitly with ``init(text:type:)`` when one is wanted.
package struct PostgresValue: Hashable, Sendable, CustomDebugStringConvertible {
    /// The text-format representation sent to the server.
    package let text: String
    /// The parameter type sent with the value; `.unspecified` lets the server infer it.
    package let type: PostgresDataType

    /// A value from its text representation, with an optional type hint.
    package init(text: String, type: PostgresDataType = .unspecified) {
        self.text = text
        self.type = type
    }

    /// The value of anything ``PostgresEncodable``.
    package init(_ value: some PostgresEncodable) { self = value.postgresValue }

    package static func int(_ value: Int) -> PostgresValue { .init(text: String(value)) }
    package static func int(_ value: Int64) -> PostgresValue { .init(text: String(value)) }
    package static func int(_ value: Int32) -> PostgresValue { .init(text: String(value)) }
    /// A `double precision`; NaN and ±infinity included.
    package static func double(_ value: Double) -> PostgresValue {
        let text: String
        if value.isNaN { text = "NaN" }
        else if value == .infinity { text = "Infinity" }
        else if value == -.infinity { text = "-Infinity" }
        else { text = "\(value)" }
        return .init(text: text)
    }
    package static func text(_ value: String) -> PostgresValue { .init(text: value) }
    package static func bool(_ value: Bool) -> PostgresValue { .init(text: value ? "t" : "f") }
    /// A `timestamptz` instant, sent in UTC at microsecond precision.
    package static func timestamp(_ value: Date) -> PostgresValue { .init(text: PostgresTimestamp.encode(value)) }
    /// A `date`.
    package static func date(_ value: PostgresDate) -> PostgresValue { .init(text: value.description) }
    /// An exact `numeric`.
    package static func numeric(_ value: PostgresNumeric) -> PostgresValue { .init(text: value.text) }
    /// A `jsonb` (or `json`) value from raw JSON text; the server validates it.
    package static func jsonb(_ json: String) -> PostgresValue { .init(text: json) }
    /// A `jsonb` value from UTF-8 JSON bytes (e.g. `JSONEncoder` output).
    package static func jsonb(_ json: Data) -> PostgresValue { .init(text: String(decoding: json, as: UTF8.self)) }
    /// A `uuid`.
    package static func uuid(_ value: UUID) -> PostgresValue { .init(text: value.uuidString.lowercased()) }
    /// A one-dimensional `text[]` (or `varchar[]`) array; `nil` elements are `NULL`.
    package static func textArray(_ values: [String?]) -> PostgresValue { .init(text: PostgresArray.encode(values)) }
    /// A one-dimensional `text[]` array.
    package static func textArray(_ values: [String]) -> PostgresValue { .init(text: PostgresArray.encode(values.map(Optional.some))) }
    /// A one-dimensional integer array (`bigint[]`, `integer[]`); `nil` elements are `NULL`.
    package static func intArray(_ values: [Int64?]) -> PostgresValue {
        .init(text: "{" + values.map { $0.map(String.init) ?? "NULL" }.joined(separator: ",") + "}")
    }
    /// A one-dimensional integer array (`bigint[]`, `integer[]`).
    package static func intArray(_ values: [Int]) -> PostgresValue { .intArray(values.map { Int64($0) }) }

    /// Shows the value (for debugging only; `PostgresError.description` never does).
    package var debugDescription: String { "'\(text)'::\(type)" }
}

extension PostgresValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByBooleanLiteral
{
    package init(stringLiteral value: String) { self = .text(value) }
    package init(integerLiteral value: Int) { self = .int(value) }
    package init(floatLiteral value: Double) { self = .double(value) }
    package init(booleanLiteral value: Bool) { self = .bool(value) }
}

/// A Swift type that can be sent as a bound parameter.
///
/// Conform your own types (an identifier wrapper, a `RawRepresentable` enum) by returning the
/// matching ``PostgresValue``.
package protocol PostgresEncodable {
    /// The parameter value for `self`.
    var postgresValue: PostgresValue { get }
}

extension Int: PostgresEncodable { package var postgresValue: PostgresValue { .int(self) } }
extension Int64: PostgresEncodable { package var postgresValue: PostgresValue { .int(self) } }
extension Int32: PostgresEncodable { package var postgresValue: PostgresValue { .int(self) } }
extension Double: PostgresEncodable { package var postgresValue: PostgresValue { .double(self) } }
extension String: PostgresEncodable { package var postgresValue: PostgresValue { .text(self) } }
extension Substring: PostgresEncodable { package var postgresValue: PostgresValue { .text(String(self)) } }
extension Bool: PostgresEncodable { package var postgresValue: PostgresValue { .bool(self) } }
extension Date: PostgresEncodable { package var postgresValue: PostgresValue { .timestamp(self) } }
extension UUID: PostgresEncodable { package var postgresValue: PostgresValue { .uuid(self) } }
extension PostgresDate: PostgresEncodable { package var postgresValue: PostgresValue { .date(self) } }
extension PostgresNumeric: PostgresEncodable { package var postgresValue: PostgresValue { .numeric(self) } }
extension PostgresValue: PostgresEncodable { package var postgresValue: PostgresValue { self } }

/// Text-format encoding and decoding of one-dimensional arrays (`{a,"b c",NULL}`).
enum PostgresArray {
    /// Every element double-quoted (so empty strings, spaces, commas, braces and the word NULL
    /// are safe), with `"` and `\` backslash-escaped; `nil` is an unquoted `NULL`.
    static func encode(_ values: [String?]) -> String {
        var text = "{"
        for (index, value) in values.enumerated() {
            if index > 0 { text += "," }
            guard let value else { text += "NULL"; continue }
            text += "\""
            for character in value.unicodeScalars {
                if character == "\"" || character == "\\" { text.unicodeScalars.append("\\") }
                text.unicodeScalars.append(character)
            }
            text += "\""
        }
        return text + "}"
    }

    /// Parses a one-dimensional array literal as the server prints it (`{}`, `{1,2}`,
    /// `{"a b",NULL,c}`, optionally with a `[lo:hi]=` dimension prefix); `nil` if malformed or
    /// multi-dimensional.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> [String?]? {
        var index = 0
        let count = bytes.count
        if count > 0, bytes[0] == UInt8(ascii: "[") {
            while index < count, bytes[index] != UInt8(ascii: "=") { index += 1 }
            index += 1
        }
        guard index < count, bytes[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        var elements: [String?] = []
        if index < count, bytes[index] == UInt8(ascii: "}") { return index + 1 == count ? [] : nil }
        var buffer: [UInt8] = []
        while index < count {
            buffer.removeAll(keepingCapacity: true)
            if bytes[index] == UInt8(ascii: "{") { return nil }
            if bytes[index] == UInt8(ascii: "\"") {
                index += 1
                var closed = false
                while index < count {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\\") {
                        index += 1
                        guard index < count else { return nil }
                        buffer.append(bytes[index])
                    } else if byte == UInt8(ascii: "\"") {
                        closed = true
                        index += 1
                        break
                    } else {
                        buffer.append(byte)
                    }
                    index += 1
                }
                guard closed else { return nil }
                elements.append(String(decoding: buffer, as: UTF8.self))
            } else {
                while index < count, bytes[index] != UInt8(ascii: ","), bytes[index] != UInt8(ascii: "}") {
                    if bytes[index] == UInt8(ascii: "\\") { index += 1; guard index < count else { return nil } }
                    buffer.append(bytes[index])
                    index += 1
                }
                if buffer.count == 4, buffer.map({ $0 | 0x20 }) == Array("null".utf8) {
                    elements.append(nil)
                } else {
                    elements.append(String(decoding: buffer, as: UTF8.self))
                }
            }
            guard index < count else { return nil }
            if bytes[index] == UInt8(ascii: "}") { return index + 1 == count ? elements : nil }
            guard bytes[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
        return nil
    }
}
