package import Postgres
package import WaymarkCore

extension LiveContext {
    /// One client and moment of a batch load: the snapshot is the client's data now, with the
    /// stage recorded at or before `asOf`.
    package struct BatchKey: Hashable, Sendable {
        package var clientID: String
        package var asOf: Timestamp

        package init(clientID: String, asOf: Timestamp) {
            self.clientID = clientID
            self.asOf = asOf
        }
    }

    /// The snapshots of several clients read together, with the state they are scored with.
    package struct BatchLoad: Sendable {
        /// The catalog, models and products, as current when the snapshots were read.
        package var state: State
        /// Every key asked for; nil for a client that does not exist.
        package var snapshots: [BatchKey: ClientSnapshot?]
    }

    /// Several clients' snapshots in one round trip, with the current catalog and models: what
    /// ``load(clientID:asOf:connection:)`` reads for one client, for a whole group of requests
    /// (the stdio server's pipelined `recommend` calls).
    ///
    /// One prepared statement reads every snapshot table for all the client ids at once
    /// (`client_id = ANY($1)`; the profiles by one key lookup per id), the latest recorded
    /// stage for each client and moment, and the catalog version and current runs, so the
    /// group costs the database one statement instead of one per client. Each snapshot is the same one ``load(clientID:asOf:connection:)``
    /// would return at that moment.
    ///
    /// - Parameter keys: the clients and moments; duplicates are read once.
    /// - Returns: a snapshot (or nil for an unknown client) for every key.
    /// - Throws: ``StoreError`` `.noCatalog` when no catalog is stored; ``PostgresError``.
    package func loadBatch(_ keys: [BatchKey], connection: Connection) throws -> BatchLoad {
        var clientIDs: [String] = []
        var seenClients: Set<String> = []
        var stageClients: [String] = []
        var stageBefore: [Int64] = []
        var seenKeys: Set<BatchKey> = []
        for key in keys where seenKeys.insert(key).inserted {
            if seenClients.insert(key.clientID).inserted { clientIDs.append(key.clientID) }
            stageClients.append(key.clientID)
            stageBefore.append(key.asOf.seconds)
        }
        let result = try BatchSnapshotQuery.execute(
            [.textArray(clientIDs), .textArray(stageClients), .intArray(stageBefore.map(Optional.some))], connection: connection)

        var freshness = SnapshotLoader.Freshness(catalogVersion: nil, runIDs: [])
        var profiles: [String: ClientProfile] = [:]
        var rows: [String: [SnapshotRow]] = [:]
        var stages: [BatchKey: StageRecord] = [:]
        for index in 0..<result.rowCount {
            guard let tag = result[index, 0].flatMap({ Int($0) }) else { continue }
            if tag == SnapshotLoader.freshnessTag {
                freshness.catalogVersion = result[index, 1].flatMap { Int64($0) }
                freshness.runIDs = (result[index, 2] ?? "").split(separator: ",").compactMap { Int64($0) }
                continue
            }
            guard let table = SnapshotTable(rawValue: tag) else { continue }
            let count = SnapshotLoader.columnCounts[tag]
            var fields = [String?](repeating: nil, count: count)
            for column in 0..<count { fields[column] = result[index, column + 1] }
            guard let (clientID, row) = table.decode(fields) else { continue }
            switch row {
            case .profile(let profile):
                profiles[clientID] = profile
            case .stage(let record):
                // The stage branch adds the moment it was read for after the table's columns.
                guard let before = result[index, count + 1].flatMap({ Int64($0) }) else { continue }
                stages[BatchKey(clientID: clientID, asOf: Timestamp(seconds: before))] = record
            default:
                rows[clientID, default: []].append(row)
            }
        }
        let state = try state(connection: connection, freshness: freshness)
        var snapshots: [BatchKey: ClientSnapshot?] = [:]
        snapshots.reserveCapacity(seenKeys.count)
        for key in seenKeys {
            guard let profile = profiles[key.clientID] else {
                snapshots[key] = .some(nil)
                continue
            }
            var snapshot = ClientSnapshot(profile: profile)
            for row in rows[key.clientID] ?? [] { snapshot.add(row) }
            snapshot.recordedStage = stages[key]
            snapshots[key] = snapshot
        }
        return BatchLoad(state: state, snapshots: snapshots)
    }
}

