import Foundation
package import Postgres
package import WaymarkCore

/// What `waymark explain` reports: a stored decision, the same decision recomputed from the
/// stored history as of its moment, and whether they are identical.
package struct DecisionReplay: Sendable, Hashable {
    /// `nightly` (a run's row) or `live` (a logged answer).
    package var source: String
    package var runID: Int64?
    package var decisionID: Int64?
    package var clientID: String
    /// The moment decided for (the run's as_of, or the live request's).
    package var asOf: Timestamp
    package var catalogVersion: Int64
    package var modelVersion: Int64?
    package var holdout: Bool
    /// The inputs' hash stamped on the decision, and the one recomputed now from the history as of `asOf`.
    package var storedInputHash: String
    package var recomputedInputHash: String
    /// The stored rows and the recomputed ones, as ``DecisionRow/line``.
    package var stored: [String]
    package var recomputed: [String]
    /// What changed in the inputs as of `asOf` (empty when the hashes agree).
    package var changedInputs: [String]
    /// What was recorded for the client dated after `asOf` (a decision made now would see it).
    package var since: [String]

    /// The recomputed decision equals the stored one byte for byte.
    package var identical: Bool { stored == recomputed }
    /// The inputs as of `asOf` are those the decision saw.
    package var inputsUnchanged: Bool { storedInputHash == recomputedInputHash }
}

