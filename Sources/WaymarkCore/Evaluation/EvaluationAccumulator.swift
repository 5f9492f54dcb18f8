/// Streams backtest clients into every metric at once: the engine and the baselines (overall and
/// per stage), lifetime calibration and the p_alive ROC AUC.
///
/// ```swift
/// var accumulator = EvaluationAccumulator(k: 3, baselines: baselines)
/// for client in clients { accumulator.add(client) }   // or one per worker, then merge
/// let report = accumulator.finish(setup: setup)
/// ```
package struct EvaluationAccumulator: Sendable {
    package let k: Int
    package let baselines: Baselines
    private var overall: [EvaluationMethod: RankingAccumulator]
    private var byStage: [EvaluationMethod: [LifecycleStage: RankingAccumulator]]
    private var calibration: CalibrationAccumulator
    private var alive = AUCAccumulator()
    private var recommendedItems: Set<String> = []
    private var clients = 0
    private var buyersBefore = 0
    private var buyersInHorizon = 0
    private var purchasesInHorizon = 0

    package init(k: Int, baselines: Baselines, openCalibrationGroup: Int = 7) {
        self.k = k
        self.baselines = baselines
        overall = Dictionary(uniqueKeysWithValues: EvaluationMethod.allCases.map { ($0, RankingAccumulator(k: k)) })
        byStage = Dictionary(uniqueKeysWithValues: EvaluationMethod.allCases.map { ($0, [:]) })
        calibration = CalibrationAccumulator(openGroup: openCalibrationGroup)
    }

    /// Adds one client: the engine's list is the client's own, the baselines' are computed here.
    package mutating func add(_ client: EvaluatedClient) {
        clients += 1
        if client.purchasesBefore > 0 { buyersBefore += 1 }
        if client.actualPurchases > 0 { buyersInHorizon += 1 }
        purchasesInHorizon += client.actualPurchases
        recommendedItems.formUnion(client.recommendedItems.prefix(k))

        for method in EvaluationMethod.allCases {
            let list: [String] = switch method {
            case .engine: client.recommended
            case .popularity: Array(baselines.popularity(k: k))
            case .repeatLast: baselines.repeatLast(lastCategory: client.lastCategory)
            case .random: baselines.random(clientID: client.clientID, k: k)
            case .personalFrequency: baselines.personalFrequency(client.personalCategories, k: k)
            }
            overall[method]!.add(recommended: list, actual: client.actualCategories)
            byStage[method]![client.stage, default: RankingAccumulator(k: k)].add(recommended: list, actual: client.actualCategories)
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
    }

    /// The report.
    ///
    /// - Parameters:
    ///   - setup: what was evaluated (cutoff, horizon, catalog); its `topK` is set to this k.
    ///   - offerCount: offers in the catalog (the item-coverage denominator); nil leaves item coverage out.
    ///   - models: a summary of the fitted models, if any.
    package func finish(setup: EvaluationReport.Setup, offerCount: Int? = nil, models: EvaluationReport.ModelSummary? = nil) -> EvaluationReport {
        let categoryCount = baselines.categories.count
        var setup = setup
        setup.topK = k
        setup.popularCategories = Array(baselines.popularCategories.prefix(k))
        let methods = EvaluationMethod.allCases.map { method in
            EvaluationReport.MethodResult(
                method: method,
                overall: overall[method]!.finish(categoryCount: categoryCount),
                stages: LifecycleStage.allCases.compactMap { stage in
                    byStage[method]![stage].map { EvaluationReport.StageMetrics(stage: stage.rawValue, metrics: $0.finish(categoryCount: categoryCount)) }
                })
        }
        let engine = methods[0].overall
        return EvaluationReport(
            setup: setup,
            population: .init(
                clients: clients, buyersBeforeCutoff: buyersBefore, buyersInHorizon: buyersInHorizon,
                purchasesInHorizon: purchasesInHorizon, clientsWithOffers: engine.clientsWithRecommendations,
                offerItemsRecommended: recommendedItems.count,
                offerItemCoverage: offerCount.flatMap { $0 > 0 ? Double(recommendedItems.count) / Double($0) : nil }),
            methods: methods,
            calibration: calibration.finish(),
            aliveAUC: alive.finish(),
            models: models)
    }
}
