import Foundation
import Testing
@testable import WaymarkCore

/// The figures added beside the baselines: stage popularity, bootstrap intervals, propensity
/// calibration and per-item hits, each against a hand count.
@Suite("Evaluation: stage popularity, bootstrap, propensity calibration, per item")
struct EvaluationStatisticsTests {
    static let setup = EvaluationReport.Setup(cutoff: "2025-01-01", horizonDays: 90, horizonEnd: "2025-04-01", catalogVersion: "v",
                                              randomSeed: 7, categories: [])

    @Test("stage popularity: each stage's own purchases, topped up with overall popularity")
    func stagePopularity() throws {
        let report = EvaluationFixture.report()
        // Active: C1 savings 1 + investment 1, C2 savings 1 → savings 2, investment 1, then insurance (overall).
        // Lapsed: C3 investment 5, insurance 3 → then savings. Prospect: no purchases → the overall top 3.
        #expect(report.setup.stagePopularCategories == [
            "active": ["savings", "investment", "insurance"],
            "lapsed": ["investment", "insurance", "savings"],
            "prospect": ["savings", "investment", "insurance"],
        ])
        let stage = try #require(report.result(.stagePopularity))
        // C1 bought pension (miss), C2 savings (rank 1), C4 savings (rank 1); C3 bought nothing.
        #expect(stage.overall.buyers == 3 && stage.overall.hits == 2 && stage.overall.clients == 4)
        #expect(abs(stage.overall.ndcg - 2.0 / 3) < 1e-12)
        #expect(stage.overall.recommendedCategories == 3)
        #expect(stage.overall.clientsWithRecommendations == 4)
        let active = try #require(stage.stages.first { $0.stage == "active" }).metrics
        #expect(active.buyers == 2 && active.hits == 1)
        #expect(stage.stages.map(\.stage) == ["prospect", "active", "lapsed"])
    }

    @Test("stage popularity by hand: ranks by purchases in the stage, ties by name, merged workers agree")
    func stagePopularityHandCount() throws {
        let baselines = Baselines(popularCategories: ["a", "b", "c", "d"], categories: ["a", "b", "c", "d"], seed: 1)
        func client(_ id: String, _ stage: LifecycleStage, _ before: [String: Int], bought: Set<String>) -> EvaluatedClient {
            var c = EvaluatedClient(clientID: id, stage: stage, purchasesBefore: before.values.reduce(0, +), lastCategory: nil, pAlive: 0.5,
                                    predictedPurchases: 0, recommended: [], actualPurchases: bought.count, actualCategories: bought)
            c.categoryPurchasesBefore = before
            return c
        }
        let clients = [
            client("L1", .loyal, ["d": 3, "c": 1], bought: ["c"]),
            client("L2", .loyal, ["c": 2, "b": 1], bought: ["a"]),
            client("L3", .loyal, ["b": 2], bought: []),
            client("R1", .atRisk, ["a": 1], bought: ["b"]),
        ]
        var whole = EvaluationAccumulator(k: 2, baselines: baselines)
        var first = EvaluationAccumulator(k: 2, baselines: baselines)
        var second = EvaluationAccumulator(k: 2, baselines: baselines)
        for (index, c) in clients.enumerated() {
            whole.add(c)
            if index < 2 { first.add(c) } else { second.add(c) }
        }
        first.merge(second)
        // Loyal: c 3, d 3, b 3 → all tied at 3: by name b, c (then d). At risk: a 1, then the most popular b.
        #expect(whole.stageLists() == [.loyal: ["b", "c"], .atRisk: ["a", "b"]])
        let report = whole.finish(setup: Self.setup)
        let stage = try #require(report.result(.stagePopularity)).overall
        // L1 bought c (rank 2 hit), L2 bought a (miss), R1 bought b (rank 2 hit).
        #expect(stage.buyers == 3 && stage.hits == 2)
        #expect(abs(stage.ndcg - (2 / log2(3.0)) / 3) < 1e-12)
        #expect(first.finish(setup: Self.setup).methods == report.methods)
    }

    /// n buyers: the engine hits on two of three (rank 1), popularity on one of two; with
    /// non-buyers between them.
    static func population(_ n: Int) -> [EvaluatedClient] {
        (0..<n).map { i in
            let bought: Set<String> = i % 2 == 0 ? ["savings"] : ["pension"]
            let engine = i % 3 == 0 ? ["wills"] : Array(bought)
            return EvaluatedClient(clientID: "C\(i)", stage: .active, purchasesBefore: 1, lastCategory: "savings", pAlive: 0.5,
                                   predictedPurchases: 1, recommended: engine, actualPurchases: i % 5 == 4 ? 0 : 1,
                                   actualCategories: i % 5 == 4 ? [] : bought)
        }
    }

    static func report(_ clients: [EvaluatedClient]) -> EvaluationReport {
        var accumulator = EvaluationAccumulator(k: 1, baselines: EvaluationFixture.baselines)
        for client in clients { accumulator.add(client) }
        return accumulator.finish(setup: setup)
    }

    @Test("bootstrap: every interval holds its point estimate, narrows with more clients, and is seeded")
    func bootstrap() throws {
        let small = Self.report(Self.population(40))
        let large = Self.report(Self.population(4000))
        #expect(small.setup.bootstrap == .init(resamples: 200, seed: 7, level: 0.95, buyers: 32))
        for (a, b) in zip(small.methods, large.methods) {
            for result in [a, b] {
                let hit = try #require(result.hitRateCI), ndcg = try #require(result.ndcgCI)
                #expect(hit[0] <= result.overall.hitRate + 1e-6 && result.overall.hitRate <= hit[1] + 1e-6, "\(result.method) hit rate")
                #expect(ndcg[0] <= result.overall.ndcg + 1e-6 && result.overall.ndcg <= ndcg[1] + 1e-6, "\(result.method) NDCG")
            }
            let smallWidth = a.hitRateCI![1] - a.hitRateCI![0], largeWidth = b.hitRateCI![1] - b.hitRateCI![0]
            if smallWidth > 0 { #expect(largeWidth < smallWidth / 3, "\(a.method): \(largeWidth) vs \(smallWidth)") }
        }
        // The engine (hit rate 2/3 by construction) has a real interval that narrows.
        let engine = try #require(large.result(.engine))
        #expect(engine.hitRateCI![1] - engine.hitRateCI![0] > 0.01 && engine.hitRateCI![1] - engine.hitRateCI![0] < 0.06)
        // The same seed gives the same intervals, whatever the order clients arrive in.
        #expect(Self.report(Array(Self.population(40).reversed())).methods == small.methods)
        // No buyer, no interval.
        let none = Self.report(Self.population(40).map { var c = $0; c.actualCategories = []; c.actualPurchases = 0; return c })
        #expect(none.methods.allSatisfy { $0.hitRateCI == nil && $0.ndcgCI == nil })
    }

    @Test("bootstrap quantiles interpolate between order statistics")
    func quantile() {
        #expect(BootstrapInterval.quantile([0, 1, 2, 3, 4], 0.5) == 2)
        #expect(BootstrapInterval.quantile([0, 10], 0.25) == 2.5)
        #expect(BootstrapInterval.quantile([5], 0.975) == 5)
        // Constant scores: a degenerate interval at the value.
        let flat = BootstrapInterval.intervals(scores: [1, 0, 1, 0, 1, 0], columns: 2, resamples: 50, seed: 3)
        #expect(flat[0].hitRate == [1, 1] && flat[1].ndcg == [0, 0])
    }

    @Test("propensity calibration: equal-size deciles of predicted, mean predicted against observed")
    func propensityDeciles() throws {
        var accumulator = PropensityCalibrationAccumulator()
        // 20 offers predicted 0.05, 0.10, …, 1.00 (two per decile); the top half bought, and in the
        // bottom half only the 4th offer.
        for i in 1...20 {
            accumulator.add(predicted: Double(i) * 0.05, bought: i > 10 || i == 4, clientKey: UInt64(i), rank: 1)
        }
        accumulator.add(predicted: .nan, bought: true, clientKey: 99, rank: 2)   // left out
        let calibration = accumulator.finish()
        #expect(calibration.offers == 20)
        #expect(calibration.deciles.map(\.decile) == Array(1...10))
        #expect(calibration.deciles.allSatisfy { $0.offers == 2 })
        let expectedMeans: [Double] = (0..<10).map { (d: Int) -> Double in Double(4 * d + 3) * 0.025 }
        for (decile, mean) in zip(calibration.deciles, expectedMeans) { #expect(abs(decile.meanPredicted - mean) < 1e-6) }
        #expect(calibration.deciles.map(\.observedRate) == [0, 0.5, 0, 0, 0, 1, 1, 1, 1, 1])
        #expect(abs(calibration.deciles[0].minPredicted - 0.05) < 1e-6 && abs(calibration.deciles[9].maxPredicted - 1) < 1e-6)
        #expect(abs(calibration.meanPredicted - 0.525) < 1e-6)
        #expect(calibration.observedRate == 11.0 / 20)
        // ECE: mean over offers of |decile mean − observed|.
        let observed: [Double] = [0, 0.5, 0, 0, 0, 1, 1, 1, 1, 1]
        var ece = 0.0
        for (mean, rate) in zip(expectedMeans, observed) { ece += abs(mean - rate) / 10 }
        #expect(abs(calibration.expectedCalibrationError - ece) < 1e-6)
        // Fewer than ten offers: only the non-empty deciles.
        var few = PropensityCalibrationAccumulator()
        few.add(predicted: 0.2, bought: false, clientKey: 1, rank: 1)
        few.add(predicted: 0.4, bought: true, clientKey: 2, rank: 1)
        #expect(few.finish().deciles.map(\.offers) == [1, 1])
        #expect(PropensityCalibrationAccumulator().finish().deciles.isEmpty)
    }

    @Test("propensity calibration through the accumulator: every recommended offer, buyers or not")
    func propensityFromClients() {
        let calibration = EvaluationFixture.report().propensityCalibration
        // C1: pension 0.6 (bought), wills 0.1; C2: wills 0.2; C4: savings 0.3 (bought).
        #expect(calibration.offers == 4)
        #expect(abs(calibration.meanPredicted - 0.3) < 1e-6)
        #expect(calibration.observedRate == 0.5)
        #expect(calibration.deciles.map(\.observedRate) == [0, 0, 1, 1])
        #expect(abs(calibration.brierScore - (0.16 + 0.01 + 0.04 + 0.49) / 4) < 1e-6)
    }

    @Test("per item: clients recommended to, buyers among them, hits, sorted, catalog offers never recommended listed")
    func perItem() {
        let items = EvaluationFixture.report().offerItems
        #expect(items.map(\.itemID) == ["offer-will", "offer-pension", "offer-savings-starter", "offer-fund"])
        #expect(items.map(\.recommended) == [2, 1, 1, 0])
        #expect(items.map(\.buyers) == [2, 1, 1, 0])
        #expect(items.map(\.hits) == [0, 1, 1, 0])
        #expect(items.map(\.hitRate) == [0, 1, 1, 0])
        #expect(items.map(\.category) == ["wills", "pension", "savings", "investment"])
        #expect(items[0].clientShare == 0.5)
        var a = ItemHitAccumulator(), b = ItemHitAccumulator()
        a.add(itemID: "x", category: "c", buyer: true, hit: true)
        b.add(itemID: "x", category: "c", buyer: false, hit: false)
        b.add(itemID: "y", category: "d", buyer: true, hit: false)
        a.merge(b)
        #expect(a.finish(catalog: nil, clients: 4) == [
            ItemHitRate(itemID: "x", category: "c", recommended: 2, clientShare: 0.5, buyers: 1, hits: 1, hitRate: 0.5),
            ItemHitRate(itemID: "y", category: "d", recommended: 1, clientShare: 0.25, buyers: 1, hits: 0, hitRate: 0),
        ])
    }
}
