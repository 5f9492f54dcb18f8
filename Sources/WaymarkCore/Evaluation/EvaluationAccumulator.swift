/// Streams backtest clients into every metric at once: the engine and the baselines (overall and
/// per stage), bootstrap intervals, lifetime calibration, the p_alive ROC AUC, the propensity
/// calibration and the per-item hits.
///
/// ```swift
/// var accumulator = EvaluationAccumulator(k: 3, baselines: baselines)
/// for client in clients { accumulator.add(client) }   // or one per worker, then merge
/// let report = accumulator.finish(setup: setup)
/// ```
///
/// Most metrics are sums. Two need the whole population first: the stage-popularity baseline
/// (its lists come from every client's purchases by stage) and the bootstrap (it resamples
/// clients). For those the accumulator keeps, per buyer in the horizon, a few small numbers: a
/// hash of the client id, the stage, the categories bought in the horizon (interned) and one
/// NDCG per method (a `Float`); per non-buyer only a count per stage. Per recommended offer the
/// propensity calibration keeps 16 bytes.
package struct EvaluationAccumulator: Sendable {
    package let k: Int
    package let baselines: Baselines
    /// Bootstrap resamples (seeded by `baselines.seed`).
    package let resamples: Int
    private var overall: [EvaluationMethod: RankingAccumulator]
    private var byStage: [EvaluationMethod: [LifecycleStage: RankingAccumulator]]
    private var calibration: CalibrationAccumulator
    private var alive = AUCAccumulator()
    private var recommendedItems: Set<String> = []
    private var clients = 0
    private var buyersBefore = 0
    private var buyersInHorizon = 0
    private var purchasesInHorizon = 0
    private var stageCounts: [LifecycleStage: CategoryPopularity] = [:]
    private var nonBuyersByStage: [LifecycleStage: Int] = [:]
    private var rows = BuyerRows()
    private var propensity = PropensityCalibrationAccumulator()
    private var items = ItemHitAccumulator()
    /// Clients offered nothing, per reason.
    private var noOfferReasons: [Rejection.Check: Int] = [:]

    /// The methods scored as clients stream in; `stage_popularity` is scored in `finish`.
    private static let streamed = EvaluationMethod.allCases.filter { $0 != .stagePopularity }
    private static let columns = EvaluationMethod.allCases.count
    private static let stageColumn = EvaluationMethod.allCases.firstIndex(of: .stagePopularity)!

    package init(k: Int, baselines: Baselines, openCalibrationGroup: Int = 7, resamples: Int = 200) {
        self.k = k
        self.baselines = baselines
        self.resamples = max(1, resamples)
        overall = Dictionary(uniqueKeysWithValues: EvaluationMethod.allCases.map { ($0, RankingAccumulator(k: k)) })
        byStage = Dictionary(uniqueKeysWithValues: EvaluationMethod.allCases.map { ($0, [:]) })
        calibration = CalibrationAccumulator(openGroup: openCalibrationGroup)
    }

    /// Adds one client: the engine's list is the client's own, the baselines' are computed here.
    package mutating func add(_ client: EvaluatedClient) {
        clients += 1
        let buyer = client.actualPurchases > 0 || !client.actualCategories.isEmpty
        if client.purchasesBefore > 0 { buyersBefore += 1 }
        if client.actualPurchases > 0 { buyersInHorizon += 1 }
        purchasesInHorizon += client.actualPurchases
        recommendedItems.formUnion(client.recommendedItems.prefix(k))
        if client.recommended.isEmpty, let reason = client.noOfferReason { noOfferReasons[reason, default: 0] += 1 }

        var scores = [Float](repeating: 0, count: Self.columns)
        for (column, method) in EvaluationMethod.allCases.enumerated() where method != .stagePopularity {
            let list: [String] = switch method {
            case .engine: client.recommended
            case .popularity: Array(baselines.popularity(k: k))
            case .repeatLast: baselines.repeatLast(lastCategory: client.lastCategory)
            case .random: baselines.random(clientID: client.clientID, k: k)
            case .personalFrequency: baselines.personalFrequency(client.personalCategories, k: k)
            case .stagePopularity: []
            }
            let ndcg = overall[method]!.add(recommended: list, actual: client.actualCategories)
            scores[column] = Float(ndcg ?? 0)
            byStage[method]![client.stage, default: RankingAccumulator(k: k)].add(recommended: list, actual: client.actualCategories)
        }
        for (category, count) in client.categoryPurchasesBefore {
            stageCounts[client.stage, default: CategoryPopularity()].add(category: category, count: count)
        }
        let key = Baselines.fnv1a(client.clientID)
        if client.actualCategories.isEmpty {
            nonBuyersByStage[client.stage, default: 0] += 1
        } else {
            rows.append(key: key, stage: client.stage, actual: client.actualCategories, scores: scores)
        }

        for (index, item) in client.recommendedItems.prefix(k).enumerated() {
            let category = index < client.recommended.count ? client.recommended[index] : ""
            let hit = client.actualCategories.contains(category)
            items.add(itemID: item, category: category, buyer: buyer, hit: hit)
            if index < client.recommendedPropensities.count {
                propensity.add(predicted: client.recommendedPropensities[index], bought: hit, clientKey: key, rank: index + 1)
            }
        }
        calibration.add(purchasesBefore: client.purchasesBefore, predicted: client.predictedPurchases, actual: client.actualPurchases)
        if client.purchasesBefore > 0 {
            alive.add(score: client.pAlive, positive: client.actualPurchases > 0)
        }
    }

    package mutating func merge(_ other: EvaluationAccumulator) {
        precondition(other.k == k, "cannot merge evaluations cut at different k")
        for method in EvaluationMethod.allCases {
            overall[method]!.merge(other.overall[method]!)
            for (stage, accumulator) in other.byStage[method]! {
                byStage[method]![stage, default: RankingAccumulator(k: k)].merge(accumulator)
            }
        }
        calibration.merge(other.calibration)
        alive.merge(other.alive)
        recommendedItems.formUnion(other.recommendedItems)
        clients += other.clients
        buyersBefore += other.buyersBefore
        buyersInHorizon += other.buyersInHorizon
        purchasesInHorizon += other.purchasesInHorizon
        for (stage, counts) in other.stageCounts { stageCounts[stage, default: CategoryPopularity()].merge(counts) }
        for (stage, n) in other.nonBuyersByStage { nonBuyersByStage[stage, default: 0] += n }
        rows.merge(other.rows)
        propensity.merge(other.propensity)
        items.merge(other.items)
        for (reason, n) in other.noOfferReasons { noOfferReasons[reason, default: 0] += n }
    }

    /// The stage-popularity baseline's list for each stage seen.
    package func stageLists() -> [LifecycleStage: [String]] {
        var lists: [LifecycleStage: [String]] = [:]
        for stage in Set(stageCounts.keys).union(nonBuyersByStage.keys).union(rows.stages) {
            lists[stage] = baselines.stagePopularity(stageCounts[stage]?.ranked() ?? [], k: k)
        }
        return lists
    }

    /// The report.
    ///
    /// - Parameters:
    ///   - setup: what was evaluated (cutoff, horizon, catalog); its `topK` is set to this k.
    ///   - offerCount: offers in the catalog (the item-coverage denominator); nil leaves item coverage out.
    ///   - offers: the catalog's offers (item id → category), so never-recommended offers are
    ///     listed in `offerItems` too; nil lists the recommended ones only.
    ///   - models: a summary of the fitted models, if any.
    package func finish(setup: EvaluationReport.Setup, offerCount: Int? = nil, offers: [String: String]? = nil,
                        models: EvaluationReport.ModelSummary? = nil) -> EvaluationReport {
        let categoryCount = baselines.categories.count
        var setup = setup
        setup.topK = k
        setup.popularCategories = Array(baselines.popularCategories.prefix(k))

        // Stage popularity, now that every client's purchases are counted; buyers in a fixed order.
        let lists = stageLists()
        setup.stagePopularCategories = Dictionary(uniqueKeysWithValues: lists.map { ($0.key.rawValue, $0.value) })
        var overall = overall
        var byStage = byStage
        for stage in LifecycleStage.allCases {
            for _ in 0..<(nonBuyersByStage[stage] ?? 0) {
                overall[.stagePopularity]!.add(recommended: lists[stage]!, actual: [])
                byStage[.stagePopularity]![stage, default: RankingAccumulator(k: k)].add(recommended: lists[stage]!, actual: [])
            }
        }
        let order = rows.order()
        var scores = [Float]()
        scores.reserveCapacity(order.count * Self.columns)
        for row in order {
            let stage = rows.stages[row]
            let actual = rows.actual(row)
            let ndcg = overall[.stagePopularity]!.add(recommended: lists[stage]!, actual: actual) ?? 0
            byStage[.stagePopularity]![stage, default: RankingAccumulator(k: k)].add(recommended: lists[stage]!, actual: actual)
            for column in 0..<Self.columns {
                scores.append(column == Self.stageColumn ? Float(ndcg) : rows.scores[row * Self.columns + column])
            }
        }
        let intervals = BootstrapInterval.intervals(scores: scores, columns: Self.columns, resamples: resamples, seed: baselines.seed)
        setup.bootstrap = .init(resamples: resamples, seed: baselines.seed, level: 0.95, buyers: order.count)

        let methods = EvaluationMethod.allCases.enumerated().map { column, method in
            EvaluationReport.MethodResult(
                method: method,
                overall: overall[method]!.finish(categoryCount: categoryCount),
                stages: LifecycleStage.allCases.compactMap { stage in
                    byStage[method]![stage].map { EvaluationReport.StageMetrics(stage: stage.rawValue, metrics: $0.finish(categoryCount: categoryCount)) }
                },
                hitRateCI: intervals.isEmpty ? nil : intervals[column].hitRate,
                ndcgCI: intervals.isEmpty ? nil : intervals[column].ndcg)
        }
        let engine = methods[0].overall
        return EvaluationReport(
            setup: setup,
            population: .init(
                clients: clients, buyersBeforeCutoff: buyersBefore, buyersInHorizon: buyersInHorizon,
                purchasesInHorizon: purchasesInHorizon, clientsWithOffers: engine.clientsWithRecommendations,
                offerItemsRecommended: recommendedItems.count,
                offerItemCoverage: offerCount.flatMap { $0 > 0 ? Double(recommendedItems.count) / Double($0) : nil },
                noOfferReasons: noOfferReasons.isEmpty ? nil : Dictionary(uniqueKeysWithValues: noOfferReasons.map { ($0.key.rawValue, $0.value) })),
            methods: methods,
            calibration: calibration.finish(),
            aliveAUC: alive.finish(),
            models: models,
            propensityCalibration: propensity.finish(),
            offerItems: items.finish(catalog: offers, clients: clients))
    }
}

