/// A product of the `products` table, as the engine needs it.
package struct ProductInfo: Sendable, Hashable {
    package var id: String
    package var name: String
    package var category: String
    /// List price in cents.
    package var priceCents: Int64
    /// Whether the product can be bought again (a subscription top-up, a consumable).
    package var repeatable: Bool

    package init(id: String, name: String = "", category: String, priceCents: Int64, repeatable: Bool = false) {
        self.id = id
        self.name = name.isEmpty ? id : name
        self.category = category
        self.priceCents = priceCents
        self.repeatable = repeatable
    }

    package var price: Double { Double(priceCents) / 100 }
}

/// The known products by id, and the set of their categories.
package struct ProductDirectory: Sendable {
    package private(set) var byID: [String: ProductInfo]
    package private(set) var categories: Set<String>

    package init(_ products: some Sequence<ProductInfo> = [ProductInfo]()) {
        byID = [:]
        categories = []
        for product in products {
            byID[product.id] = product
            categories.insert(product.category)
        }
    }

    package subscript(id: String) -> ProductInfo? { byID[id] }

    package var isEmpty: Bool { byID.isEmpty }
}
