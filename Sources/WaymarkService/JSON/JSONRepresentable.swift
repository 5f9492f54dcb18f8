import Foundation
package import WaymarkCore

/// A value whose wire form is a ``JSONValue`` built directly (no round trip through
/// `JSONEncoder` and the parser); `Encodable` through that same value, so an encoder writes
/// exactly the wire form.
package protocol JSONRepresentable: Encodable {
    /// The JSON form; nil when a number in it cannot be written in JSON (not finite).
    var directJSON: JSONValue? { get }
}

extension JSONRepresentable {
    /// The JSON form.
    ///
    /// - Throws: `EncodingError.invalidValue` when a number in it is not finite.
    package func json() throws -> JSONValue {
        guard let value = directJSON else {
            throw EncodingError.invalidValue(self, EncodingError.Context(codingPath: [], debugDescription: "a number is not finite"))
        }
        return value
    }

    package func encode(to encoder: any Encoder) throws {
        try json().encode(to: encoder)
    }
}

extension JSONValue: Encodable {
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Encodes the value as it is: objects as keyed containers, numbers as the integer or
    /// double their literal spells (an encoder writes them back the same way).
    package func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .number(let literal):
            var container = encoder.singleValueContainer()
            if let integer = Int64(literal), String(integer) == literal {
                try container.encode(integer)
            } else if let double = Double(literal) {
                try container.encode(double)
            } else {
                throw EncodingError.invalidValue(literal, EncodingError.Context(codingPath: encoder.codingPath, debugDescription: "not a JSON number"))
            }
        case .string(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(element) }
        case .object(let object):
            var container = encoder.container(keyedBy: Key.self)
            for member in object.members { try container.encode(member.value, forKey: Key(stringValue: member.key)) }
        case .verbatim:
            try parsedVerbatim.encode(to: encoder)
        }
    }
}