/// Per buyer in the horizon: the few numbers the stage-popularity baseline and the bootstrap need
/// after the stream, in flat arrays (no allocation per client).
private struct BuyerRows: Sendable {
    var keys: [UInt64] = []
    var stages: [LifecycleStage] = []
    /// One NDCG per method per buyer, row-major (the stage-popularity column is filled in `finish`).
    var scores: [Float] = []
    /// Interned categories bought in the horizon: buyer i's are `categories[ends[i-1]..<ends[i]]`.
    private var categories: [Int32] = []
    private var ends: [Int32] = []
    private var names: [String] = []
    private var index: [String: Int32] = [:]

    mutating func append(key: UInt64, stage: LifecycleStage, actual: Set<String>, scores row: [Float]) {
        keys.append(key)
        stages.append(stage)
        scores.append(contentsOf: row)
        for name in actual { categories.append(intern(name)) }
        ends.append(Int32(categories.count))
    }

    mutating func merge(_ other: BuyerRows) {
        let width = other.keys.isEmpty ? 0 : other.scores.count / other.keys.count
        for row in other.keys.indices {
            append(key: other.keys[row], stage: other.stages[row], actual: other.actual(row),
                   scores: Array(other.scores[(row * width)..<((row + 1) * width)]))
        }
    }

    func actual(_ row: Int) -> Set<String> {
        let start = row == 0 ? 0 : Int(ends[row - 1])
        return Set(categories[start..<Int(ends[row])].map { names[Int($0)] })
    }

    /// Row indices in a fixed order: by client hash, then by the row's scores (ties are vanishingly rare).
    func order() -> [Int] {
        let width = keys.isEmpty ? 0 : scores.count / keys.count
        return keys.indices.sorted { a, b in
            if keys[a] != keys[b] { return keys[a] < keys[b] }
            for c in 0..<width where scores[a * width + c] != scores[b * width + c] { return scores[a * width + c] < scores[b * width + c] }
            return stages[a].rawValue < stages[b].rawValue
        }
    }

    private mutating func intern(_ name: String) -> Int32 {
        if let existing = index[name] { return existing }
        let id = Int32(names.count)
        names.append(name)
        index[name] = id
        return id
    }
}
