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
        let result = try connection.executeCached(
            SnapshotQuery.batch, [.textArray(clientIDs), .textArray(stageClients), .intArray(stageBefore.map(Optional.some))])

        var freshness = SnapshotLoader.Freshness(catalogVersion: nil, runIDs: [])
        var profiles: [String: ClientProfile] = [:]
        var rows: [String: [SnapshotRow]] = [:]
        var stages: [BatchKey: StageRecord] = [:]
        SnapshotQuery.decode(result, freshness: &freshness) { index, count, clientID, row in
            switch row {
            case .profile(let profile):
                profiles[clientID] = profile
            case .stage(let record):
                // The stage branch adds the moment it was read for after the table's columns.
                guard let before = result[index, count + 1].flatMap({ Int64($0) }) else { return }
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
