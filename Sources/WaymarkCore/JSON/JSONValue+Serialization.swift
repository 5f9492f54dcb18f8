import Foundation

extension JSONValue {
    /// The compact JSON text of the value (no whitespace, members in order), as UTF-8 bytes.
    package var serialized: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(to: &output)
        return output
    }

    /// The compact JSON text of the value.
    package var jsonText: String { String(decoding: serialized, as: UTF8.self) }

    /// Appends the compact JSON text of the value to `output`.
    package func write(to output: inout [UInt8]) {
        switch self {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let literal): output.append(contentsOf: literal.utf8)
        case .string(let value): JSONText.appendString(value, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                element.write(to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            for (index, member) in object.members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                JSONText.appendString(member.key, to: &output)
                output.append(UInt8(ascii: ":"))
                member.value.write(to: &output)
            }
            output.append(UInt8(ascii: "}"))
        case .verbatim(let bytes):
            output.append(contentsOf: bytes)
        }
    }

    /// The JSON form of an `Encodable` value (keys sorted, dates as ISO 8601).
    ///
    /// - Throws: The encoder's error when the value cannot be encoded (e.g. a non-finite double).
    package init(encoding value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(value)
        self = try JSONParser.parse(data, maximumDepth: 512)
    }
}

extension JSONValue {
    /// An object with its members sorted by key, as `JSONEncoder`'s `.sortedKeys` writes them.
    package static func sortedObject(_ members: [(key: String, value: JSONValue)]) -> JSONValue {
        var members = members
        var sorted = true
        for i in members.indices.dropFirst() where !(members[i - 1].key < members[i].key) {
            sorted = false
            break
        }
        if !sorted { members.sort { $0.key < $1.key } }
        // Output built from literal, distinct names: no index (see JSONObject(distinctMembers:)).
        return .object(JSONObject(distinctMembers: members))
    }

    /// A double as `JSONEncoder` writes it (Swift's shortest form, `1.0` as `1`); nil when not
    /// finite.
    package static func double(_ value: Double) -> JSONValue? {
        guard value.isFinite else { return nil }
        var text = value.description
        if Self.endsInPointZero(&text) { text.removeLast(2) }
        return .number(text)
    }

    /// Appends `value` as ``double(_:)`` writes it; false (nothing written) when not finite.
    package static func appendDouble(_ value: Double, to output: inout [UInt8]) -> Bool {
        guard value.isFinite else { return false }
        var text = value.description
        text.withUTF8 { bytes in
            let n = bytes.count
            let trimmed = n >= 2 && bytes[n - 2] == UInt8(ascii: ".") && bytes[n - 1] == UInt8(ascii: "0")
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[0..<(trimmed ? n - 2 : n)]))
        }
        return true
    }

    /// Whether `text` ends in ".0" (compared as bytes: `hasSuffix` compares graphemes).
    private static func endsInPointZero(_ text: inout String) -> Bool {
        text.withUTF8 { $0.count >= 2 && $0[$0.count - 2] == UInt8(ascii: ".") && $0[$0.count - 1] == UInt8(ascii: "0") }
    }
}
