import Foundation
import Testing
@testable import WaymarkCore
import WaymarkReports

/// A small evaluation whose every figure can be worked out by hand.
enum EvaluationFixture {
    static let baselines = Baselines(popularCategories: ["savings", "investment", "insurance", "pension"],
                                     categories: ["savings", "investment", "insurance", "pension", "wills"], seed: 7)

    static let clients: [EvaluatedClient] = {
        var clients = plainClients
        // Purchases per category before the cutoff (the stage-popularity baseline) and the engine's propensities.
        clients[0].categoryPurchasesBefore = ["savings": 1, "investment": 1]
        clients[0].recommendedPropensities = [0.6, 0.1]
        clients[1].categoryPurchasesBefore = ["savings": 1]
        clients[1].recommendedPropensities = [0.2]
        clients[2].categoryPurchasesBefore = ["investment": 5, "insurance": 3]
        clients[3].recommendedPropensities = [0.3]
        return clients
    }()

    static let plainClients: [EvaluatedClient] = [
        // Active, engine hits pension at rank 1; popularity misses; repeat-last (savings) misses.
        EvaluatedClient(clientID: "C1", stage: .active, purchasesBefore: 2, lastCategory: "savings", pAlive: 0.9,
                        predictedPurchases: 0.8, recommended: ["pension", "wills"], recommendedItems: ["offer-pension", "offer-will"],
                        actualPurchases: 1, actualCategories: ["pension"]),
        // Active, engine misses; popularity hits savings at rank 1; repeat-last hits.
        EvaluatedClient(clientID: "C2", stage: .active, purchasesBefore: 1, lastCategory: "savings", pAlive: 0.6,
                        predictedPurchases: 0.4, recommended: ["wills"], recommendedItems: ["offer-will"],
                        actualPurchases: 2, actualCategories: ["savings"]),
        // Lapsed, did not buy.
        EvaluatedClient(clientID: "C3", stage: .lapsed, purchasesBefore: 8, lastCategory: "investment", pAlive: 0.1,
                        predictedPurchases: 0.1, recommended: [], actualPurchases: 0, actualCategories: []),
        // Prospect who bought savings: popularity hits; engine hits savings.
        EvaluatedClient(clientID: "C4", stage: .prospect, purchasesBefore: 0, lastCategory: nil, pAlive: 1,
                        predictedPurchases: 0, recommended: ["savings"], recommendedItems: ["offer-savings-starter"],
                        actualPurchases: 1, actualCategories: ["savings"]),
    ]

    static let offers = ["offer-pension": "pension", "offer-will": "wills", "offer-savings-starter": "savings", "offer-fund": "investment"]

    static func report() -> EvaluationReport {
        var accumulator = EvaluationAccumulator(k: 3, baselines: baselines)
        for client in clients { accumulator.add(client) }
        let setup = EvaluationReport.Setup(cutoff: "2025-01-01", horizonDays: 90, horizonEnd: "2025-04-01",
                                           catalogVersion: "test <1>", randomSeed: 7, categories: baselines.categories)
        let models = EvaluationReport.ModelSummary(lifetimeModel: "bgnbd", lifetimeParameters: ["r": 0.7, "alpha": 14, "a": 1.1, "b": 3.9],
                                                   spendParameters: [:], timeUnitDays: 7, fittedClients: 3,
                                                   affinityTransitions: 2, acceptanceObservations: 0)
        return accumulator.finish(setup: setup, offerCount: 9, offers: offers, models: models)
    }
}

