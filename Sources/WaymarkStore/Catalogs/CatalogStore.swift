package import Foundation
package import Postgres
package import WaymarkCore

/// Stores catalog documents as versions in `catalogs` and loads the current one.
///
/// A document is validated with the engine's `CatalogLoader` (against the products in the
/// database, when there are any) before it is stored; the stored text is validated again when
/// it is loaded, so a catalog that the running engine can no longer read is reported, not used.
package struct CatalogStore {
    package let connection: Connection

    package init(connection: Connection) {
        self.connection = connection
    }

    /// A stored catalog version.
    package struct Version: Sendable, Hashable, Codable {
        /// The database version number (`catalogs.version`), increasing.
        package var version: Int64
        package var name: String
        /// The document's own `version:` field.
        package var documentVersion: String
        /// SHA-256 of the source text, hex.
        package var checksum: String
        package var loadedAt: Date
        package var loadedFrom: String?
    }

    /// A loaded catalog with its stored version.
    package struct Loaded: Sendable {
        package var catalog: Catalog
        package var version: Version
    }

    /// The products of the database, for reference checks; nil when there are none.
    package func products() throws -> ProductDirectory {
        var products: [ProductInfo] = []
        for row in try connection.execute("SELECT product_id, name, category, (list_price * 100)::bigint, repeatable FROM products") {
            products.append(ProductInfo(
                id: try row.decode(String.self, at: 0), name: try row.decode(String.self, at: 1),
                category: try row.decode(String.self, at: 2), priceCents: try row.decode(Int64.self, at: 3),
                repeatable: try row.decode(Bool.self, at: 4)))
        }
        return ProductDirectory(products)
    }

    /// Validates a document against the known products (when any are loaded).
    ///
    /// - Throws: `CatalogError` with every problem; ``PostgresError`` when reading products fails.
    package func validate(_ text: String, file: String) throws -> Catalog {
        let known = try products()
        return try CatalogLoader.load(text, file: file, references: known.isEmpty ? .none : CatalogReferences(products: known))
    }

    /// Validates `text` and stores it as the new current version.
    ///
    /// Storing the same text as the current version again stores nothing and returns that version.
    ///
    /// - Parameters:
    ///   - text: the YAML (or JSON) document.
    ///   - file: where it came from (for positions in errors, and recorded as `loaded_from`).
    /// - Returns: the stored version and the catalog.
    /// - Throws: `CatalogError` (nothing stored) when the document does not validate;
    ///   ``PostgresError`` when the database fails.
    package func save(_ text: String, file: String) throws -> Loaded {
        let catalog = try validate(text, file: file)
        return try connection.transaction { connection in
            try connection.execute("LOCK TABLE catalogs IN SHARE ROW EXCLUSIVE MODE")
            let checksum = try connection.execute("SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')", [.text(text)]).scalar(String.self)
            if let current = try currentVersion(), current.checksum == checksum {
                return Loaded(catalog: catalog, version: current)
            }
            let row = try connection.execute("""
                INSERT INTO catalogs (name, source, checksum, loaded_from) VALUES ($1, $2, $3, $4)
                RETURNING version, name, checksum, extract(epoch FROM loaded_at)::float8, loaded_from
                """, [.text(catalog.name), .text(text), .text(checksum), .text(file)])
            return Loaded(catalog: catalog, version: try Self.version(row, row: 0, documentVersion: catalog.version))
        }
    }

    /// The current (newest) version, without its text; nil when no catalog was ever stored.
    package func currentVersion() throws -> Version? {
        let result = try connection.execute("""
            SELECT version, name, checksum, extract(epoch FROM loaded_at)::float8, loaded_from, source
            FROM catalogs ORDER BY version DESC LIMIT 1
            """)
        guard result.rowCount == 1 else { return nil }
        let source = try result.decode(String.self, row: 0, column: 5)
        return try Self.version(result, row: 0, documentVersion: Self.documentVersion(source))
    }

    /// The newest stored catalog, validated again.
    ///
    /// - Returns: nil when no catalog was ever stored.
    /// - Throws: ``StoreError`` `.invalidInput` when the stored text no longer validates (with
    ///   every problem); ``PostgresError`` when the database fails.
    package func loadCurrent() throws -> Loaded? {
        try load(version: nil)
    }

    /// A stored catalog by its version (nil: the newest), validated again.
    package func load(version: Int64?) throws -> Loaded? {
        let result = if let version {
            try connection.execute("""
                SELECT version, name, checksum, extract(epoch FROM loaded_at)::float8, loaded_from, source
                FROM catalogs WHERE version = $1
                """, [.int(version)])
        } else {
            try connection.execute("""
                SELECT version, name, checksum, extract(epoch FROM loaded_at)::float8, loaded_from, source
                FROM catalogs ORDER BY version DESC LIMIT 1
                """)
        }
        guard result.rowCount == 1 else { return nil }
        let source = try result.decode(String.self, row: 0, column: 5)
        let stored = try result.decode(Int64.self, row: 0, column: 0)
        let catalog: Catalog
        do {
            catalog = try CatalogLoader.load(source, file: "catalog version \(stored)")
        } catch {
            throw StoreError(.invalidInput, """
                the stored catalog version \(stored) no longer validates with this waymark:
                \(error.description)
                load a corrected catalog to replace it
                """, underlying: error)
        }
        return Loaded(catalog: catalog, version: try Self.version(result, row: 0, documentVersion: catalog.version))
    }

    static func version(_ result: QueryResult, row: Int, documentVersion: String) throws -> Version {
        Version(
            version: try result.decode(Int64.self, row: row, column: 0),
            name: try result.decode(String.self, row: row, column: 1),
            documentVersion: documentVersion,
            checksum: try result.decode(String.self, row: row, column: 2),
            loadedAt: Date(timeIntervalSince1970: try result.decode(Double.self, row: row, column: 3)),
            loadedFrom: try result.decode(String?.self, row: row, column: 4))
    }

    /// The document's `version:` value, read without a full validation.
    static func documentVersion(_ source: String) -> String {
        for line in source.split(separator: "\n") where line.hasPrefix("version:") {
            return line.dropFirst("version:".count).trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
        }
        return ""
    }
}
