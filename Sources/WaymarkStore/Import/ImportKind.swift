import WaymarkCore

/// The kinds of file `waymark import` reads, with their columns (docs/formats.md).
package enum ImportKind: String, CaseIterable, Sendable {
    case clients, products, purchases, events, interactions, responses

    /// The table the rows end up in.
    package var table: String {
        switch self {
        case .events: "life_events"
        default: rawValue
        }
    }

    /// The natural key: what an upsert matches on.
    package var key: [String] {
        switch self {
        case .clients: ["client_id"]
        case .products: ["product_id"]
        case .purchases: ["client_id", "purchase_id"]
        case .events: ["client_id", "event_id"]
        case .interactions: ["client_id", "interaction_id"]
        case .responses: ["client_id", "response_id"]
        }
    }

    /// The columns of the file, in the order of the table.
    package var columns: [ImportColumn] {
        switch self {
        case .clients:
            [
                .init("client_id", .id, required: true),
                .init("first_seen", .timestamp, required: true),
                .init("birth_date", .date),
                .init("segment", .text, default: ""),
                .init("region", .text, default: ""),
                .init("account_id", .id),
                .init("role", .text),
                .init("consents", .channelList, default: "{}"),
                .init("do_not_contact", .bool, default: "false"),
                .init("attributes", .jsonObject, default: "{}"),
            ]
        case .products:
            [
                .init("product_id", .id, required: true),
                .init("name", .text, required: true),
                .init("category", .id, required: true),
                .init("list_price", .amount, required: true),
                .init("repeatable", .bool, default: "false"),
            ]
        case .purchases:
            [
                .init("purchase_id", .id, required: true),
                .init("client_id", .id, required: true),
                .init("product_id", .id, required: true),
                .init("purchased_at", .timestamp, required: true),
                .init("amount", .amount, required: true),
                .init("quantity", .positiveInteger, default: "1"),
                .init("channel", .channel),
                .init("order_id", .id),
            ]
        case .events:
            [
                .init("event_id", .id, required: true),
                .init("client_id", .id, required: true),
                .init("kind", .id, required: true),
                .init("occurred_at", .timestamp, required: true),
                .init("details", .jsonObject, default: "{}"),
            ]
        case .interactions:
            [
                .init("interaction_id", .id, required: true),
                .init("client_id", .id, required: true),
                .init("channel", .channel, required: true),
                .init("kind", .id, required: true),
                .init("occurred_at", .timestamp, required: true),
                .init("item_id", .id),
            ]
        case .responses:
            [
                .init("response_id", .id, required: true),
                .init("client_id", .id, required: true),
                .init("item_id", .id, required: true),
                .init("channel", .channel, required: true),
                .init("presented_at", .timestamp, required: true),
                .init("outcome", .oneOf(["presented", "opened", "accepted", "declined"]), required: true),
                .init("responded_at", .timestamp),
            ]
        }
    }

    /// SQL types of the columns, for the staging table.
    package var sqlTypes: [String: String] {
        [
            "first_seen": "timestamptz", "purchased_at": "timestamptz", "occurred_at": "timestamptz",
            "presented_at": "timestamptz", "responded_at": "timestamptz", "birth_date": "date",
            "list_price": "numeric(14,2)", "amount": "numeric(14,2)", "quantity": "integer",
            "repeatable": "boolean", "do_not_contact": "boolean", "consents": "text[]",
            "attributes": "jsonb", "details": "jsonb",
        ]
    }

    /// Columns an upsert sets beyond the file's, with their value: a client's `updated_at`, the
    /// statement's time. Set as a value of the inserted row (`= EXCLUDED.updated_at` on
    /// conflict): Citus refuses a function that is not immutable, such as now(), in DO UPDATE SET.
    package var stampColumns: [(name: String, value: String)] {
        self == .clients ? [("updated_at", "now()")] : []
    }

    /// The references a row makes to other tables, checked after staging, set-based.
    package var references: [ImportReference] {
        switch self {
        case .clients, .products: []
        case .purchases:
            [.client, .init(column: "product_id", table: "products", tableColumn: "product_id", what: "product")]
        case .events, .interactions, .responses: [.client]
        }
    }
}

/// A column of an import file.
package struct ImportColumn: Sendable {
    package var name: String
    package var type: ImportFieldType
    package var required: Bool
    /// The value stored when the field is empty or the column is absent; nil stores NULL.
    package var defaultValue: String?

    package init(_ name: String, _ type: ImportFieldType, required: Bool = false, default defaultValue: String? = nil) {
        self.name = name
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
    }
}

/// A reference from an imported column to the primary key of another table.
package struct ImportReference: Sendable {
    package var column: String
    package var table: String
    package var tableColumn: String
    /// What the referenced thing is called in messages ("client", "product").
    package var what: String

    package static let client = ImportReference(column: "client_id", table: "clients", tableColumn: "client_id", what: "client")
}

/// The value formats of import fields.
package enum ImportFieldType: Sendable {
    case id, text, timestamp, date, amount, bool, positiveInteger, channel, channelList, jsonObject
    case oneOf([String])

    /// What a valid value looks like, for error messages.
    package var expectation: String {
        switch self {
        case .id: FieldFormats.idRule
        case .text: "text without the NUL character"
        case .timestamp: "an ISO 8601 timestamp with a zone within ±15:59 in years 0001–9999, e.g. 2024-03-01T10:15:00Z"
        case .date: "a date YYYY-MM-DD in years 0001–9999, e.g. 1983-07-14"
        case .amount: "a decimal amount ≥ 0 and below 10^12 with at most 2 decimals, e.g. 1249.90"
        case .bool: "true or false"
        case .positiveInteger: "a whole number from 1 to 2147483647"
        case .channel: "a channel: " + Channel.allCases.map(\.rawValue).joined(separator: ", ")
        case .channelList: "channels separated by ';', e.g. email;sms (known: "
            + Channel.allCases.map(\.rawValue).joined(separator: ", ") + ")"
        case .jsonObject: "a JSON object, e.g. {\"vip\": true}"
        case .oneOf(let values): "one of " + values.joined(separator: ", ")
        }
    }
}
