import Foundation
package import Postgres
package import WaymarkCore

/// `waymark what-if`: scores every client with a draft catalog against the data of the last
/// published night (its as_of and its fitted models), writes nothing, and compares with what
/// the night published.
package struct WhatIfRun {
    package var configuration: ConnectionConfiguration

    package init(configuration: ConnectionConfiguration) {
        self.configuration = configuration
    }

    /// The published night and the draft's decisions, compared.
    package struct Result: Sendable, Hashable {
        package var runIDs: [Int64]
        package var asOf: Timestamp
        package var comparison: WhatIfComparison
        /// The draft's per-item counts, also of what its holdout withholds (as a real run stores them).
        package var draftWithheld: Int
    }

    /// - Throws: ``StoreError`` `.noPublishedRun` before the first run, `.databaseUnavailable`; ``PostgresError``.
    package func run(draft: Catalog) throws -> Result {
        let connection: Connection
        do {
            connection = try Connection(configuration: configuration)
        } catch {
            throw StoreError(.databaseUnavailable, "cannot connect to the database: \(error)", underlying: error)
        }
        let current = try connection.execute("""
            SELECT c.run_id, extract(epoch FROM c.as_of)::bigint, r.models::text FROM current_runs c JOIN scoring_runs r USING (run_id)
            ORDER BY c.shard_index
            """)
        guard let first = current.first, let modelsText = try first.decode(String?.self, at: 2) else {
            throw StoreError(.noPublishedRun, "no scoring run is published yet: what-if compares a draft with the last published run (`waymark score`)")
        }
        let runIDs = try current.map { try $0.decode(Int64.self, at: 0) }
        let asOf = Timestamp(seconds: try first.decode(Int64.self, at: 1))
        let models = try JSONDecoder().decode(StoredModels.self, from: Data(modelsText.utf8)).fittedModels
        // Before: what the night sent, with each offer's propensity × value from its explanation.
        var before: [String: WhatIfComparison.Decision] = [:]
        let rows = try connection.execute("""
            SELECT client_id, kind, item_id, channel,
                   coalesce((explanation->'factors'->>'propensity')::float8 * (explanation->'factors'->>'value')::float8, 0)
            FROM recommendations WHERE run_id = ANY($1::int8[]) AND NOT holdout ORDER BY client_id, rank
            """, [.intArray(runIDs.map(Optional.some))])
        for row in rows {
            let client = try row.decode(String.self, at: 0)
            let pick = WhatIfComparison.Pick(item: try row.decode(String.self, at: 2), channel: try row.decode(String.self, at: 3),
                                             expectedValue: try row.decode(Double.self, at: 4))
            var decision = before[client] ?? WhatIfComparison.Decision(clientID: client)
            if try row.decode(String.self, at: 1) == "offer" { decision.offers.append(pick) } else { decision.messages.append(pick) }
            before[client] = decision
        }
        // After: the draft, on the same clients' data as of the night.
        let engine = Engine(catalog: draft, models: models, products: try CatalogStore(connection: connection).products())
        let top = try connection.execute("SELECT (parameters->>'top')::int FROM scoring_runs WHERE run_id = $1", [.int(runIDs[0])])
            .first.flatMap { try? $0.decode(Int?.self, at: 0) }
        var after: [WhatIfComparison.Decision] = []
        var withheld = 0
        var stream = SnapshotStream(configuration: configuration, shard: .all, asOf: asOf)
        stream.defaultCollationIsByteOrder = SnapshotTable.defaultCollationIsByteOrder(connection)
        let options = RecommendOptions(maxOffers: top, renderText: false)
        _ = try stream.forEach { snapshot in
            let set = engine.recommend(for: snapshot, asOf: asOf, options: options)
            withheld += set.withheld.count
            if !set.all.isEmpty { after.append(WhatIfComparison.Decision(set)) }
        }
        return Result(runIDs: runIDs, asOf: asOf, comparison: WhatIfComparison(before: Array(before.values), after: after),
                      draftWithheld: withheld)
    }
}
