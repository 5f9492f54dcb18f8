/// One problem in a catalog document, with its position.
package struct CatalogDiagnostic: Sendable, Hashable, CustomStringConvertible {
    /// Where the problem is (`file:line:column`).
    package var location: SourceLocation
    /// What is wrong and how to fix it.
    package var message: String

    package init(location: SourceLocation, message: String) {
        self.location = location
        self.message = message
    }

    /// `file:line:column: error: message`.
    package var description: String { "\(location): error: \(message)" }
}

/// The error of a catalog that does not validate: every problem found, in document order.
package struct CatalogError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Never empty; sorted by line and column.
    package var diagnostics: [CatalogDiagnostic]
    /// What the problems together suggest, when they suggest something (printed before the count).
    package var hint: String?

    package init(diagnostics: [CatalogDiagnostic]) {
        self.diagnostics = diagnostics.sorted {
            ($0.location.line, $0.location.column, $0.message) < ($1.location.line, $1.location.column, $1.message)
        }
    }

    /// One `file:line:column: error: message` line per problem, the hint, then a count.
    package var description: String {
        let count = diagnostics.count
        let hint = hint.map { ["hint: \($0)"] } ?? []
        return (diagnostics.map(\.description) + hint + ["\(count) error\(count == 1 ? "" : "s") in catalog"]).joined(separator: "\n")
    }
}

/// The names a catalog may refer to, when the caller knows them (from the database or from
/// the generator's product catalog). A nil set is not checked.
package struct CatalogReferences: Sendable {
    package var products: ProductDirectory?
    /// Known categories; defaults to the products' categories.
    package var categories: Set<String>?

    package init(products: ProductDirectory? = nil, categories: Set<String>? = nil) {
        self.products = products
        self.categories = categories ?? products.map(\.categories)
    }

    /// Nothing known: references to products and categories are not checked.
    package static let none = CatalogReferences()
}
