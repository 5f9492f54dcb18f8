/// A JSON value as the protocol reads and writes it.
///
/// Numbers keep their literal text, so nothing is lost or rounded on the way in (an amount of
/// `1249.90` stays exact, an id of `123456789012345678901234567890` can be refused by name
/// instead of overflowing), and objects keep the order of their members.
package enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number, as its JSON literal (`-12`, `1.5e3`).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
    /// Compact JSON text already written (by a ``JSONWriter``, exactly as ``write(to:)`` would
    /// write the value it stands for): copied to the output as it is. A large answer costs its
    /// bytes instead of a tree of values built, walked and freed. Readers that need the tree
    /// get it parsed (``parsedVerbatim``).
    case verbatim([UInt8])

    /// A number from an integer.
    package static func integer(_ value: Int) -> JSONValue { .number(String(value)) }

    /// The value as an `Int` when it is a number written as a plain integer (no fraction, no
    /// exponent) that fits; nil otherwise.
    package var integerValue: Int? {
        guard case .number(let literal) = self, JSONValue.isPlainInteger(literal) else { return nil }
        return Int(literal)
    }

    /// The string, when the value is one.
    package var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The object, when the value is one.
    package var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        if case .verbatim = self { return parsedVerbatim.objectValue }
        return nil
    }

    /// Equal values: the same JSON, whether written as a tree or verbatim.
    package static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.number(a), .number(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)): a == b
        case let (.verbatim(a), .verbatim(b)) where a == b: true
        case (.verbatim, _), (_, .verbatim): lhs.parsedVerbatim == rhs.parsedVerbatim
        default: false
        }
    }

    /// The value itself, with verbatim text parsed into its tree (nested verbatim values too).
    package var parsedVerbatim: JSONValue {
        switch self {
        case .verbatim(let bytes): (try? JSONParser.parse(bytes, maximumDepth: 512)) ?? .null
        case .array(let elements) where elements.contains(where: \.containsVerbatim): .array(elements.map(\.parsedVerbatim))
        case .object(let object) where object.members.contains(where: { $0.value.containsVerbatim }):
            .object(JSONObject(distinctMembers: object.members.map { ($0.key, $0.value.parsedVerbatim) }))
        default: self
        }
    }

    private var containsVerbatim: Bool {
        switch self {
        case .verbatim: true
        case .array(let elements): elements.contains(where: \.containsVerbatim)
        case .object(let object): object.members.contains { $0.value.containsVerbatim }
        default: false
        }
    }

    /// A member of an object (nil when absent or when the value is not an object).
    package subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// The JSON type's name, for messages: "a string", "an object", ….
    package var typeDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        case .verbatim: parsedVerbatim.typeDescription
        }
    }

    package static func isPlainInteger(_ literal: String) -> Bool {
        var utf8 = literal.utf8[...]
        if utf8.first == UInt8(ascii: "-") { utf8 = utf8.dropFirst() }
        return !utf8.isEmpty && utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}

/// A JSON object: members in their order, looked up by name.
///
/// When a name appears twice, the last member wins (as most JSON readers do); equality ignores
/// the order of members. Names are looked up through a hash index kept beside the ordered
/// members, so building an object of n members costs O(n), not O(n²). An object built for output
/// from names known to be distinct (``init(distinctMembers:)``) has no index until it is changed:
/// the answers Waymark writes are never looked up, and hashing every name of every object was a
/// tenth of the time of a `recommend` answer.
package struct JSONObject: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    package private(set) var members: [(key: String, value: JSONValue)]
    /// The position of each name in `members`; empty while `indexed` is false.
    private var positions: [String: Int]
    private var indexed: Bool

    package init(_ members: [(key: String, value: JSONValue)] = []) {
        self.members = []
        self.positions = [:]
        self.indexed = true
        self.members.reserveCapacity(members.count)
        self.positions.reserveCapacity(members.count)
        for (key, value) in members { self[key] = value }
    }

    /// Members whose names the caller knows to be distinct (not checked: a repeated name would be
    /// written twice), kept in their order with no index.
    package init(distinctMembers members: [(key: String, value: JSONValue)]) {
        self.members = members
        self.positions = [:]
        self.indexed = false
    }

    package init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { (key: $0.0, value: $0.1) })
    }

    package var keys: [String] { members.map(\.key) }
    package var count: Int { members.count }

    package subscript(key: String) -> JSONValue? {
        get {
            guard indexed else { return members.last { $0.key == key }?.value }
            return positions[key].map { members[$0].value }
        }
        set {
            if !indexed {
                positions = Dictionary(members.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { _, last in last })
                indexed = true
            }
            if let index = positions[key] {
                if let newValue {
                    members[index].value = newValue
                } else {
                    members.remove(at: index)
                    positions[key] = nil
                    for later in index..<members.count { positions[members[later].key] = later }
                }
            } else if let newValue {
                positions[key] = members.count
                members.append((key: key, value: newValue))
            }
        }
    }

    package static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for (key, value) in lhs.members where rhs[key] != value { return false }
        return true
    }
}
