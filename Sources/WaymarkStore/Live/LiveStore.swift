import Foundation
import Postgres
package import Logging
package import WaymarkCore

/// The Store's face to a long-running server: every read and write the stdio methods make,
/// over one ``StoreSession`` (lazy connect, reconnect with backoff, one retry on a lost
/// connection) and one ``LiveContext`` (the catalog and model cache of this store).
///
/// Callers pass and get Waymark values; no SQL, connection or PostgreSQL error crosses this
/// line. Every failure is a ``StoreError``: `.databaseUnavailable` (with
/// ``StoreError/retryAfterMilliseconds``), `.conflict`, `.notFound` (an unknown client),
/// `.noCatalog`, `.missingReference` (a write naming an unknown client or product); anything
/// else the database reports is rethrown as is.
///
/// Not `Sendable`: one owner, the server's loop.
package final class LiveStore {
    let session: StoreSession
    /// This store's catalog and model cache (not the process-wide one, so two stores in one
    /// process, as in the tests, never share a cache across databases).
    let context = LiveContext()
    private let writer = RecordWriter()
    /// The item ids of each stored catalog version, read once per process.
    private var catalogItemIDs: [Int64: Set<String>] = [:]
    /// Snapshots read ahead by ``prefetchRecommendations(_:)``, by client and `as_of` as asked.
    private var prefetched: [RecommendKey: Prefetched] = [:]
    /// The catalog read last by ``currentCatalog()``, reused while it stays the current one.
    var cachedCatalog: CatalogStore.Loaded?

    /// A `recommend` call's client and moment as asked (nil: now).
    package struct RecommendKey: Hashable, Sendable {
        package var clientID: String
        package var asOf: Timestamp?

        package init(clientID: String, asOf: Timestamp?) {
            self.clientID = clientID
            self.asOf = asOf
        }
    }

    private struct Prefetched {
        var moment: Timestamp
        var snapshot: ClientSnapshot?
        var state: LiveContext.State
    }

    package init(configuration: DatabaseConfiguration, logger: Logger) {
        session = StoreSession(configuration: configuration, logger: logger)
    }

    static func now() -> Timestamp { Timestamp(seconds: Int64(Date().timeIntervalSince1970)) }

    // MARK: - Reads

    /// Recommendations for one client now (or at `asOf`), from the snapshots read ahead by
    /// ``prefetchRecommendations(_:)`` when this call is one of them, else read afresh.
    ///
    /// - Parameters: as ``LiveRecommender/recommend(clientID:asOf:top:channel:explain:)``.
    /// - Throws: ``StoreError`` `.notFound` for an unknown client, `.noCatalog`, `.databaseUnavailable`, `.conflict`.
    package func recommend(clientID: String, asOf: Timestamp?, top: Int?, channel: Channel?, explain: Bool,
                           brief: Bool = false) throws -> LiveRecommendations {
        if let loaded = prefetched[RecommendKey(clientID: clientID, asOf: asOf)] {
            guard let snapshot = loaded.snapshot else { throw Self.unknownClient(clientID) }
            var answer = try LiveRecommender.recommend(clientID: clientID, snapshot: snapshot, asOf: loaded.moment, state: loaded.state,
                                                       top: top, channel: channel, explain: explain, brief: brief)
            if answer.logEntry != nil {
                try session.withConnection { connection in try LiveRecommender.log(&answer, connection: connection) }
            }
            if !answer.movedCadences.isEmpty {
                try session.withConnection { try CadenceStateStore(connection: $0).save(answer.movedCadences, clientID: clientID) }
                forgetPrefetched(clientID: clientID)
            }
            return answer
        }
        let answer = try session.withConnection { connection in
            try LiveRecommender(connection: connection, context: context).recommend(
                clientID: clientID, asOf: asOf, top: top, channel: channel, explain: explain, brief: brief)
        }
        if !answer.movedCadences.isEmpty { forgetPrefetched(clientID: clientID) }
        return answer
    }

    /// Drops the snapshots read ahead for a client whose cadence states an answer just moved:
    /// a later call of the group reads them afresh, as it would alone.
    private func forgetPrefetched(clientID: String) {
        for key in prefetched.keys where key.clientID == clientID { prefetched[key] = nil }
    }

    /// Reads the snapshots of a group of `recommend` calls in one round trip
    /// (``LiveContext/loadBatch(_:connection:)``) before they are answered one by one by
    /// ``recommend(clientID:asOf:top:channel:explain:)``, until ``endPrefetch()``.
    ///
    /// The group must hold no record writes, so every call of it sees the data it would have read
    /// by itself (a `recommend` that moves a client's cadence states stores them and drops the
    /// client's other snapshots read ahead, so a later call for the client reads afresh). Fewer than two keys read nothing ahead; when the batch read fails (the database
    /// is down, no catalog is stored), nothing is kept and each call reads, and fails, by itself.
    package func prefetchRecommendations(_ keys: [RecommendKey]) {
        guard keys.count >= 2 else { return }
        let now = Self.now()
        guard let loaded = try? session.withConnection({ connection in
            try context.loadBatch(keys.map { LiveContext.BatchKey(clientID: $0.clientID, asOf: $0.asOf ?? now) }, connection: connection)
        }) else { return }
        for key in keys {
            let moment = key.asOf ?? now
            guard let snapshot = loaded.snapshots[LiveContext.BatchKey(clientID: key.clientID, asOf: moment)] else { continue }
            prefetched[key] = Prefetched(moment: moment, snapshot: snapshot, state: loaded.state)
        }
    }

    /// Drops the snapshots read ahead: the next call reads afresh.
    package func endPrefetch() {
        prefetched.removeAll(keepingCapacity: true)
    }

    /// One client's lifecycle profile now (or at `asOf`).
    ///
    /// - Throws: ``StoreError`` `.notFound` for an unknown client, `.noCatalog`, `.databaseUnavailable`, `.conflict`.
    package func profile(clientID: String, asOf: Timestamp?) throws -> LiveProfile {
        try session.withConnection { connection in
            try ProfileReader(connection: connection, context: context).profile(clientID: clientID, asOf: asOf)
        }
    }

    // MARK: - Writes

    /// Upserts one validated row of `kind` by its natural id (see ``RecordWriter``).
    ///
    /// - Throws: ``StoreError`` `.missingReference` for an unknown client or product (nothing
    ///   written), `.databaseUnavailable`, `.conflict`.
    package func record(_ kind: ImportKind, values: [String?]) throws -> RecordOutcome {
        try session.withConnection { connection in
            try writer.upsert(kind, values: values, on: connection)
        }
    }

    /// Whether any stored catalog version, the current one or an older one, has an item `itemID`
    /// (a response may answer an offer of an earlier catalog).
    ///
    /// - Throws: ``StoreError`` `.databaseUnavailable`, `.conflict`.
    package func isKnownItem(_ itemID: String) throws -> Bool {
        try session.withConnection { connection in
            let versions = try connection.executeCached("SELECT version FROM catalogs ORDER BY version DESC")
            let store = CatalogStore(connection: connection)
            for row in 0..<versions.rowCount {
                let version = try versions.decode(Int64.self, row: row, column: 0)
                if catalogItemIDs[version] == nil {
                    // A version that no longer validates knows no items.
                    let loaded = try? store.load(version: version)
                    catalogItemIDs[version] = Set(loaded?.catalog.items.map(\.id) ?? [])
                }
                if catalogItemIDs[version]?.contains(itemID) == true { return true }
            }
            return false
        }
    }

    static func unknownClient(_ clientID: String) -> StoreError {
        StoreError(.notFound, "no client '\(clientID)': check the id (client ids are case-sensitive)")
    }
}

@available(*, unavailable)
extension LiveStore: Sendable {}