/// The statement of ``LiveContext/loadBatch(_:connection:)``: ``SnapshotLoader``'s query for an
/// array of client ids.
enum BatchSnapshotQuery {
    /// The prepared statement's name on each connection.
    static let statementName = "waymark_client_snapshots_batch_v1"

    /// Runs the prepared statement, preparing it first on a connection that does not have it.
    static func execute(_ parameters: [PostgresValue?], connection: Connection) throws(PostgresError) -> QueryResult {
        do {
            return try connection.executePrepared(name: statementName, parameters)
        } catch where error.code == .invalidSqlStatementName {
            try connection.prepare(name: statementName, sql: sql)
            return try connection.executePrepared(name: statementName, parameters)
        }
    }

    /// `$1` the distinct client ids; `$2` and `$3` the client ids and epoch seconds (pairwise)
    /// for which the latest recorded stage is read. Columns: the tag, then up to
    /// ``SnapshotLoader/width`` text fields; a stage row has the epoch second it was read for
    /// after its own columns.
    static let sql: String = {
        let width = SnapshotLoader.width
        func branch(_ tag: Int, _ columns: [String], from: String) -> String {
            let padded = columns + [String](repeating: "NULL::text", count: width - columns.count)
            return "SELECT \(tag)::int2, \(padded.joined(separator: ", ")) FROM \(from)"
        }
        var branches: [String] = []
        for table in SnapshotTable.allCases where table != .stage {
            let count = SnapshotLoader.columnCounts[table.rawValue]
            let names = (1...count).map { "c\($0)" }
            // clients.do_not_contact is boolean: as text it must read "t"/"f", as on the wire.
            let columns = names.enumerated().map { offset, name in
                table == .clients && offset == 8 ? "CASE WHEN \(name) THEN 't' ELSE 'f' END" : "\(name)::text"
            }
            let alias = "t\(table.rawValue)(\(names.joined(separator: ", ")))"
            if table == .clients {
                // One index lookup per id (client_id is the key): `= ANY` on a small table is
                // planned as a scan comparing every row with every id.
                let inner = table.select(where: "client_id = k.id", stageBefore: 0, ordered: false)
                branches.append(branch(table.rawValue, columns, from: "unnest($1::text[]) AS k(id) CROSS JOIN LATERAL (\(inner) LIMIT 1) AS \(alias)"))
            } else {
                let inner = table.select(where: "client_id = ANY($1::text[])", stageBefore: 0, ordered: false)
                branches.append(branch(table.rawValue, columns, from: "(\(inner)) AS \(alias)"))
            }
        }
        branches.append(branch(SnapshotTable.stage.rawValue, [
            "s.client_id::text", "s.stage::text", "floor(extract(epoch FROM s.changed_at))::bigint::text", "s.previous::text",
            "k.before::text",
        ], from: """
            unnest($2::text[], $3::int8[]) AS k(client_id, before) CROSS JOIN LATERAL (
                SELECT client_id, stage, changed_at, previous FROM stage_history
                WHERE client_id = k.client_id AND changed_at <= to_timestamp(k.before)
                ORDER BY changed_at DESC LIMIT 1) AS s
            """))
        branches.append(branch(SnapshotLoader.freshnessTag, [
            "(SELECT max(version) FROM catalogs)::text",
            "(SELECT coalesce(string_agg(run_id::text, ',' ORDER BY shard_index), '') FROM current_runs)",
        ], from: "(VALUES (1)) AS f(one)"))
        return branches.joined(separator: "\nUNION ALL\n")
    }()
}
