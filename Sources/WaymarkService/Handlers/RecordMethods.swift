import WaymarkCore
import WaymarkStore

/// The validated writes: `upsert_client`, `record_purchase`, `record_interaction`,
/// `record_life_event`, `record_response`.
///
/// Each takes the columns of its import kind (docs/formats.md) as named params, validated with the
/// importer's rules, and upserts one row by its natural id: calling it twice stores one row.
enum RecordMethods {
    /// The write methods and the kind each stores.
    static let kinds: [(method: String, kind: ImportKind)] = [
        ("upsert_client", .clients),
        ("record_purchase", .purchases),
        ("record_interaction", .interactions),
        ("record_life_event", .events),
        ("record_response", .responses),
    ]

    /// Validates `params` against `kind`'s columns.
    ///
    /// - Returns: The row in column order, normalised as the importer does (nil: not given).
    /// - Throws: ``RPCError`` -32602 listing every bad field.
    static func row(_ params: JSONValue?, kind: ImportKind) throws(RPCError) -> [String?] {
        let columns = kind.columns
        var reader = ParamsReader(params, known: columns.map(\.name))
        var row: [String?] = []
        row.reserveCapacity(columns.count)
        for column in columns {
            guard let value = reader.value(column.name, required: column.required) else {
                row.append(nil)
                continue
            }
            switch text(value, type: column.type) {
            case .text(let text):
                if let normalised = RowValidator.normalise(text, as: column.type) {
                    row.append(normalised)
                } else {
                    // In JSON's wording of the expectation, with what to write instead.
                    reader.fail(column.name, RowValidator.problem(text, as: column.type, expectation: expectation(column.type)))
                    row.append(nil)
                }
            case .problem(let suffix, let message):
                reader.fail(column.name + suffix, message)
                row.append(nil)
            }
        }
        try reader.finish()
        return row
    }

    /// A field's text, or what is wrong with its JSON type.
    enum FieldText {
        case text(String)
        /// `suffix` extends the field's path (an array element: `[2]`).
        case problem(suffix: String = "", message: String)
    }

    /// The field's text as the importer would read it from a file, or what is wrong with its JSON type.
    static func text(_ value: JSONValue, type: ImportFieldType) -> FieldText {
        switch (type, value) {
        case (.amount, .number(let literal)), (.positiveInteger, .number(let literal)):
            return .text(literal)
        case (.positiveInteger, _):
            return .problem(message: "expected \(expectation(type)), found \(value.typeDescription)")
        case (.bool, .bool(let flag)):
            return .text(flag ? "true" : "false")
        case (.bool, _):
            return .problem(message: "expected true or false, found \(value.typeDescription)")
        case (.jsonObject, .object):
            return .text(value.jsonText)
        case (.jsonObject, _):
            return .problem(message: "expected a JSON object, found \(value.typeDescription)")
        case (.channelList, .array(let elements)):
            var names: [String] = []
            for (index, element) in elements.enumerated() {
                guard case .string(let name) = element, Channel(rawValue: name.lowercased()) != nil else {
                    return .problem(suffix: "[\(index)]", message: "expected a channel: " + Channel.allCases.map(\.rawValue).joined(separator: ", "))
                }
                names.append(name)
            }
            return .text(names.joined(separator: ";"))
        case (.channelList, _):
            return .problem(message: "expected an array of channels, e.g. [\"email\", \"sms\"], found \(value.typeDescription)")
        case (_, .string(let text)):
            if text.utf8.contains(0) { return .problem(message: "must not contain the NUL character") }
            return .text(text)
        default:
            return .problem(message: "expected a string (\(expectation(type))), found \(value.typeDescription)")
        }
    }

    /// What a valid value looks like, in JSON terms.
    static func expectation(_ type: ImportFieldType) -> String {
        switch type {
        case .amount: "a decimal amount ≥ 0 and below 10^12 with at most 2 decimals, as a number or a string, e.g. 1249.90"
        case .positiveInteger: "a whole number from 1 to 2147483647"
        case .channelList: "an array of channels"
        default: type.expectation
        }
    }

    /// Runs one write method.
    static func call(_ params: JSONValue?, kind: ImportKind, store: LiveStore) throws -> JSONValue {
        let row = try row(params, kind: kind)
        let outcome = try RPCError.mapping(clientID: nil) { try store.record(kind, values: row) }
        var result = JSONObject()
        let names = kind.columns.map(\.name)
        for key in kind.key.reversed() {
            if let index = names.firstIndex(of: key), let value = row[index] { result[key] = .string(value) }
        }
        result["status"] = .string(outcome.rawValue)
        // A response to an item no stored catalog has is kept (the offer may come from a system
        // Waymark does not know), but the caller is told: it is most likely a typo.
        if kind == .responses, let index = names.firstIndex(of: "item_id"), let itemID = row[index],
           try !RPCError.mapping(clientID: nil, { try store.isKnownItem(itemID) }) {
            result["warning"] = .string("unknown item '\(itemID)': no stored catalog has it; the response was stored, check the id")
        }
        return .object(result)
    }
}
