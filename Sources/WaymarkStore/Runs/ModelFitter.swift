import Foundation
import Synchronization
package import Logging
package import Postgres
package import WaymarkCore
package import WaymarkLifetime

/// Fits the run's models on every client, from aggregates computed in SQL.
///
/// Whatever the shard, the models are fitted on the whole population, so every shard of a night
/// scores with the same models:
/// - lifetime (BG/NBD or MBG/NBD): per client (repeat purchase occasions, exact time first →
///   last occasion, exact time first occasion → as_of, in the time unit), grouped in SQL;
/// - Gamma-Gamma: repeat buyers' (repeat occasions, average spend of the occasions after the
///   first), grouped in SQL;
/// - RFM quintiles: `percentile_disc` over buyers (frequency: occasions);
/// - affinity: category transitions from `lag()` over each client's purchases in time order, and
///   in the same pass each purchase after the first by the set of categories owned before it (a
///   running `bit_or` of category bits), grouped to (owned set, category) counts in SQL: a few
///   hundred rows, however many purchases;
/// - acceptance: responses by item and the client's recorded stage when presented, each with its
///   outcome as known at `as_of`.
/// Only data at or before `as_of` is used; the queries run with a larger `work_mem`
/// (``workMem``) so their sorts and hashes stay in memory.
package struct ModelFitter {
    package let connection: Connection
    package var kind: LifetimeModelKind
    package var logger: Logger
    /// The time unit of the lifetime models, in days.
    package var timeUnitDays: Double = 7
    /// The L2 penalty of the lifetime and spend fits (`settings.lifetime.penalty`); 0: plain
    /// maximum likelihood, as `waymark clv fit` without `--penalty`.
    package var penalty: Double = 0
    /// `work_mem` for the fitting queries (restored afterwards): their sorts and hashes over
    /// every purchase and response then stay in memory instead of spilling to disk.
    package var workMem = "128MB"
    /// When set, the category transitions and acceptance counts are queried on a connection of
    /// their own, at the same time as the purchase summaries (the server has more than one core).
    package var helperConfiguration: ConnectionConfiguration?

    package init(connection: Connection, kind: LifetimeModelKind = .mbgnbd,
                 logger: Logger = Logger(label: "waymark.fit", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.connection = connection
        self.kind = kind
        self.logger = logger
    }

    /// A fitter with the catalog's `settings.lifetime` (time unit, penalty) and `kind`.
    package init(connection: Connection, kind: LifetimeModelKind, settings: LifetimeSettings,
                 logger: Logger = Logger(label: "waymark.fit", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.init(connection: connection, kind: kind, logger: logger)
        timeUnitDays = settings.timeUnitDays
        penalty = settings.penalty
    }

    /// Fits every model at `asOf`.
    ///
    /// A model that cannot be fitted (no buyers, no repeat buyers) is left out: the engine then
    /// uses its documented heuristic. That is logged, not thrown.
    /// - Throws: ``PostgresError`` when a query fails.
    package func fit(asOf: Timestamp) throws -> StoredModels {
        let asOfValue = PostgresValue.int(asOf.seconds)
        let previousWorkMem = try connection.execute("SELECT current_setting('work_mem')").scalar(String.self)
        try connection.execute("SELECT set_config('work_mem', $1, false)", [.text(workMem)])
        defer { _ = try? connection.execute("SELECT set_config('work_mem', $1, false)", [.text(previousWorkMem)]) }
        // The sequence models on a second connection, while this one summarises purchases and
        // the lifetime models are fitted.
        let helper = helperConfiguration.map { configuration in
            BackgroundResult(name: "waymark-fit-sequences") { [workMem] in
                let connection = try Connection(configuration: configuration)
                try connection.execute("SELECT set_config('work_mem', $1, false)", [.text(workMem)])
                return try Self.sequences(connection: connection, asOf: asOf)
            }
        }
        // Per-client summaries over purchase occasions, grouped: (repeat occasions, recency, age)
        // for the lifetime model (kind 0), (repeat occasions, average spend of the repeat
        // occasions) for the spend model (kind 2), and the RFM quintiles over buyers (kind 1, one
        // row). An occasion is an order (`order_id`), or the lines of a client at one time without
        // an order id; its time is its first line's, its amount the sum of its lines. Recency and
        // age are exact, in the time unit (float8, no rounding), and the spend averages the
        // occasions after the first, as `lifetimes`' `summary_data_from_transaction_data` does, so
        // the fit equals `waymark clv fit` on the same summary. Identical summaries are grouped.
        var spend: [(SpendSummary, Int)] = []
        let summaries = try connection.execute("""
            WITH occasions AS (
                SELECT client_id, min(purchased_at) AS at, sum(amount) AS amount, order_id
                FROM purchases WHERE purchased_at <= to_timestamp($1)
                GROUP BY client_id, order_id, CASE WHEN order_id IS NULL THEN purchased_at END
            ), numbered AS (
                SELECT client_id, at, amount,
                       row_number() OVER (PARTITION BY client_id ORDER BY at, amount, order_id) AS n
                FROM occasions
            ), per_client AS MATERIALIZED (
                SELECT count(*) - 1 AS x,
                       extract(epoch FROM max(at) - min(at))::float8 / 86400 / $2 AS recency,
                       extract(epoch FROM to_timestamp($1) - min(at))::float8 / 86400 / $2 AS age,
                       coalesce(avg(amount) FILTER (WHERE n > 1), 0)::float8 AS average,
                       floor(extract(epoch FROM to_timestamp($1) - max(at)) / 86400)::float8 AS recency_days,
                       sum(amount)::float8 AS monetary
                FROM numbered
                GROUP BY client_id
            )
            SELECT CASE WHEN GROUPING(recency) = 0 THEN 0 ELSE 2 END, x, recency, age, average, count(*), NULL, NULL, NULL
            FROM per_client GROUP BY GROUPING SETS ((x, recency, age), (x, average))
            UNION ALL
            SELECT 1, NULL, NULL, NULL, NULL, count(*),
                   percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY recency_days)::text,
                   percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY (x + 1)::float8)::text,
                   percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY monetary)::text
            FROM per_client
            """, [asOfValue, .double(timeUnitDays)])
        var frequencyGroups: [CustomerSummary: Int] = [:]
        var rfm = StoredModels.RFM(recencyDays: [30, 90, 180, 365], frequency: [1, 2, 4, 8], monetary: [50, 200, 500, 2000])
        for index in 0..<summaries.rowCount {
            let count = try summaries.decode(Int.self, row: index, column: 5)
            switch try summaries.decode(Int.self, row: index, column: 0) {
            case 0:
                let x = try summaries.decode(Int.self, row: index, column: 1)
                let recency = try summaries.decode(Double.self, row: index, column: 2)
                let age = max(recency, try summaries.decode(Double.self, row: index, column: 3))
                frequencyGroups[CustomerSummary(frequency: x, recency: x == 0 ? 0 : recency, age: age), default: 0] += count
            case 2:
                let x = try summaries.decode(Int.self, row: index, column: 1)
                if x > 0 { spend.append((SpendSummary(frequency: x, averageSpend: try summaries.decode(Double.self, row: index, column: 4)), count)) }
            default:
                // RFM quintiles over buyers.
                guard count > 0 else { continue }
                func array(_ column: Int) -> [Double] {
                    (summaries[index, column] ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "{}"))
                        .split(separator: ",").compactMap { Double($0) }
                }
                rfm = StoredModels.RFM(recencyDays: array(6), frequency: array(7), monetary: array(8))
            }
        }

        var lifetime: StoredModels.Lifetime?
        if !frequencyGroups.isEmpty {
            do {
                let data = try RFTSummary(frequencyGroups.lazy.flatMap { repeatElement($0.key, count: $0.value) })
                let fit = try LifetimeModel.fit(data, kind: kind, options: LifetimeFitOptions(penalty: penalty, computeStandardErrors: false))
                lifetime = StoredModels.Lifetime(kind: kind, parameters: fit.model.parameters, logLikelihood: fit.logLikelihood,
                                                 clients: fit.clientCount, converged: fit.converged)
            } catch {
                logger.warning("the lifetime model could not be fitted; using the heuristic", metadata: ["error": "\(error)"])
            }
        }
        var spendModel: StoredModels.Spend?
        // In a fixed order, whatever order the plan returns the groups in: the fit's last bits
        // depend on the order of its sums.
        spend.sort { ($0.0.frequency, $0.0.averageSpend, $0.1) < ($1.0.frequency, $1.0.averageSpend, $1.1) }
        if spend.contains(where: { $0.0.averageSpend > 0 }) {
            let expanded = spend.filter { $0.0.averageSpend > 0 }.lazy.flatMap { repeatElement($0.0, count: $0.1) }
            do {
                let fit = try GammaGammaModel.fit(expanded, options: LifetimeFitOptions(penalty: penalty, computeStandardErrors: false))
                spendModel = StoredModels.Spend(parameters: fit.model.parameters, logLikelihood: fit.logLikelihood, clients: fit.clientCount)
            } catch {
                logger.warning("the spend model could not be fitted; using clients' own averages", metadata: ["error": "\(error)"])
            }
        }

        let (transitions, ownedSets, acceptance) = try helper.map { try $0.value() } ?? Self.sequences(connection: connection, asOf: asOf)
        if ownedSets == nil {
            logger.notice("more than 64 product categories: the affinity uses the newest category only, not the owned set (the learned propensity weighs it with the rest)")
        }
        let defaults = AffinityModel()
        return StoredModels(
            timeUnitDays: timeUnitDays, lifetime: lifetime, spend: spendModel, rfm: rfm,
            affinity: StoredModels.Affinity(transitions: transitions, smoothing: defaults.smoothing, minLift: defaults.minLift, maxLift: defaults.maxLift,
                                            ownedSets: ownedSets, ownedSmoothing: defaults.ownedSmoothing),
            acceptance: acceptance, usualGapDays: Self.usualGapDays(frequencyGroups, timeUnitDays: timeUnitDays))
    }

    /// The median over repeat buyers of their mean days between occasions (recency / repeat
    /// occasions, in days), from the lifetime model's summary groups; nil without a repeat buyer.
    /// With an even number of clients, the mean of the two middle ones.
    static func usualGapDays(_ groups: [CustomerSummary: Int], timeUnitDays: Double) -> Double? {
        let gaps = groups.compactMap { summary, count in
            summary.frequency > 0 ? (days: summary.recency * timeUnitDays / Double(summary.frequency), count: count) : nil
        }.sorted { $0.days < $1.days }
        let total = gaps.reduce(0) { $0 + $1.count }
        guard total > 0 else { return nil }
        func gap(rank: Int) -> Double {
            var seen = 0
            for group in gaps {
                seen += group.count
                if rank < seen { return group.days }
            }
            return gaps[gaps.count - 1].days
        }
        return total % 2 == 1 ? gap(rank: total / 2) : (gap(rank: total / 2 - 1) + gap(rank: total / 2)) / 2
    }

    /// Fits the sequence models: category transitions, purchases by owned set (nil with more
    /// than 64 product categories, which a 64-bit set cannot hold) and acceptance counts.
    private static func sequences(connection: Connection, asOf: Timestamp) throws
        -> (transitions: [String: [String: Double]], ownedSets: [StoredModels.OwnedSet]?, acceptance: [StoredModels.Acceptance]) {
        let asOfValue = PostgresValue.int(asOf.seconds)
        // Category transitions (kind 0: previous category → category, when they differ) and
        // purchases by owned set (kind 1: the bits of the categories of the client's earlier
        // purchases → category, repeats included), in one pass over purchases in time order;
        // kind 2 lists the category of each bit (the products' categories, numbered in the
        // statement, so the numbering and the sets agree). Without bits (more than 64
        // categories), `owned` is NULL and no set is counted.
        var transitions: [String: [String: Double]] = [:]
        var countsByMask: [UInt64: [String: Double]] = [:]
        var categoryOfBit: [Int: String] = [:]
        let steps = try connection.execute("""
            WITH numbered AS (
                SELECT category, (row_number() OVER (ORDER BY category) - 1)::int AS bit, count(*) OVER () AS kinds
                FROM (SELECT DISTINCT category FROM products) c
            ), bits AS MATERIALIZED (
                SELECT category, bit FROM numbered WHERE kinds <= 64
            ), ordered AS (
                SELECT pr.category,
                       lag(pr.category) OVER w AS previous,
                       bit_or(1::bigint << b.bit) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS owned
                FROM purchases p JOIN products pr ON pr.product_id = p.product_id
                LEFT JOIN bits b ON b.category = pr.category
                WHERE p.purchased_at <= to_timestamp($1)
                WINDOW w AS (PARTITION BY p.client_id ORDER BY p.purchased_at, p.product_id)
            )
            SELECT GROUPING(previous), previous, owned, category,
                   CASE WHEN GROUPING(previous) = 0 THEN count(*) FILTER (WHERE previous <> category)
                        ELSE count(*) FILTER (WHERE owned IS NOT NULL) END::float8
            FROM ordered GROUP BY GROUPING SETS ((previous, category), (owned, category))
            UNION ALL
            SELECT 2, NULL, bit, category, NULL FROM bits
            """, [asOfValue])
        for row in steps {
            switch try row.decode(Int.self, at: 0) {
            case 0:
                guard let previous = try row.decode(String?.self, at: 1) else { continue }
                let count = try row.decode(Double.self, at: 4)
                if count > 0 { transitions[previous, default: [:]][try row.decode(String.self, at: 3)] = count }
            case 1:
                guard let owned = try row.decode(Int?.self, at: 2) else { continue }
                let count = try row.decode(Double.self, at: 4)
                if count > 0 { countsByMask[UInt64(bitPattern: Int64(owned)), default: [:]][try row.decode(String.self, at: 3)] = count }
            default:
                categoryOfBit[try row.decode(Int.self, at: 2)] = try row.decode(String.self, at: 3)
            }
        }
        // No numbering with purchases counted: more than 64 categories, no owned sets (nil).
        var ownedSets: [StoredModels.OwnedSet]?
        if !categoryOfBit.isEmpty || transitions.isEmpty {
            var sets: [StoredModels.OwnedSet] = []
            for (mask, next) in countsByMask {
                var owned: [String] = []
                for bit in 0..<64 where mask & (1 << UInt64(bit)) != 0 {
                    guard let category = categoryOfBit[bit] else {
                        throw PostgresError(kind: .decoding, message: "fitting the affinity model: owned-set bit \(bit) has no category",
                                            hint: "the category numbering and the sets come from one statement; report this as a bug")
                    }
                    owned.append(category)
                }
                sets.append(StoredModels.OwnedSet(owned: AffinityModel.ownedKey(owned), next: next))
            }
            ownedSets = sets.sorted { $0.owned.lexicographicallyPrecedes($1.owned) }
        }

        // Acceptance counts per item and the stage recorded when it was presented, from each
        // response's outcome as known at as_of: a reaction recorded after as_of is still
        // `presented` (as `Response.outcome(asOf:)` reads it), so nothing later leaks in. The
        // stage comes from a join on stage_history's intervals [changed_at, next changed_at)
        // rather than a lookup per response.
        var acceptance: [StoredModels.Acceptance] = []
        let outcomes = try connection.execute("""
            WITH intervals AS (
                SELECT client_id, stage, changed_at AS since,
                       lead(changed_at) OVER (PARTITION BY client_id ORDER BY changed_at, stage) AS until
                FROM stage_history WHERE changed_at <= to_timestamp($1)
            ), known AS (
                SELECT client_id, item_id, presented_at,
                       CASE WHEN responded_at > to_timestamp($1) THEN 'presented' ELSE outcome END AS outcome
                FROM responses WHERE presented_at <= to_timestamp($1)
            ), staged AS (
                SELECT k.item_id, coalesce(i.stage, 'prospect') AS stage, k.outcome, k.presented_at
                FROM known k LEFT JOIN intervals i
                  ON i.client_id = k.client_id AND k.presented_at >= i.since AND (i.until IS NULL OR k.presented_at < i.until)
            )
            SELECT item_id, stage,
                   count(*) FILTER (WHERE outcome = 'accepted')::float8,
                   count(*) FILTER (WHERE outcome = 'declined'
                                       OR (outcome IN ('presented', 'opened') AND presented_at < to_timestamp($1) - interval '30 days'))::float8
            FROM staged GROUP BY 1, 2 ORDER BY 1, 2
            """, [asOfValue])
        for row in outcomes {
            let successes = try row.decode(Double.self, at: 2), failures = try row.decode(Double.self, at: 3)
            guard successes + failures > 0 else { continue }
            acceptance.append(StoredModels.Acceptance(item: try row.decode(String.self, at: 0), stage: try row.decode(String.self, at: 1),
                                                      successes: successes, failures: failures))
        }
        return (transitions, ownedSets, acceptance)
    }
}

/// A value computed on a thread of its own; ``value()`` waits for it.
final class BackgroundResult<Value: Sendable>: Sendable {
    /// Where the thread leaves its outcome.
    private final class Slot: Sendable {
        let result = Mutex<Result<Value, any Error>?>(nil)
    }

    private let slot = Slot()
    private let thread: WorkerThread

    init(name: String, _ body: @escaping @Sendable () throws -> Value) {
        let slot = self.slot
        thread = WorkerThread(name: name) {
            let outcome = Result { try body() }
            slot.result.withLock { $0 = outcome }
        }
    }

    /// Waits for the thread also when the value is never asked for.
    deinit { thread.join() }

    /// Waits for the thread and returns its value or rethrows its error.
    func value() throws -> Value {
        thread.join()
        return try slot.result.withLock { $0 }!.get()
    }
}
