import Foundation
import Synchronization
package import Postgres
package import WaymarkCore

/// What the live paths score with: the current catalog, the current night's fitted models and
/// the products, cached per process and refreshed when a newer catalog or run appears.
///
/// Whether the cache holds is told by the newest catalog version and the current run ids: read
/// with the client's snapshot (``SnapshotLoader/loadWithFreshness(clientID:asOf:)``, no extra
/// round trip) or by one cheap query; the catalog, models and products are read again only when
/// those changed. Safe to share
/// between threads (a mutex guards the cache); the connection passed in is used by the caller's
/// thread only.
package final class LiveContext: Sendable {
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

    private let cached = Mutex<State?>(nil)

    package init() {}

    /// The current state, reloaded when the stored catalog or the current runs changed.
    ///
    /// - Throws: ``StoreError`` `.noCatalog` when no catalog is stored; ``PostgresError``.
    package func state(connection: Connection) throws -> State {
        let check = try connection.executeCached("""
            SELECT (SELECT max(version) FROM catalogs),
                   (SELECT coalesce(string_agg(run_id::text, ',' ORDER BY shard_index), '') FROM current_runs)
            """)
        guard let catalogVersion = try check.decode(Int64?.self, row: 0, column: 0) else {
            throw StoreError(.noCatalog, "no catalog is stored")
        }
        let runIDs = (check[0, 1] ?? "").split(separator: ",").compactMap { Int64($0) }
        return try state(connection: connection, catalogVersion: catalogVersion, runIDs: runIDs)
    }

    /// The state for a catalog version and current runs already read (with a snapshot, by
    /// ``SnapshotLoader/loadWithFreshness(clientID:asOf:)``): the cached one when they match,
    /// else reloaded.
    ///
    /// - Throws: ``StoreError`` `.noCatalog` when `freshness` has no catalog; ``PostgresError``.
    package func state(connection: Connection, freshness: SnapshotLoader.Freshness) throws -> State {
        guard let catalogVersion = freshness.catalogVersion else {
            throw StoreError(.noCatalog, "no catalog is stored")
        }
        return try state(connection: connection, catalogVersion: catalogVersion, runIDs: freshness.runIDs)
    }

    private func state(connection: Connection, catalogVersion: Int64, runIDs: [Int64]) throws -> State {
        let current = cached.withLock { $0 }
        if let current, current.catalogVersion == catalogVersion, current.runIDs == runIDs {
            return current
        }
        let store = CatalogStore(connection: connection)
        guard let loaded = try store.load(version: catalogVersion) else {
            throw StoreError(.noCatalog, "catalog version \(catalogVersion) disappeared while loading it; try again")
        }
        var models = FittedModels()
        var modelsAsOf: String?
        if let first = runIDs.first {
            let row = try connection.executeCached(
                "SELECT models::text, to_char(as_of AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM scoring_runs WHERE run_id = $1", [.int(first)])
            if row.rowCount == 1, let text = row[0, 0] {
                models = try JSONDecoder().decode(StoredModels.self, from: Data(text.utf8)).fittedModels
                modelsAsOf = row[0, 1]
            }
        }
        let state = State(engine: Engine(catalog: loaded.catalog, models: models, products: try store.products()),
                          catalogVersion: catalogVersion, runIDs: runIDs, modelsAsOf: modelsAsOf)
        cached.withLock { $0 = state }
        return state
    }
}

extension LiveContext {
    /// One client's snapshot as of `asOf` (now when nil) with the current catalog and models: the
    /// one round trip every live request starts with.
    /// - Throws: ``StoreError`` `.notFound` for an unknown client or when no catalog is stored.
    func load(clientID: String, asOf: Timestamp?, connection: Connection) throws
        -> (moment: Timestamp, snapshot: ClientSnapshot, state: State) {
        guard FieldFormats.isValidID(clientID) else { throw StoreError.malformedClientID(clientID) }
        let moment = asOf ?? Timestamp(seconds: Int64(Date().timeIntervalSince1970))
        let loaded = try SnapshotLoader(connection: connection).loadWithFreshness(clientID: clientID, asOf: moment)
        let state = try state(connection: connection, freshness: loaded.freshness)
        guard let snapshot = loaded.snapshot else {
            throw StoreError(.notFound, "no client '\(clientID)': check the id (client ids are case-sensitive)")
        }
        return (moment, snapshot, state)
    }
}
