import Foundation
package import Postgres
package import WaymarkCore

/// What the live paths score with: the current catalog, the current night's fitted models and
/// the products, cached per process and refreshed when a newer catalog or run appears.
///
/// Each request costs one cheap query (the newest catalog version and the current run ids);
/// the catalog, models and products are read again only when those changed. Safe to share
/// between threads (a lock guards the cache); the connection passed in is used by the caller's
/// thread only.
package final class LiveContext: @unchecked Sendable {
    /// The state an answer was computed with.
    package struct State: Sendable {
        package var engine: Engine
        package var catalogVersion: Int64
        /// The current night's runs (empty before the first published run).
        package var runIDs: [Int64]
        package var modelsAsOf: String?
    }

    /// One cache per process.
    package static let shared = LiveContext()

    private let lock = NSLock()
    private var cached: State?

    package init() {}

    /// The current state, reloaded when the stored catalog or the current runs changed.
    ///
    /// - Throws: ``StoreError`` `.notFound` when no catalog is stored; ``PostgresError``.
    package func state(connection: Connection) throws -> State {
        let check = try connection.execute("""
            SELECT (SELECT max(version) FROM catalogs),
                   (SELECT coalesce(string_agg(run_id::text, ',' ORDER BY shard_index), '') FROM current_runs)
            """)
        guard let catalogVersion = try check.decode(Int64?.self, row: 0, column: 0) else {
            throw StoreError(.notFound, "no catalog is stored: load one with waymark catalog load FILE")
        }
        let runIDs = (check[0, 1] ?? "").split(separator: ",").compactMap { Int64($0) }
        lock.lock()
        if let cached, cached.catalogVersion == catalogVersion, cached.runIDs == runIDs {
            lock.unlock()
            return cached
        }
        lock.unlock()
        let store = CatalogStore(connection: connection)
        guard let loaded = try store.load(version: catalogVersion) else {
            throw StoreError(.notFound, "catalog version \(catalogVersion) disappeared while loading it; try again")
        }
        var models = FittedModels()
        var modelsAsOf: String?
        if let first = runIDs.first {
            let row = try connection.execute(
                "SELECT models::text, to_char(as_of AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM scoring_runs WHERE run_id = $1", [.int(first)])
            if row.rowCount == 1, let text = row[0, 0] {
                models = try JSONDecoder().decode(StoredModels.self, from: Data(text.utf8)).fittedModels
                modelsAsOf = row[0, 1]
            }
        }
        let state = State(engine: Engine(catalog: loaded.catalog, models: models, products: try store.products()),
                          catalogVersion: catalogVersion, runIDs: runIDs, modelsAsOf: modelsAsOf)
        lock.lock()
        cached = state
        lock.unlock()
        return state
    }
}
