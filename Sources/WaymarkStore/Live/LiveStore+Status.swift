import Postgres

// The state of the store as `health` and `catalog` report it: the last published run and the
// current catalog.

/// What the store holds now: the last published run and the newest catalog.
package struct StoreStatus: Sendable, Hashable {
    /// The last published scoring run; nil before the first.
    package var lastRun: PublishedRun?
    /// The newest stored catalog; nil before the first is loaded.
    package var catalog: CatalogSummary?

    package struct PublishedRun: Sendable, Hashable {
        package var runID: Int64
        /// ISO 8601 UTC, second precision.
        package var asOf: String
        /// ISO 8601 UTC, second precision.
        package var publishedAt: String
        package var catalogVersion: Int64?
    }

    package struct CatalogSummary: Sendable, Hashable {
        package var version: Int64
        package var name: String
        /// ISO 8601 UTC, second precision.
        package var loadedAt: String
    }
}

extension LiveStore {
    /// Whether the database answers now (a round trip), connecting if needed; never throws.
    package func isReachable() -> Bool {
        session.ping()
    }

    /// The last published run and the newest catalog.
    ///
    /// - Throws: ``StoreError`` `.databaseUnavailable`, `.conflict`.
    package func status() throws -> StoreStatus {
        try session.withConnection { connection in
            let runs = try connection.executeCached("""
                SELECT run_id, \(Self.iso("as_of")), \(Self.iso("published_at")), catalog_version
                FROM scoring_runs WHERE status = 'published' ORDER BY published_at DESC, run_id DESC LIMIT 1
                """)
            var status = StoreStatus()
            if runs.rowCount == 1 {
                status.lastRun = StoreStatus.PublishedRun(
                    runID: try runs.decode(Int64.self, row: 0, column: 0), asOf: try runs.decode(String.self, row: 0, column: 1),
                    publishedAt: try runs.decode(String.self, row: 0, column: 2),
                    catalogVersion: try runs.decode(Int64?.self, row: 0, column: 3))
            }
            let catalogs = try connection.executeCached("""
                SELECT version, name, \(Self.iso("loaded_at")) FROM catalogs ORDER BY version DESC LIMIT 1
                """)
            if catalogs.rowCount == 1 {
                status.catalog = StoreStatus.CatalogSummary(
                    version: try catalogs.decode(Int64.self, row: 0, column: 0), name: try catalogs.decode(String.self, row: 0, column: 1),
                    loadedAt: try catalogs.decode(String.self, row: 0, column: 2))
            }
            return status
        }
    }

    /// The current (newest) catalog with its version, read again only when a newer one was stored.
    ///
    /// - Throws: ``StoreError`` `.noCatalog` when none is stored, `.invalidInput` when the stored
    ///   one no longer validates, `.databaseUnavailable`, `.conflict`.
    package func currentCatalog() throws -> CatalogStore.Loaded {
        try session.withConnection { connection in
            let store = CatalogStore(connection: connection)
            guard let current = try store.currentVersion() else { throw Self.noCatalog() }
            if let cachedCatalog, cachedCatalog.version == current { return cachedCatalog }
            guard let loaded = try store.load(version: current.version) else { throw Self.noCatalog() }
            cachedCatalog = loaded
            return loaded
        }
    }

    static func noCatalog() -> StoreError {
        StoreError(.noCatalog, "no catalog is stored")
    }

    /// A timestamptz column as ISO 8601 UTC text with second precision.
    private static func iso(_ column: String) -> String {
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    }
}