@Suite("Evaluation accumulator and baselines")
struct EvaluationAccumulatorTests {
    @Test("engine and baselines scored on the same buyers")
    func methods() throws {
        let report = EvaluationFixture.report()
        let engine = try #require(report.result(.engine)).overall
        let popularity = try #require(report.result(.popularity)).overall
        let repeatLast = try #require(report.result(.repeatLast)).overall
        #expect(engine.buyers == 3 && popularity.buyers == 3 && repeatLast.buyers == 3)
        #expect(engine.hits == 2)                    // C1, C4
        #expect(popularity.hits == 2)                // C2, C4 (savings first)
        #expect(repeatLast.hits == 1)                // C2 only (C4 has no last category)
        #expect(abs(engine.ndcg - 2.0 / 3) < 1e-12)  // C1 and C4 hit at rank 1 of one relevant
        #expect(abs(repeatLast.ndcg - 1.0 / 3) < 1e-12)
        #expect(report.hitRateLiftOverPopularity == 1)
        #expect(report.engineBeatsBaselinesOnNDCG == false)   // popularity ties at 2/3
        #expect(engine.recommendedCategories == 3)   // pension, wills, savings
        #expect(abs(engine.coverage - 0.6) < 1e-12)
        #expect(popularity.recommendedCategories == 3)
        #expect(report.population.clientsWithOffers == 3)
        #expect(report.population.offerItemsRecommended == 3)
        #expect(report.population.offerItemCoverage == 3.0 / 9)
        #expect(report.population.buyersBeforeCutoff == 3)
        #expect(report.population.buyersInHorizon == 3)
        #expect(report.population.purchasesInHorizon == 4)
        #expect(report.setup.topK == 3)
        #expect(report.setup.popularCategories == ["savings", "investment", "insurance"])
    }

    @Test("per stage, calibration and the p_alive AUC over earlier buyers only")
    func stagesCalibrationAUC() throws {
        let report = EvaluationFixture.report()
        let engine = try #require(report.result(.engine))
        #expect(engine.stages.map(\.stage) == ["prospect", "active", "lapsed"])
        let active = try #require(engine.stages.first { $0.stage == "active" }).metrics
        #expect(active.buyers == 2 && active.hits == 1)
        let lapsed = try #require(engine.stages.first { $0.stage == "lapsed" }).metrics
        #expect(lapsed.buyers == 0 && lapsed.clients == 1)
        // C1 (0.9, bought), C2 (0.6, bought), C3 (0.1, not): perfect separation; C4 (prospect) left out.
        #expect(report.aliveAUC == ROCAUC(auc: 1, positives: 2, negatives: 1))
        #expect(report.calibration.groups[0].clients == 1)
        #expect(report.calibration.groups[7].clients == 1)
        #expect(abs(report.calibration.meanAbsoluteError - (0.2 + 1.6 + 0.1 + 1) / 4) < 1e-12)
    }

    @Test("random baseline: seeded by client, k distinct, order-independent")
    func random() {
        let b = EvaluationFixture.baselines
        let first = b.random(clientID: "C0000042", k: 3)
        #expect(first == b.random(clientID: "C0000042", k: 3))
        #expect(Set(first).count == 3)
        #expect(Set(first).isSubset(of: Set(b.categories)))
        #expect(b.random(clientID: "C1", k: 10).count == 5)
        let picks = Set((0..<50).map { b.random(clientID: "C\($0)", k: 1)[0] })
        #expect(picks.count == 5)                    // every category gets drawn across 50 clients
        let reseeded = Baselines(popularCategories: [], categories: b.categories, seed: 8)
        #expect((0..<20).contains { b.random(clientID: "C\($0)", k: 3) != reseeded.random(clientID: "C\($0)", k: 3) })
    }

    @Test("popularity ranks by count, ties by name")
    func popularity() {
        var counts = CategoryPopularity()
        for category in ["b", "a", "c", "c", "b", "d"] { counts.add(category: category) }
        var other = CategoryPopularity()
        other.add(category: "a")
        counts.merge(other)
        #expect(counts.ranked() == ["a", "b", "c", "d"])
    }

    @Test("merging accumulators equals one pass")
    func merge() {
        let clients = EvaluationFixture.clients
        var whole = EvaluationAccumulator(k: 3, baselines: EvaluationFixture.baselines)
        var a = EvaluationAccumulator(k: 3, baselines: EvaluationFixture.baselines)
        var b = EvaluationAccumulator(k: 3, baselines: EvaluationFixture.baselines)
        for (index, client) in clients.enumerated() {
            whole.add(client)
            if index % 2 == 0 { a.add(client) } else { b.add(client) }
        }
        a.merge(b)
        let setup = EvaluationReport.Setup(cutoff: "2025-01-01", horizonDays: 90, horizonEnd: "2025-04-01", catalogVersion: "v",
                                           randomSeed: 7, categories: [])
        let merged = a.finish(setup: setup)
        let single = whole.finish(setup: setup)
        #expect(merged.methods == single.methods)
        #expect(merged.population == single.population)
        #expect(merged.aliveAUC == single.aliveAUC)
        #expect(merged.calibration.groups == single.calibration.groups)
        // Sums added in another order differ in the last bit.
        #expect(abs(merged.calibration.meanAbsoluteError - single.calibration.meanAbsoluteError) < 1e-12)
    }
}

