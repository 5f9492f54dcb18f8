package import Postgres
package import WaymarkCore

/// Loads one client's snapshot: the interactive path (an advisor's request, the stdio server).
///
/// One round trip: a single statement (``SnapshotQuery``), prepared once per connection, reads every table of the
/// snapshot (profile, purchases with their products' categories, life events, interactions,
/// responses, ledger entries, the latest recorded stage) as one `UNION ALL`, each row tagged
/// with its table, plus one row with the newest stored catalog version and the current run ids
/// (``Freshness``), so the live paths need no separate query to know whether their cache holds.
/// Each branch is a lookup on the `client_id` leading its table's primary key, and the rows are
/// decoded by the same code as the nightly stream's.
package struct SnapshotLoader {
    package let connection: Connection

    package init(connection: Connection) {
        self.connection = connection
    }

    /// The newest stored catalog version and the current night's runs, as read with a snapshot.
    package struct Freshness: Sendable, Hashable {
        /// `max(catalogs.version)`; nil when no catalog is stored.
        package var catalogVersion: Int64?
        /// The current runs by shard (empty before the first published run).
        package var runIDs: [Int64]

        package init(catalogVersion: Int64?, runIDs: [Int64]) {
            self.catalogVersion = catalogVersion
            self.runIDs = runIDs
        }
    }

    /// The snapshot of `clientID`, with the stage recorded at or before `asOf`.
    ///
    /// - Returns: nil when there is no such client.
    /// - Throws: ``PostgresError`` when the query fails.
    package func load(clientID: String, asOf: Timestamp) throws -> ClientSnapshot? {
        try loadWithFreshness(clientID: clientID, asOf: asOf).snapshot
    }

    /// The snapshot of `clientID` with the stage history as it was known at `knownAt` (epoch
    /// seconds): what a run started then, or a live request answered then, read. The timeline
    /// is read whole; the engine ignores what is dated after `asOf`.
    ///
    /// - Returns: nil when there is no such client.
    /// - Throws: ``PostgresError`` when the query fails.
    package func load(clientID: String, asOf: Timestamp, stageKnownAt knownAt: Double) throws -> ClientSnapshot? {
        let result = try connection.executeCached(SnapshotQuery.audit, [.text(clientID), .int(asOf.seconds), .double(knownAt)])
        return Self.snapshot(of: result)
    }

    /// The snapshot of `clientID` (nil when there is no such client) and, read in the same
    /// statement, the catalog version and runs that are current.
    ///
    /// - Throws: ``PostgresError`` when the query fails.
    package func loadWithFreshness(clientID: String, asOf: Timestamp) throws -> (snapshot: ClientSnapshot?, freshness: Freshness) {
        let result = try connection.executeCached(SnapshotQuery.single, [.text(clientID), .int(asOf.seconds)])
        var freshness = Freshness(catalogVersion: nil, runIDs: [])
        let snapshot = Self.snapshot(of: result, freshness: &freshness)
        return (snapshot, freshness)
    }

    /// Decodes a single client's snapshot statement.
    private static func snapshot(of result: QueryResult) -> ClientSnapshot? {
        var freshness = Freshness(catalogVersion: nil, runIDs: [])
        return snapshot(of: result, freshness: &freshness)
    }

    private static func snapshot(of result: QueryResult, freshness: inout Freshness) -> ClientSnapshot? {
        var snapshot: ClientSnapshot?
        var pending: [SnapshotRow] = []
        pending.reserveCapacity(result.rowCount)
        SnapshotQuery.decode(result, freshness: &freshness) { _, _, _, row in
            if case .profile(let profile) = row {
                snapshot = ClientSnapshot(profile: profile)
            } else {
                pending.append(row)
            }
        }
        if snapshot != nil {
            for row in pending { snapshot?.add(row) }
        }
        return snapshot
    }
}
