internal import WaymarkCore
/// One of the files the generator writes, named after its import kind (docs/formats.md).
package enum GeneratedTable: Int, CaseIterable, Sendable {
    case clients, products, purchases, events, interactions, responses

    /// The import kind (`waymark import KIND FILE`).
    package var kind: String {
        switch self {
        case .clients: "clients"
        case .products: "products"
        case .purchases: "purchases"
        case .events: "events"
        case .interactions: "interactions"
        case .responses: "responses"
        }
    }

    /// The file name, `KIND.csv`.
    package var fileName: String { kind + ".csv" }

    /// The CSV header: exactly the columns of docs/formats.md, in that order.
    package var columns: [String] {
        switch self {
        case .clients:
            ["client_id", "first_seen", "birth_date", "segment", "region", "account_id", "role",
             "consents", "do_not_contact", "attributes"]
        case .products:
            ["product_id", "name", "category", "list_price", "repeatable"]
        case .purchases:
            ["purchase_id", "client_id", "product_id", "purchased_at", "amount", "quantity", "channel"]
        case .events:
            ["event_id", "client_id", "kind", "occurred_at", "details"]
        case .interactions:
            ["interaction_id", "client_id", "channel", "kind", "occurred_at", "item_id"]
        case .responses:
            ["response_id", "client_id", "item_id", "channel", "presented_at", "outcome", "responded_at"]
        }
    }
}

/// CSV text for every table, filled client by client and drained by the caller.
package struct GeneratedBatch: Sendable {
    private var buffers = Array(repeating: CSVBytes(), count: GeneratedTable.allCases.count)

    package init() {}

    /// The buffer of one table.
    package subscript(table: GeneratedTable) -> CSVBytes {
        get { buffers[table.rawValue] }
        _modify { yield &buffers[table.rawValue] }
    }
}