@Suite("Evaluation report rendering")
struct EvaluationRenderingTests {
    @Test("JSON: snake_case keys, and it decodes back to the same report")
    func json() throws {
        let report = EvaluationFixture.report()
        let data = try EvaluationReport.jsonEncoder().encode(report)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"alive_auc\""))
        #expect(text.contains("\"hit_rate\""))
        #expect(text.contains("\"repeat_last\""))
        #expect(text.contains("\"mean_absolute_error\""))
        for key in ["stage_popularity", "hit_rate_ci", "ndcg_ci", "bootstrap", "stage_popular_categories", "propensity_calibration",
                    "deciles", "observed_rate", "expected_calibration_error", "brier_score", "offer_items", "item_id", "client_share"] {
            #expect(text.contains("\"\(key)\""), "missing JSON key \(key)")
        }
        let decoded = try EvaluationReport.jsonDecoder().decode(EvaluationReport.self, from: data)
        #expect(decoded == report)
    }

    @Test("table: every method, stage and calibration group")
    func table() {
        let text = EvaluationFixture.report().table()
        #expect(text.contains("cutoff 2025-01-01, horizon 90 days"))
        for method in EvaluationMethod.allCases { #expect(text.contains("\n\(method.rawValue) ")) }
        #expect(text.contains("Engine hit rate = 1.00 × the popularity baseline's"))
        #expect(text.contains("engine NDCG@3 beats every baseline: no"))
        #expect(text.contains("\nactive "))
        #expect(text.contains("\n7+ "))
        #expect(text.contains("p_alive ROC AUC"))
        #expect(text.contains("1.0000 (2 bought again, 1 did not)"))
        #expect(text.contains("Bootstrap 95 % intervals (200 resamples of the 3 buyers, seed 7)"))
        #expect(text.contains("stage_popularity lists: prospect: savings, investment, insurance; active: savings, investment, insurance; lapsed: investment, insurance, savings"))
        #expect(text.contains("Propensity calibration: 4 recommended offers"))
        #expect(text.contains("Overall mean predicted 0.3000, observed 0.5000"))
        #expect(text.contains("\noffer-will "))
        #expect(text.contains("1 of 4 offers never recommended"))
    }

    @Test("HTML: self-contained, escaped, with the three charts")
    func html() throws {
        let page = EvaluationFixture.report().html()
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(!page.lowercased().contains("<script"))
        #expect(!page.contains("src=\"http") && !page.contains("href=\"http") && !page.contains("@import") && !page.contains("url("))
        #expect(page.contains("catalog test &lt;1&gt;"))
        for id in ["baselines-chart", "stages-chart", "calibration-chart", "reliability-chart", "items-chart"] {
            #expect(page.contains("<svg id=\"\(id)\""))
        }
        // One bar per method and metric; one polyline per calibration series, one point per group;
        // the reliability curve: one polyline and one point per decile (4 offers: 4 deciles) plus its legend's.
        #expect(page.components(separatedBy: "data-group=\"hit rate@3\"").count - 1 == EvaluationMethod.allCases.count)
        #expect(page.components(separatedBy: "data-group=\"hit rate@3\"").count - 1 == 6)
        #expect(page.components(separatedBy: "<polyline class=\"series\"").count - 1 == 3)
        #expect(page.components(separatedBy: "<circle ").count - 1 == 16 + 4 + 1)
        // A whisker per method on hit rate and on NDCG; two bars per offer in the per-item chart.
        #expect(page.components(separatedBy: "<path class=\"ci\"").count - 1 == 2 * 6)
        #expect(page.components(separatedBy: "<rect class=\"item-bar\"").count - 1 == 2 * 4)
        // Every method in the legend.
        for method in EvaluationMethod.allCases { #expect(page.contains(">\(method.rawValue)</text>")) }
        // No note while the purchases cover the horizon.
        #expect(!page.contains("Note:"))
    }

    @Test("purchases that stop inside the horizon: a note in the table and the HTML, none at 90 % or more")
    func horizonNote() throws {
        var report = EvaluationFixture.report()
        #expect(report.horizonNote == nil)
        report.setup.dataEnd = "2025-01-03"
        report.setup.horizonCoveredDays = 2
        let note = try #require(report.horizonNote)
        #expect(note.hasPrefix("the purchases end on 2025-01-03, 2 days into the 90-day horizon"))
        #expect(note.contains("choose a cutoff at least 90 days before the last purchase"))
        #expect(report.table().contains("\nNote: \(note).\n"))
        #expect(report.html().contains("<strong>Note:</strong> the purchases end on 2025-01-03, 2 days into the 90-day horizon"))
        #expect(note.contains("the propensities and expected purchases are predicted for the whole horizon"))
        // The propensity learned for a shorter span (`Backtest.propensityHorizon`) says so.
        report.setup.propensityHorizonDays = 8
        #expect(report.horizonNote?.contains("2 days into the 90-day horizon: the propensity is learned for 8 days (the days covered, "
                                             + "at least the clients' usual time between purchases)") == true)
        report.setup.propensityHorizonDays = 90
        #expect(report.horizonNote == note)
        report.setup.horizonCoveredDays = 81   // 90 % of the horizon: covered enough
        #expect(report.horizonNote == nil && !report.table().contains("Note:"))
        report.setup.horizonCoveredDays = 0
        #expect(report.horizonNote?.contains("at or before the cutoff: no purchase falls in the horizon") == true)
    }

    @Test("clients offered nothing: counted by reason, with what to do about missing consents, in the table and the HTML")
    func noOfferNote() throws {
        var report = EvaluationFixture.report()
        #expect(report.noOfferNote == nil && !report.html().contains("offered nothing"))
        report.population.noOfferReasons = ["consent": 2, "contact_policy": 1]
        let note = try #require(report.noOfferNote)
        #expect(note.hasPrefix("the engine offered nothing to 3 of \(report.population.clients) clients "
            + "(the check that dropped most offers: consent 2, contact_policy 1); they count as misses"))
        #expect(note.contains("import the clients' consents"))
        #expect(report.table().contains("\nNote: \(note).\n"))
        #expect(report.html().contains("<strong>Note:</strong> the engine offered nothing to 3 of"))
        report.population.noOfferReasons = ["rule": 3]
        #expect(report.noOfferNote?.hasSuffix("The offers' own conditions leave them nothing: `waymark recommend CLIENT --explain` shows every offer's why-not") == true)
    }

    @Test("the accumulator counts the clients offered nothing by reason, merged across workers")
    func noOfferReasonsAccumulate() {
        let baselines = Baselines(popularCategories: ["a", "b"], categories: ["a", "b"], seed: 1)
        func client(_ id: String, offers: [String], reason: Rejection.Check?) -> EvaluatedClient {
            var c = EvaluatedClient(clientID: id, stage: .active, purchasesBefore: 1, lastCategory: "a", pAlive: 1,
                                    predictedPurchases: 1, recommended: offers, actualPurchases: 0, actualCategories: [])
            c.noOfferReason = reason
            return c
        }
        var one = EvaluationAccumulator(k: 2, baselines: baselines)
        one.add(client("c1", offers: [], reason: .consent))
        one.add(client("c2", offers: ["a"], reason: nil))
        var two = EvaluationAccumulator(k: 2, baselines: baselines)
        two.add(client("c3", offers: [], reason: .consent))
        two.add(client("c4", offers: [], reason: .doNotContact))
        one.merge(two)
        let setup = EvaluationReport.Setup(cutoff: "2025-01-01", horizonDays: 30, horizonEnd: "2025-01-31", catalogVersion: "v",
                                           randomSeed: 1, categories: ["a", "b"])
        #expect(one.finish(setup: setup).population.noOfferReasons == ["consent": 2, "do_not_contact": 1])
        var none = EvaluationAccumulator(k: 2, baselines: baselines)
        none.add(client("c5", offers: ["b"], reason: nil))
        #expect(none.finish(setup: setup).population.noOfferReasons == nil)
    }
}
