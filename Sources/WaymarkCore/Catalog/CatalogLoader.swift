internal import Yams
internal import Foundation

/// Reads and validates a catalog document (YAML; JSON is accepted as YAML).
///
/// The whole document is checked and every problem is reported together, each with its
/// `file:line:column`: YAML syntax, unknown keys (with the nearest known key), wrong types and
/// out-of-range values, missing required keys, duplicate item ids, dangling references
/// (products, categories, item ids and tiers named in items and rules), rules that do not
/// compile (positions inside the rule are moved to the rule's place in the file) and templates
/// that do not compile or name unknown facts.
package enum CatalogLoader {
    /// Loads a catalog.
    ///
    /// - Parameters:
    ///   - text: the document.
    ///   - file: the file name used in positions.
    ///   - references: the known products and categories; `.none` skips those checks (item ids
    ///     and tiers are always checked).
    /// - Returns: the validated catalog, with every rule and template compiled.
    /// - Throws: `CatalogError` with every problem found. Not an error: an empty `items` list.
    package static func load(_ text: String, file: String, references: CatalogReferences = .none) throws(CatalogError) -> Catalog {
        var reader = CatalogReader(text: text, file: file, references: references)
        let catalog = reader.read()
        if !reader.diagnostics.isEmpty || catalog == nil {
            var error = CatalogError(diagnostics: reader.diagnostics.isEmpty
                ? [CatalogDiagnostic(location: SourceLocation(file: file), message: "the catalog is empty")]
                : reader.diagnostics)
            if reader.checkedReferences > 0, reader.knownReferences == 0, let categories = references.categories {
                // Not one name matches: most likely a catalog written for other data.
                error.hint = "none of the \(reader.checkedReferences) references to products and categories in this catalog is known "
                    + (categories.isEmpty ? "(there are no products yet: import products first)"
                       : "(the known categories are \(categories.sorted().joined(separator: ", "))): is this the catalog for this data?")
            }
            throw error
        }
        return catalog!
    }
}

/// The names a message template may use: every fact, plus a few item and client values.
package enum TemplateVariables {
    package static let extra = ["client_id", "title", "product_name", "channel", "as_of", "first_name"]
    package static let all: Set<String> = Set(Fact.allCases.filter { !$0.isAccountFact }.map(\.rawValue) + extra)
}
