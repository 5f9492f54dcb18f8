import Dispatch
import Foundation
package import Logging
package import Postgres
package import WaymarkCore
package import WaymarkLifetime

/// `waymark evaluate`: replays the engine at a cutoff and compares with what clients did next.
///
/// No query per client:
/// 1. the nightly run's `ModelFitter` fits every model on the history up to the cutoff (each of
///    its aggregate queries is bounded by the as_of), and one aggregate counts the popularity
///    baseline (the stage-popularity baseline is counted from the stream, by the stage the engine
///    assesses at the cutoff, and scored after it);
/// 2. one streaming pass (`SnapshotStream` with `SnapshotTimeBounds`, bounded in SQL: history up to the cutoff, plus
///    the horizon's purchases): the engine recommends from each snapshot cut at the cutoff,
///    exactly as the nightly run would score that day, on every core; the horizon's purchases are
///    the truth it is compared with.
///
/// ```swift
/// let result = try Backtest(configuration: configuration).run(.init(cutoff: cutoff, horizonDays: 90))
/// print(result.report.table())
/// ```
package struct Backtest: Sendable {
    /// What to evaluate.
    package struct Options: Sendable {
        /// Everything at or before this moment is history.
        package var cutoff: Timestamp
        /// The horizon: purchases in (cutoff, cutoff + days] are the truth.
        package var horizonDays: Int
        /// Offers per client (and the k of every metric); nil: the catalog's `top_offers`.
        package var topK: Int?
        /// The random baseline's seed.
        package var seed: UInt64
        /// The catalog to evaluate; nil: the current catalog of the database.
        package var catalog: Catalog?
        /// Parallel engine workers (default: the active processor count).
        package var workers: Int
        /// The lifetime model to fit, as `waymark score --model`; nil: the catalog's
        /// `settings.lifetime.model` (default MBG/NBD).
        package var model: LifetimeModelKind?

        package init(cutoff: Timestamp, horizonDays: Int, topK: Int? = nil, seed: UInt64 = 42, catalog: Catalog? = nil,
                     workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
            self.cutoff = cutoff
            self.horizonDays = horizonDays
            self.topK = topK
            self.seed = seed
            self.catalog = catalog
            self.workers = max(1, workers)
        }
    }

    /// The report, and the fitted models (for inspection and tests).
    package struct Result: Sendable {
        package var report: EvaluationReport
        package var models: StoredModels
    }

    package let configuration: ConnectionConfiguration
    package let logger: Logger

    package init(configuration: ConnectionConfiguration, logger: Logger = Logger(label: "waymark.evaluate", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs the backtest.
    ///
    /// - Parameters:
    ///   - options: the cutoff, horizon, k, seed and catalog.
    ///   - onClient: called with every evaluated client in `client_id` order (tests use it to compare
    ///     recommendations between runs); nil keeps memory flat.
    ///   - onTotal: called once the models are fitted, with the number of clients to evaluate
    ///     (for a progress line's ETA).
    /// - Throws: ``StoreError`` `.invalidInput` for a horizon below 1 day or k below 1, `.notFound`
    ///   when no catalog is given and none is loaded (load one with `waymark catalog load FILE`);
    ///   ``PostgresError`` when the database fails.
    package func run(_ options: Options, onClient: ((EvaluatedClient) -> Void)? = nil, onTotal: ((Int) -> Void)? = nil) throws -> Result {
        guard options.horizonDays >= 1 else {
            throw StoreError(.invalidInput, "the horizon must be at least 1 day, got \(options.horizonDays)")
        }
        let connection = try Connection(configuration: configuration, logger: logger)
        let store = CatalogStore(connection: connection)
        let products = try store.products()
        let catalog: Catalog
        if let given = options.catalog {
            catalog = given
        } else if let loaded = try store.loadCurrent() {
            catalog = loaded.catalog
        } else {
            throw StoreError(.notFound, "no catalog to evaluate: load one with `waymark catalog load FILE` or pass --catalog FILE")
        }
        let k = options.topK ?? catalog.settings.arbitration.topOffers
        guard k >= 1 else { throw StoreError(.invalidInput, "--top must be at least 1, got \(k)") }
        let cutoff = options.cutoff
        let end = cutoff.adding(days: options.horizonDays)

        // Fit on the history, as the nightly run fits (ModelFitter bounds every query by the as_of).
        // Where the purchases stop, when inside the horizon: the truth is then the part of the
        // horizon they cover, and the propensity is learned for that span (`propensityHorizon`).
        let dataEnd = try Self.dataEnd(connection: connection, cutoff: cutoff, horizonDays: options.horizonDays)
        let kind = options.model ?? LifetimeModelKind(rawValue: catalog.settings.lifetime.model) ?? .mbgnbd
        var stored = try ModelFitter(connection: connection, kind: kind, settings: catalog.settings.lifetime, logger: logger).fit(asOf: cutoff)
        let propensityHorizon = dataEnd.map { Self.propensityHorizon(covered: $0.covered, usualGapDays: stored.usualGapDays, horizonDays: options.horizonDays) }
            ?? options.horizonDays
        stored.propensity = try PropensityFitter(configuration: configuration, connection: connection, kind: kind, logger: logger)
            .fit(asOf: cutoff, catalog: catalog, products: products, horizonDays: propensityHorizon)
        let models = stored.fittedModels
        let popular = try Self.popularCategories(connection: connection, until: cutoff)
        logger.info("fitted the models on the history up to the cutoff", metadata: [
            "cutoff": "\(cutoff.isoDate)", "lifetime": "\(stored.lifetime.map { $0.kind.rawValue } ?? "heuristic")",
        ])

        // Pass 2: recommend at the cutoff, compare with the horizon.
        let engine = Engine(catalog: catalog, models: models, products: products)
        let categories = products.categories.isEmpty ? Set(popular) : products.categories
        let baselines = Baselines(popularCategories: popular, categories: Array(categories), seed: options.seed)
        var accumulator = EvaluationAccumulator(k: k, baselines: baselines)
        let categoryOf = Self.categories(of: catalog, products: products)
        let recommendOptions = RecommendOptions(maxOffers: k, maxMessages: 0, renderText: false)
        let evaluate: @Sendable (ClientSnapshot) -> EvaluatedClient = { snapshot in
            Self.evaluate(snapshot, engine: engine, categoryOf: categoryOf, cutoff: cutoff, end: end, horizonDays: options.horizonDays, options: recommendOptions)
        }
        var batch: [ClientSnapshot] = []
        let batchSize = 512 * options.workers
        func flush() {
            guard !batch.isEmpty else { return }
            let results = Self.map(batch, workers: options.workers, evaluate)
            for client in results {
                accumulator.add(client)
                onClient?(client)
            }
            batch.removeAll(keepingCapacity: true)
        }
        if let onTotal { onTotal(try connection.execute("SELECT count(*) FROM clients").scalar(Int.self)) }
        var stream = SnapshotStream(configuration: configuration, shard: .all, asOf: cutoff)
        stream.timeBounds = SnapshotTimeBounds(cutoff: cutoff, purchasesUntil: end)
        try stream.forEach { snapshot in
            batch.append(snapshot)
            if batch.count >= batchSize { flush() }
        }
        flush()

        var setup = EvaluationReport.Setup(
            cutoff: cutoff.isoDate, horizonDays: options.horizonDays, horizonEnd: end.isoDate,
            catalogVersion: catalog.version, randomSeed: options.seed, categories: baselines.categories)
        setup.horizonCoveredDays = dataEnd?.covered ?? options.horizonDays
        setup.dataEnd = dataEnd?.newest.isoDate
        setup.propensityHorizonDays = stored.propensity.map { _ in propensityHorizon }
        let report = accumulator.finish(setup: setup, offerCount: catalog.offers.count, offers: categoryOf, models: Self.summary(stored))
        if let note = report.horizonNote { logger.warning("\(note)") }
        if let note = report.noOfferNote { logger.warning("\(note)") }
        return Result(report: report, models: stored)
    }

    /// The newest purchase and the horizon's whole days up to it (a started day counts) when the
    /// purchases stop inside the horizon, nil when some purchase comes after it (the quiet end of
    /// the horizon is then a lull, not the end of the data) or there is no purchase at all.
    static func dataEnd(connection: Connection, cutoff: Timestamp, horizonDays: Int) throws -> (newest: Timestamp, covered: Int)? {
        guard let newest = try connection.execute("SELECT extract(epoch FROM max(purchased_at))::float8 FROM purchases").scalar(Double?.self),
              newest <= Double(cutoff.adding(days: horizonDays).seconds) else { return nil }
        let at = Timestamp(seconds: Int64(newest.rounded(.down)))
        let seconds = max(0, at.seconds - cutoff.seconds)
        let covered = Int((seconds + Timestamp.secondsPerDay - 1) / Timestamp.secondsPerDay)
        return covered < horizonDays ? (at, covered) : nil
    }

    /// The horizon the propensity is learned for when the purchases stop `covered` days into the
    /// horizon: the days they cover, but at least the clients' usual time between purchases
    /// (`StoredModels.usualGapDays` at the cutoff, whole days up), at most the horizon.
    ///
    /// The truth is then what clients bought in those days: for a file cut after each client's
    /// next order, that order. A model of "bought within the horizon" answers another question: a
    /// regular client buys most of their staples some time in 180 days, and which of them comes
    /// next is lost (measured: the last basket of the Complete Journey households at product
    /// types, NDCG@3 0.201 with a 180-day model, 0.266 with one for their usual gap). A window
    /// shorter than the usual gap holds a purchase of few clients: the gap is the shortest span in
    /// which a typical client buys once.
    static func propensityHorizon(covered: Int, usualGapDays: Double?, horizonDays: Int) -> Int {
        // (Less a microday: a gap of exactly 70 days read back from weeks is 70, not 71.)
        min(horizonDays, max(1, covered, usualGapDays.map { Int(($0 - 1e-6).rounded(.up)) } ?? 0))
    }

    /// One client: the engine on the history alone, the truth from the horizon.
    static func evaluate(_ snapshot: ClientSnapshot, engine: Engine, categoryOf: [String: String], cutoff: Timestamp, end: Timestamp,
                         horizonDays: Int, options: RecommendOptions) -> EvaluatedClient {
        var history = snapshot
        history.purchases = snapshot.purchases.filter { $0.at <= cutoff }
        let horizon = snapshot.purchases.filter { $0.at > cutoff && $0.at <= end }
        let facts = engine.facts(for: history, asOf: cutoff)
        let result = engine.recommend(facts: facts, options: options)
        let last = history.purchases.max { ($0.at, $0.productID) < ($1.at, $1.productID) }
        var client = EvaluatedClient(
            clientID: snapshot.id,
            stage: facts.stage.stage,
            purchasesBefore: facts.purchaseCount,
            lastCategory: last?.category,
            pAlive: facts.pAlive,
            predictedPurchases: HorizonPrediction.expectedPurchases(
                facts: facts, days: horizonDays, models: engine.models, thresholds: engine.catalog.settings.lifecycle),
            recommended: result.offers.map { categoryOf[$0.itemID] ?? "" },
            recommendedItems: result.offers.map(\.itemID),
            actualPurchases: PurchaseOccasions.count(of: horizon),
            actualCategories: Set(horizon.map(\.category)))
        if result.offers.isEmpty {
            // Why nothing: the check that dropped most offers, asked again with the why-nots (only
            // for these clients: a client offered nothing is usually a set-up's, not the ranking's).
            var explained = options
            explained.explainRejections = true
            client.noOfferReason = Self.mostCommonCheck(engine.recommend(facts: facts, options: explained).notRecommended)
        }
        client.personalCategories = facts.categoriesByFrequency
        client.recommendedPropensities = result.offers.map(\.explanation.factors.propensity)
        for purchase in history.purchases { client.categoryPurchasesBefore[purchase.category, default: 0] += 1 }
        return client
    }

    /// The check that dropped the most offers among `rejections` (the first in the checks' order
    /// on a tie), nil without a rejected offer.
    static func mostCommonCheck(_ rejections: [Rejection]) -> Rejection.Check? {
        var counts = [Int](repeating: 0, count: Rejection.Check.allCases.count)
        for rejection in rejections where rejection.kind == .offer {
            counts[Rejection.Check.allCases.firstIndex(of: rejection.check)!] += 1
        }
        guard let top = counts.max(), top > 0 else { return nil }
        return Rejection.Check.allCases[counts.firstIndex(of: top)!]
    }

    /// Categories by purchases up to `until`, most bought first (ties by name): one aggregate query.
    static func popularCategories(connection: Connection, until: Timestamp) throws -> [String] {
        let result = try connection.execute("""
            SELECT pr.category, count(*) FROM purchases p JOIN products pr ON pr.product_id = p.product_id
            WHERE p.purchased_at <= to_timestamp($1) GROUP BY pr.category ORDER BY count(*) DESC, pr.category COLLATE "C"
            """, [.int(until.seconds)])
        return try result.map { try $0.decode(String.self, at: 0) }
    }

    /// The fitted models as the report shows them.
    static func summary(_ stored: StoredModels) -> EvaluationReport.ModelSummary {
        let p = stored.lifetime?.parameters
        return EvaluationReport.ModelSummary(
            lifetimeModel: stored.lifetime?.kind.rawValue,
            lifetimeParameters: p.map { ["r": $0.r, "alpha": $0.alpha, "a": $0.a, "b": $0.b] } ?? [:],
            spendParameters: stored.spend.map { ["p": $0.parameters.p, "q": $0.parameters.q, "v": $0.parameters.v] } ?? [:],
            timeUnitDays: stored.timeUnitDays,
            fittedClients: stored.lifetime?.clients ?? 0,
            affinityTransitions: stored.affinity.transitions.values.reduce(0) { $0 + $1.values.reduce(0, +) },
            acceptanceObservations: stored.acceptance.reduce(0) { $0 + $1.successes + $1.failures },
            propensity: stored.propensity?.training)
    }

    /// Each offer's category: its own, or its product's.
    static func categories(of catalog: Catalog, products: ProductDirectory) -> [String: String] {
        var result: [String: String] = [:]
        for item in catalog.offers {
            result[item.id] = item.category ?? item.product.flatMap { products[$0]?.category } ?? ""
        }
        return result
    }

    /// `transform` over `items` on `workers` threads, results in input order.
    static func map<T: Sendable, R: Sendable>(_ items: [T], workers: Int, _ transform: @Sendable (T) -> R) -> [R] {
        guard workers > 1, items.count > 1 else { return items.map(transform) }
        let box = ResultBox<R>(count: items.count)
        let slices = min(workers, items.count)
        items.withUnsafeBufferPointer { buffer in
            nonisolated(unsafe) let input = buffer
            DispatchQueue.concurrentPerform(iterations: slices) { slice in
                var index = slice
                while index < input.count {
                    box.set(index, transform(input[index]))
                    index += slices
                }
            }
        }
        return box.values()
    }
}

/// Results written by disjoint indices from several threads (each index by one thread only).
private final class ResultBox<R>: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<R?>
    init(count: Int) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: nil)
    }
    func set(_ index: Int, _ value: R) { storage[index] = value }
    func values() -> [R] { storage.map { $0! } }
    deinit {
        storage.deinitialize()
        storage.deallocate()
    }
}
