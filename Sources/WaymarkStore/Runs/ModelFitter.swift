import Foundation
package import Logging
package import Postgres
package import WaymarkCore

/// Fits the run's models on every client, from aggregates computed in SQL.
///
/// Whatever the shard, the models are fitted on the whole population, so every shard of a night
/// scores with the same models:
/// - lifetime (BG/NBD or MBG/NBD): per client (repeat purchases, whole weeks first → last
///   purchase, whole weeks first purchase → as_of), grouped in SQL;
/// - Gamma-Gamma: repeat buyers' (repeat purchases, average spend in whole units), grouped in SQL;
/// - RFM quintiles: `percentile_disc` over buyers;
/// - affinity: category transitions from `lag()` over each client's purchases in time order;
/// - acceptance: responses by item and the client's recorded stage when presented.
/// Only data at or before `as_of` is used.
package struct ModelFitter {
    package let connection: Connection
    package var kind: LifetimeModelKind
    package var logger: Logger
    /// The time unit of the lifetime models, in days.
    package var timeUnitDays: Double = 7

    package init(connection: Connection, kind: LifetimeModelKind = .bgnbd,
                 logger: Logger = Logger(label: "waymark.fit", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.connection = connection
        self.kind = kind
        self.logger = logger
    }

    /// Fits every model at `asOf`.
    ///
    /// A model that cannot be fitted (no buyers, no repeat buyers) is left out: the engine then
    /// uses its documented heuristic. That is logged, not thrown.
    /// - Throws: ``PostgresError`` when a query fails.
    package func fit(asOf: Timestamp) throws -> StoredModels {
        let asOfValue = PostgresValue.int(asOf.seconds)
        // Per-client summaries, grouped.
        var spend: [(SpendSummary, Int)] = []
        // Recency and age in whole time units and average spend in whole currency units, so the
        // number of groups (and memory) is bounded by the history's length, not the clients.
        let summaries = try connection.execute("""
            WITH per_client AS (
                SELECT count(*) - 1 AS x,
                       floor(extract(epoch FROM max(purchased_at) - min(purchased_at)) / 86400 / $2)::int AS recency,
                       floor(extract(epoch FROM to_timestamp($1) - min(purchased_at)) / 86400 / $2)::int AS age,
                       round(avg(amount))::float8 AS average
                FROM purchases WHERE purchased_at <= to_timestamp($1)
                GROUP BY client_id
            )
            SELECT x, recency, age, average, count(*) FROM per_client GROUP BY x, recency, age, average
            """, [asOfValue, .double(timeUnitDays)])
        var frequencyGroups: [CustomerSummary: Int] = [:]
        for row in summaries {
            let x = try row.decode(Int.self, at: 0)
            let recency = Double(try row.decode(Int.self, at: 1))
            let age = max(recency, Double(try row.decode(Int.self, at: 2)))
            let count = try row.decode(Int.self, at: 4)
            frequencyGroups[CustomerSummary(frequency: x, recency: x == 0 ? 0 : recency, age: age), default: 0] += count
            if x > 0 { spend.append((SpendSummary(frequency: x, averageSpend: try row.decode(Double.self, at: 3)), count)) }
        }

        var lifetime: StoredModels.Lifetime?
        if !frequencyGroups.isEmpty {
            do {
                let data = try RFTSummary(frequencyGroups.lazy.flatMap { repeatElement($0.key, count: $0.value) })
                let fit = try LifetimeModel.fit(data, kind: kind, options: LifetimeFitOptions(penalty: 0.001, computeStandardErrors: false))
                lifetime = StoredModels.Lifetime(kind: kind, parameters: fit.model.parameters, logLikelihood: fit.logLikelihood,
                                                 clients: fit.clientCount, converged: fit.converged)
            } catch {
                logger.warning("the lifetime model could not be fitted; using the heuristic", metadata: ["error": "\(error)"])
            }
        }
        var spendModel: StoredModels.Spend?
        if spend.contains(where: { $0.0.averageSpend > 0 }) {
            let expanded = spend.filter { $0.0.averageSpend > 0 }.lazy.flatMap { repeatElement($0.0, count: $0.1) }
            do {
                let fit = try GammaGammaModel.fit(expanded, options: LifetimeFitOptions(penalty: 0.001, computeStandardErrors: false))
                spendModel = StoredModels.Spend(parameters: fit.model.parameters, logLikelihood: fit.logLikelihood, clients: fit.clientCount)
            } catch {
                logger.warning("the spend model could not be fitted; using clients' own averages", metadata: ["error": "\(error)"])
            }
        }

        // RFM quintiles over buyers.
        var rfm = StoredModels.RFM(recencyDays: [30, 90, 180, 365], frequency: [1, 2, 4, 8], monetary: [50, 200, 500, 2000])
        let quantiles = try connection.execute("""
            WITH per_client AS (
                SELECT floor(extract(epoch FROM to_timestamp($1) - max(purchased_at)) / 86400)::float8 AS recency,
                       count(*)::float8 AS frequency, sum(amount)::float8 AS monetary
                FROM purchases WHERE purchased_at <= to_timestamp($1) GROUP BY client_id
            )
            SELECT percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY recency)::text,
                   percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY frequency)::text,
                   percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY monetary)::text,
                   count(*)
            FROM per_client
            """, [asOfValue])
        if try quantiles.decode(Int.self, row: 0, column: 3) > 0 {
            func array(_ column: Int) -> [Double] {
                (quantiles[0, column] ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "{}"))
                    .split(separator: ",").compactMap { Double($0) }
            }
            rfm = StoredModels.RFM(recencyDays: array(0), frequency: array(1), monetary: array(2))
        }

        // Category transitions.
        var transitions: [String: [String: Double]] = [:]
        let steps = try connection.execute("""
            WITH ordered AS (
                SELECT pr.category,
                       lag(pr.category) OVER (PARTITION BY p.client_id ORDER BY p.purchased_at, p.product_id) AS previous
                FROM purchases p JOIN products pr ON pr.product_id = p.product_id
                WHERE p.purchased_at <= to_timestamp($1)
            )
            SELECT previous, category, count(*)::float8 FROM ordered
            WHERE previous IS NOT NULL AND previous <> category GROUP BY previous, category
            """, [asOfValue])
        for row in steps {
            transitions[try row.decode(String.self, at: 0), default: [:]][try row.decode(String.self, at: 1)] = try row.decode(Double.self, at: 2)
        }
        let defaults = AffinityModel()

        // Acceptance counts per item and the stage recorded when it was presented.
        var acceptance: [StoredModels.Acceptance] = []
        let outcomes = try connection.execute("""
            SELECT r.item_id,
                   coalesce((SELECT h.stage FROM stage_history h
                             WHERE h.client_id = r.client_id AND h.changed_at <= r.presented_at
                             ORDER BY h.changed_at DESC LIMIT 1), 'prospect') AS stage,
                   count(*) FILTER (WHERE r.outcome = 'accepted' AND coalesce(r.responded_at, r.presented_at) <= to_timestamp($1))::float8,
                   count(*) FILTER (WHERE (r.outcome = 'declined' AND coalesce(r.responded_at, r.presented_at) <= to_timestamp($1))
                                       OR (r.outcome IN ('presented', 'opened') AND r.presented_at < to_timestamp($1) - interval '30 days'))::float8
            FROM responses r WHERE r.presented_at <= to_timestamp($1)
            GROUP BY 1, 2 ORDER BY 1, 2
            """, [asOfValue])
        for row in outcomes {
            let successes = try row.decode(Double.self, at: 2), failures = try row.decode(Double.self, at: 3)
            guard successes + failures > 0 else { continue }
            acceptance.append(StoredModels.Acceptance(item: try row.decode(String.self, at: 0), stage: try row.decode(String.self, at: 1),
                                                      successes: successes, failures: failures))
        }
        return StoredModels(
            timeUnitDays: timeUnitDays, lifetime: lifetime, spend: spendModel, rfm: rfm,
            affinity: StoredModels.Affinity(transitions: transitions, smoothing: defaults.smoothing, minLift: defaults.minLift, maxLift: defaults.maxLift),
            acceptance: acceptance)
    }
}