/// Replays stored decisions: a nightly run's rows for one client (`explain --run`) or a logged
/// live answer (`explain --decision`), with the catalog version, the fitted models and the
/// client's history as they were, and compares.
package struct DecisionAudit {
    package let connection: Connection

    package init(connection: Connection) {
        self.connection = connection
    }

    /// Replays what run `runID` decided for `clientID`.
    ///
    /// - Throws: ``StoreError`` `.runNotFound` (no such run, or its results were pruned or never
    ///   published), `.notFound` (the run did not score the client), `.invalidInput` (a
    ///   malformed id, or a run stored before decisions were stamped); ``PostgresError``.
    package func replay(runID: Int64, clientID: String) throws -> DecisionReplay {
        guard FieldFormats.isValidID(clientID) else { throw StoreError.malformedClientID(clientID) }
        let run = try connection.execute("""
            SELECT extract(epoch FROM r.as_of)::bigint, r.catalog_version, r.models::text, (r.parameters->>'top')::int,
                   extract(epoch FROM r.started_at)::float8
            FROM scoring_runs r
            WHERE r.run_id = $1 AND r.status IN ('published', 'superseded')
              AND EXISTS (SELECT 1 FROM pg_class WHERE relname = 'recommendations_r' || r.run_id AND relispartition)
            """, [.int(runID)])
        guard let row = run.first else {
            throw StoreError(.runNotFound, "run \(runID) has no published results (never published, failed or pruned): see `waymark runs list`")
        }
        let asOf = Timestamp(seconds: try row.decode(Int64.self, at: 0))
        guard let catalogVersion = try row.decode(Int64?.self, at: 1), let modelsText = try row.decode(String?.self, at: 2) else {
            throw StoreError(.invalidInput, "run \(runID) stored no catalog version or models: it cannot be replayed")
        }
        let top = try row.decode(Int?.self, at: 3)
        let startedAt = try row.decode(Double.self, at: 4)
        let score = try connection.execute("""
            SELECT input_hash, inputs, holdout FROM client_scores WHERE run_id = $1 AND client_id = $2
            """, [.int(runID), .text(clientID)])
        guard let scored = score.first else {
            throw StoreError(.notFound, "run \(runID) did not score client '\(clientID)' (an unknown client, one added after the run, or another shard's)")
        }
        guard let storedHash = try scored.decode(String?.self, at: 0), let storedInputs = try scored.decode(String?.self, at: 1).flatMap(DecisionInputs.init(encoded:)) else {
            throw StoreError(.invalidInput, "run \(runID) was scored before decisions were stamped with their inputs (migration 0004): it cannot be replayed")
        }
        let storedRows = try connection.execute("""
            SELECT rank, item_id, kind, channel, score, message, holdout, explanation::text
            FROM recommendations WHERE run_id = $1 AND client_id = $2 ORDER BY rank
            """, [.int(runID), .text(clientID)]).map { row in
            DecisionRow(rank: try row.decode(Int.self, at: 0), item: try row.decode(String.self, at: 1), kind: try row.decode(String.self, at: 2),
                        channel: try row.decode(String.self, at: 3), score: try row.decode(Double.self, at: 4),
                        message: try row.decode(String?.self, at: 5), holdout: try row.decode(Bool.self, at: 6),
                        explanation: try row.decode(String.self, at: 7))
        }
        let models = try JSONDecoder().decode(StoredModels.self, from: Data(modelsText.utf8)).fittedModels
        let (set, inputs, snapshot) = try recompute(clientID: clientID, asOf: asOf, catalogVersion: catalogVersion, models: models,
                                                    stageKnownAt: startedAt, options: RecommendOptions(maxOffers: top, renderText: true))
        // The stored explanations are jsonb: the recomputed ones are brought to the same text.
        var recomputedRows = DecisionRow.rows(of: set)
        let normalised = try connection.execute("SELECT x::jsonb::text FROM unnest($1::text[]) WITH ORDINALITY AS t(x, n) ORDER BY n",
                                                [.textArray(recomputedRows.map(\.explanation))])
        for index in recomputedRows.indices { recomputedRows[index].explanation = normalised[index, 0] ?? "" }
        return DecisionReplay(
            source: "nightly", runID: runID, decisionID: nil, clientID: clientID, asOf: asOf, catalogVersion: catalogVersion,
            modelVersion: runID, holdout: try scored.decode(Bool.self, at: 2), storedInputHash: storedHash, recomputedInputHash: inputs.hash,
            stored: storedRows.map(\.line), recomputed: recomputedRows.map(\.line), changedInputs: inputs.changes(since: storedInputs),
            since: Self.recordedAfter(asOf, snapshot: snapshot))
    }

    /// Replays a logged live answer.
    ///
    /// - Throws: ``StoreError`` `.notFound` (no such entry for the client: never logged, or
    ///   deleted after `audit.retention_days`); ``PostgresError``.
    package func replay(decisionID: Int64, clientID: String) throws -> DecisionReplay {
        guard FieldFormats.isValidID(clientID) else { throw StoreError.malformedClientID(clientID) }
        guard let entry = try DecisionLog(connection: connection).entries(clientID: clientID, decisionID: decisionID, limit: 1).first else {
            throw StoreError(.notFound, "no logged decision \(decisionID) for client '\(clientID)' (the catalog's audit.decision_log was off, or the entry is older than audit.retention_days): see `waymark decisions \(clientID)`")
        }
        var models = FittedModels()
        if let run = entry.modelVersion {
            let row = try connection.execute("SELECT models::text FROM scoring_runs WHERE run_id = $1", [.int(run)])
            guard let text = row.first.flatMap({ $0[0] }) else {
                throw StoreError(.runNotFound, "the models of run \(run), which decision \(decisionID) used, are no longer stored (the run was pruned)")
            }
            models = try JSONDecoder().decode(StoredModels.self, from: Data(text.utf8)).fittedModels
        }
        let (set, inputs, snapshot) = try recompute(
            clientID: clientID, asOf: entry.asOf, catalogVersion: entry.catalogVersion, models: models, stageKnownAt: entry.decidedAt,
            options: RecommendOptions(maxOffers: entry.topK, channel: entry.channel.flatMap(Channel.init(rawValue:))))
        let stored = entry.decisions.isEmpty ? [] : entry.decisions.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return DecisionReplay(
            source: "live", runID: nil, decisionID: decisionID, clientID: clientID, asOf: entry.asOf, catalogVersion: entry.catalogVersion,
            modelVersion: entry.modelVersion, holdout: entry.holdout, storedInputHash: entry.inputHash, recomputedInputHash: inputs.hash,
            stored: stored, recomputed: DecisionRow.rows(of: set).map(\.line),
            changedInputs: DecisionInputs(encoded: entry.inputs).map { inputs.changes(since: $0) } ?? ["inputs: the stored fingerprint is unreadable"],
            since: Self.recordedAfter(entry.asOf, snapshot: snapshot))
    }

    private func recompute(clientID: String, asOf: Timestamp, catalogVersion: Int64, models: FittedModels, stageKnownAt: Double,
                           options: RecommendOptions) throws -> (RecommendationSet, DecisionInputs, ClientSnapshot) {
        let catalogs = CatalogStore(connection: connection)
        guard let catalog = try catalogs.load(version: catalogVersion) else {
            throw StoreError(.noCatalog, "catalog version \(catalogVersion), which the decision used, is no longer stored")
        }
        guard let snapshot = try SnapshotLoader(connection: connection).load(clientID: clientID, asOf: asOf, stageKnownAt: stageKnownAt) else {
            throw StoreError(.notFound, "no client '\(clientID)': check the id (client ids are case-sensitive)")
        }
        let engine = Engine(catalog: catalog.catalog, models: models, products: try catalogs.products())
        return (engine.recommend(for: snapshot, asOf: asOf, options: options), DecisionInputs(snapshot: snapshot, asOf: asOf), snapshot)
    }

    /// What the client's timeline holds dated after `asOf`, newest last, at most 20 lines.
    static func recordedAfter(_ asOf: Timestamp, snapshot: ClientSnapshot) -> [String] {
        var entries: [(Timestamp, String)] = []
        for p in snapshot.purchases where p.at > asOf {
            entries.append((p.at, "purchase of \(p.productID) (\(p.category)) on \(p.at.isoDate), \(String(format: "%.2f", p.amount))"))
        }
        for e in snapshot.lifeEvents where e.at > asOf { entries.append((e.at, "life event \(e.kind) on \(e.at.isoDate)")) }
        for i in snapshot.interactions where i.at > asOf { entries.append((i.at, "interaction \(i.kind) on \(i.channel.rawValue) on \(i.at.isoDate)")) }
        for r in snapshot.responses {
            if r.presentedAt > asOf {
                entries.append((r.presentedAt, "\(r.itemID) presented on \(r.channel.rawValue) on \(r.presentedAt.isoDate) (\(r.outcome.rawValue))"))
            } else if let responded = r.respondedAt, responded > asOf {
                entries.append((responded, "\(r.itemID) \(r.outcome.rawValue) on \(responded.isoDate)"))
            }
        }
        for l in snapshot.loyaltyLedger where l.at > asOf { entries.append((l.at, "loyalty \(l.points) points on \(l.at.isoDate) (\(l.reason))")) }
        entries.sort { $0.0 < $1.0 }
        var lines = entries.prefix(20).map(\.1)
        if entries.count > 20 { lines.append("… and \(entries.count - 20) more") }
        return lines
    }
}
