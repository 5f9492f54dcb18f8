package import Postgres
package import WaymarkCore

/// Loads one client's snapshot: the interactive path (an advisor's request, the stdio server).
///
/// One round trip: a single statement, prepared once per connection, reads every table of the
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

    /// The snapshot of `clientID` (nil when there is no such client) and, read in the same
    /// statement, the catalog version and runs that are current.
    ///
    /// - Throws: ``PostgresError`` when the query fails.
    package func loadWithFreshness(clientID: String, asOf: Timestamp) throws -> (snapshot: ClientSnapshot?, freshness: Freshness) {
        let result = try executeSnapshotQuery([.text(clientID), .int(asOf.seconds)])
        var snapshot: ClientSnapshot?
        var pending: [SnapshotRow] = []
        var freshness = Freshness(catalogVersion: nil, runIDs: [])
        pending.reserveCapacity(result.rowCount)
        for index in 0..<result.rowCount {
            guard let tag = result[index, 0].flatMap({ Int($0) }) else { continue }
            if tag == Self.freshnessTag {
                freshness.catalogVersion = result[index, 1].flatMap { Int64($0) }
                freshness.runIDs = (result[index, 2] ?? "").split(separator: ",").compactMap { Int64($0) }
                continue
            }
            guard let table = SnapshotTable(rawValue: tag) else { continue }
            let count = Self.columnCounts[tag]
            var fields = [String?](repeating: nil, count: count)
            for column in 0..<count { fields[column] = result[index, column + 1] }
            guard let (_, row) = table.decode(fields) else { continue }
            if case .profile(let profile) = row {
                snapshot = ClientSnapshot(profile: profile)
            } else {
                pending.append(row)
            }
        }
        if snapshot != nil {
            for row in pending { snapshot?.add(row) }
        }
        return (snapshot, freshness)
    }

    /// Runs the prepared statement, preparing it first on a connection that does not have it
    /// (a new or a reset session).
    private func executeSnapshotQuery(_ parameters: [PostgresValue?]) throws(PostgresError) -> QueryResult {
        do {
            return try connection.executePrepared(name: Self.statementName, parameters)
        } catch where error.code == .invalidSqlStatementName {
            try connection.prepare(name: Self.statementName, sql: Self.sql)
            return try connection.executePrepared(name: Self.statementName, parameters)
        }
    }

    /// The prepared statement's name on each connection.
    static let statementName = "waymark_client_snapshot_v1"

    /// The tag of the freshness row (past every ``SnapshotTable`` raw value).
    static let freshnessTag = SnapshotTable.allCases.count

    /// The columns each table's SELECT returns, by raw value.
    static let columnCounts = [10, 7, 3, 5, 6, 4, 4]

    /// The widest table's column count; every branch is padded to it.
    static let width = 10

    /// The one statement: `$1` is the client id, `$2` the epoch second up to which the stage
    /// history counts. Columns: the tag, then up to ``width`` text fields.
    static let sql: String = {
        func branch(_ tag: Int, _ columns: [String], from: String) -> String {
            let padded = columns + [String](repeating: "NULL::text", count: width - columns.count)
            return "SELECT \(tag)::int2, \(padded.joined(separator: ", ")) FROM \(from)"
        }
        var branches: [String] = []
        for table in SnapshotTable.allCases where table != .stage {
            let count = columnCounts[table.rawValue]
            let names = (1...count).map { "c\($0)" }
            // clients.do_not_contact is boolean: as text it must read "t"/"f", as on the wire.
            let columns = names.enumerated().map { offset, name in
                table == .clients && offset == 8 ? "CASE WHEN \(name) THEN 't' ELSE 'f' END" : "\(name)::text"
            }
            let inner = table.select(where: "client_id = $1", stageBefore: 0, ordered: false)
            branches.append(branch(table.rawValue, columns, from: "(\(inner)) AS t\(table.rawValue)(\(names.joined(separator: ", ")))"))
        }
        branches.append("(" + branch(SnapshotTable.stage.rawValue,
                                     ["client_id::text", "stage::text", "floor(extract(epoch FROM changed_at))::bigint::text", "previous::text"],
                                     from: "stage_history WHERE client_id = $1 AND changed_at <= to_timestamp($2::bigint) ORDER BY changed_at DESC LIMIT 1") + ")")
        branches.append(branch(freshnessTag, [
            "(SELECT max(version) FROM catalogs)::text",
            "(SELECT coalesce(string_agg(run_id::text, ',' ORDER BY shard_index), '') FROM current_runs)",
        ], from: "(VALUES (1)) AS f(one)"))
        return branches.joined(separator: "\nUNION ALL\n")
    }()
}
