import Foundation
import Logging
import Postgres
import Synchronization
import Testing
import WaymarkCore
import WaymarkLifetime
@testable import WaymarkStore

/// A fresh schema with a small population around a cutoff, for `Backtest`.
///
/// 40 clients C001…C040 first seen in 2023; every fifth is a prospect, the others bought 1–4
/// products (savings → investment → insurance) before the cutoff 2025-01-01, and every third of
/// them buys once in the horizon (90 days). Life events, interactions and responses before the
/// cutoff give the engine something to read.
final class EvaluationTestDatabase {
    let database: StoredDatabase
    var connection: Connection { database.connection }
    static let cutoff = Timestamp(year: 2025, month: 1, day: 1)
    static let horizon = 90

    typealias StoredDatabase = StoreTestDatabase

    static let catalogText = """
        version: "eval-test-1"
        name: Evaluation test catalog
        contact_policy:
          consent_exempt_channels: [web]
        items:
          - id: offer-savings
            kind: offer
            title: Savings
            category: savings
            channels: [web]
            value: 10
          - id: offer-investment
            kind: offer
            title: Investment
            category: investment
            channels: [web]
            when: purchase_count >= 1
            value: 30
          - id: offer-insurance
            kind: offer
            title: Insurance
            category: insurance
            channels: [web]
            when: purchase_count >= 1
            triggers:
              - { event: child_born, window_days: 365, boost: 5 }
            value: 20
        """

    init() throws {
        database = try StoreTestDatabase()
        try connection.execute("""
            INSERT INTO products (product_id, name, category, list_price, repeatable) VALUES
              ('sav', 'Savings', 'savings', 500, true), ('fund', 'Fund', 'investment', 1500, true), ('ins', 'Insurance', 'insurance', 400, true)
            """)
        try connection.execute("""
            INSERT INTO clients (client_id, first_seen, consents)
            SELECT 'C' || lpad(i::text, 3, '0'), timestamptz '2023-01-01' + i * interval '5 days', '{email}'
            FROM generate_series(1, 40) i
            """)
        try connection.execute("""
            INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount)
            SELECT 'C' || lpad(i::text, 3, '0'), 'B' || i || '-' || k, (ARRAY['sav', 'fund', 'ins', 'fund'])[k],
                   timestamptz '2023-06-01' + (i * 4 + k * 70) * interval '1 day', 100 + k * 10 + i
            FROM generate_series(1, 40) i, generate_series(1, 4) k
            WHERE i % 5 <> 0 AND k <= 1 + i % 4
            """)
        try connection.execute("""
            INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount)
            SELECT 'C' || lpad(i::text, 3, '0'), 'H' || i, (ARRAY['sav', 'fund', 'ins'])[1 + i % 3],
                   timestamptz '2025-01-05' + i * interval '1 day', 120
            FROM generate_series(1, 40) i WHERE i % 3 = 0
            """)
        try connection.execute("""
            INSERT INTO life_events (client_id, event_id, kind, occurred_at)
            SELECT 'C' || lpad(i::text, 3, '0'), 'E' || i, 'child_born', timestamptz '2024-09-01' + i * interval '1 day'
            FROM generate_series(1, 40) i WHERE i % 4 = 0
            """)
        try connection.execute("""
            INSERT INTO interactions (client_id, interaction_id, channel, kind, occurred_at)
            SELECT 'C' || lpad(i::text, 3, '0'), 'I' || i, 'web', 'visit', timestamptz '2024-11-01' + i * interval '1 day'
            FROM generate_series(1, 40) i
            """)
        try connection.execute("""
            INSERT INTO responses (client_id, response_id, item_id, channel, presented_at, outcome, responded_at)
            SELECT 'C' || lpad(i::text, 3, '0'), 'R' || i, 'offer-investment', 'web', timestamptz '2024-06-01' + i * interval '1 day',
                   (ARRAY['accepted', 'declined', 'opened'])[1 + i % 3], timestamptz '2024-06-03' + i * interval '1 day'
            FROM generate_series(1, 40) i WHERE i % 2 = 0
            """)
    }

    var configuration: ConnectionConfiguration {
        var configuration = ConnectionConfiguration.environment
        configuration.applicationName = "WaymarkStoreTests"
        configuration.extraParameters["options"] = "-c search_path=\(database.schema)"
        return configuration
    }

    /// What the engine decided for one client, and what it is compared with.
    struct Decision: Hashable {
        var items: [String]
        var stage: LifecycleStage
        var pAlive: Double
        var predicted: Double
        var purchasesBefore: Int
        var lastCategory: String?
    }

    func run() throws -> (result: Backtest.Result, decisions: [String: Decision], actual: [String: Set<String>]) {
        let catalog = try CatalogLoader.load(Self.catalogText, file: "eval-test.yaml")
        let collected = Collected()
        let result = try Backtest(configuration: configuration).run(
            .init(cutoff: Self.cutoff, horizonDays: Self.horizon, topK: 2, seed: 1, catalog: catalog, workers: 2)
        ) { client in
            let decision = Decision(
                items: client.recommendedItems, stage: client.stage, pAlive: client.pAlive, predicted: client.predictedPurchases,
                purchasesBefore: client.purchasesBefore, lastCategory: client.lastCategory)
            collected.state.withLock { state in
                state.decisions[client.clientID] = decision
                state.actual[client.clientID] = client.actualCategories
            }
        }
        let (decisions, actual) = collected.state.withLock { ($0.decisions, $0.actual) }
        return (result, decisions, actual)
    }

    /// What the workers hand back, behind a lock the compiler checks.
    final class Collected: Sendable {
        struct State {
            var decisions: [String: Decision] = [:]
            var actual: [String: Set<String>] = [:]
        }
        let state = Mutex(State())
    }
}

@Suite("Evaluation backtest against PostgreSQL", .serialized)
struct EvaluationBacktestTests {
    @Test("figures on a small population: everyone evaluated, the horizon's buyers counted, models fitted")
    func smallPopulation() throws {
        let db = try EvaluationTestDatabase()
        let (result, decisions, actual) = try db.run()
        let report = result.report
        #expect(report.population.clients == 40)
        #expect(decisions.count == 40)
        #expect(report.population.buyersBeforeCutoff == 32)
        #expect(report.population.buyersInHorizon == 13)          // i = 3, 6, …, 39
        #expect(report.population.purchasesInHorizon == 13)
        #expect(actual["C003"] == ["savings"])
        #expect(actual["C006"] == ["savings"])
        #expect(actual["C004"] == [])
        #expect(decisions["C005"]?.stage == .prospect)
        #expect(decisions["C005"]?.purchasesBefore == 0)
        #expect(decisions["C005"]?.items == ["offer-savings"])
        #expect(report.setup.cutoff == "2025-01-01" && report.setup.horizonEnd == "2025-04-01" && report.setup.topK == 2)
        #expect(report.methods.map(\.method) == EvaluationMethod.allCases)
        for method in report.methods { #expect(method.overall.buyers == 13) }
        #expect(result.models.lifetime != nil)
        #expect(report.models?.lifetimeModel == "mbgnbd")  // the default model
        #expect(report.calibration.clients == 40)
        #expect(report.aliveAUC.positives + report.aliveAUC.negatives == 32)
        #expect(report.setup.categories == ["insurance", "investment", "savings"])
        // The 16 offered nothing, and why: they own every offer's category (offers are not repeatable).
        #expect(decisions.values.filter(\.items.isEmpty).count == 16)
        #expect(report.population.noOfferReasons == ["ownership": 16])
        #expect(report.noOfferNote?.hasPrefix("the engine offered nothing to 16 of 40 clients (the check that dropped most offers: ownership 16)") == true)

        // The figures added beside the baselines, in the same run.
        let stages = Set(decisions.values.map(\.stage.rawValue))
        #expect(Set(report.setup.stagePopularCategories.keys) == stages)
        #expect(report.setup.stagePopularCategories.values.allSatisfy { $0.count == 2 })
        #expect(report.result(.stagePopularity)?.overall.buyers == 13)
        #expect(report.setup.bootstrap.buyers == 13 && report.setup.bootstrap.seed == 1)
        for method in report.methods { #expect(method.hitRateCI != nil && method.ndcgCI != nil) }
        let offered = decisions.values.reduce(0) { $0 + $1.items.count }
        #expect(report.propensityCalibration.offers == offered)
        #expect(report.propensityCalibration.deciles.allSatisfy { (0...1).contains($0.meanPredicted) })
        #expect(Set(report.offerItems.map(\.itemID)) == ["offer-savings", "offer-investment", "offer-insurance"])
        #expect(report.offerItems.map(\.recommended).reduce(0, +) == offered)
        for item in report.offerItems {
            let hits = decisions.filter { id, decision in
                decision.items.contains(item.itemID) && actual[id]?.contains(item.category) == true
            }.count
            #expect(item.hits == hits, "\(item.itemID)")
        }
    }

    @Test("purchases that stop inside the horizon are reported, with a note on calibration; a lull before later purchases is not")
    func dataEndingInsideTheHorizon() throws {
        let db = try EvaluationTestDatabase()
        // The newest purchase is C039's, on 2025-02-13: 43 days into the 90-day horizon.
        let cut = try db.run().result.report
        #expect(cut.setup.dataEnd == "2025-02-13")
        #expect(cut.setup.horizonCoveredDays == 43)
        // The truth is 43 days of purchases: the propensity is learned for them, or for the
        // clients' usual time between purchases when longer (every repeat buyer's is 70 days here),
        // exactly as a fit for that horizon; no purchase after the cutoff enters it.
        #expect(cut.setup.propensityHorizonDays == 70)
        let catalog = try CatalogLoader.load(EvaluationTestDatabase.catalogText, file: "eval-test.yaml")
        let direct = try PropensityFitter(configuration: db.configuration, connection: db.connection, kind: .mbgnbd,
                                          logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            .fit(asOf: EvaluationTestDatabase.cutoff, catalog: catalog, products: try CatalogStore(connection: db.connection).products(),
                 horizonDays: 70)
        #expect(try db.run().result.models.propensity == direct)
        #expect(direct?.horizonDays == 70)
        let note = try #require(cut.horizonNote)
        #expect(note.hasPrefix("the purchases end on 2025-02-13, 43 days into the 90-day horizon: the propensity is learned for 70 days"))
        #expect(cut.table().contains("; for 70 days, the span the purchases cover (at least the usual time between purchases)\n"))
        #expect(cut.table().contains("Note: \(note)."))
        let json = String(decoding: try EvaluationReport.jsonEncoder().encode(cut), as: UTF8.self)
        #expect(json.contains("\"data_end\" : \"2025-02-13\"") && json.contains("\"horizon_covered_days\" : 43"))

        // A purchase after the horizon: the quiet weeks are a lull, not the end of the data.
        try db.connection.execute("""
            INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount)
            VALUES ('C001', 'LATER', 'sav', timestamptz '2025-05-01', 100)
            """)
        let full = try db.run().result.report
        #expect(full.setup.dataEnd == nil)
        #expect(full.setup.horizonCoveredDays == 90)
        #expect(full.setup.propensityHorizonDays == 90)
        #expect(!full.table().contains("the span the purchases cover"))
        #expect(full.horizonNote == nil)
        #expect(!full.table().contains("Note: the purchases end"))
    }

    @Test("the propensity's span when the purchases stop early: the days covered, at least the usual gap (whole days up), at most the horizon")
    func propensityHorizonRule() {
        #expect(Backtest.propensityHorizon(covered: 1, usualGapDays: 7.8, horizonDays: 30) == 8)
        #expect(Backtest.propensityHorizon(covered: 1, usualGapDays: 7.8, horizonDays: 180) == 8)
        #expect(Backtest.propensityHorizon(covered: 43, usualGapDays: 70, horizonDays: 90) == 70)
        #expect(Backtest.propensityHorizon(covered: 43, usualGapDays: 70.000_000_01, horizonDays: 90) == 70)
        #expect(Backtest.propensityHorizon(covered: 43, usualGapDays: 10, horizonDays: 90) == 43)
        #expect(Backtest.propensityHorizon(covered: 2, usualGapDays: 38, horizonDays: 30) == 30)
        #expect(Backtest.propensityHorizon(covered: 0, usualGapDays: nil, horizonDays: 30) == 1)
        // The usual gap: the median over repeat buyers of recency / repeat occasions, in days.
        func summary(_ x: Int, _ recency: Double) -> CustomerSummary { CustomerSummary(frequency: x, recency: recency, age: recency + 1) }
        #expect(ModelFitter.usualGapDays([summary(1, 1): 2, summary(2, 4): 1, summary(0, 0): 5], timeUnitDays: 7) == 7)
        #expect(ModelFitter.usualGapDays([summary(1, 1): 1, summary(2, 4): 1], timeUnitDays: 7) == 10.5)
        #expect(ModelFitter.usualGapDays([summary(0, 0): 3], timeUnitDays: 7) == nil)
    }

    @Test("no row dated after the cutoff changes the features, the models or the recommendations")
    func noLeak() throws {
        let db = try EvaluationTestDatabase()
        // Where the purchases end sets the span the propensity is learned for
        // (`dataEndingInsideTheHorizon`): a purchase long after the horizon fixes it for every run
        // below, so only the rows they add could move anything.
        try db.connection.execute("""
            INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount)
            VALUES ('C001', 'END', 'sav', timestamptz '2027-01-01', 100)
            """)
        let before = try db.run()
        #expect(before.result.report.setup.dataEnd == nil && before.result.report.setup.propensityHorizonDays == 90)
        // The owned-set counts are part of the models compared below.
        #expect(before.result.models.affinity.ownedSets?.isEmpty == false)

        // After the horizon: purchases, life events, interactions, responses, and a whole new
        // client (first seen after the cutoff) who buys inside the horizon.
        try db.connection.execute("""
            INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount)
            SELECT 'C' || lpad(i::text, 3, '0'), 'F' || i || '-' || k, (ARRAY['ins', 'fund', 'sav'])[k],
                   timestamptz '2025-06-01' + (i + k * 9) * interval '1 day', 5000
            FROM generate_series(1, 40) i, generate_series(1, 3) k
            """)
        try db.connection.execute("""
            INSERT INTO life_events (client_id, event_id, kind, occurred_at)
            SELECT 'C' || lpad(i::text, 3, '0'), 'FE' || i, 'child_born', timestamptz '2025-05-01' + i * interval '1 day'
            FROM generate_series(1, 40) i
            """)
        try db.connection.execute("""
            INSERT INTO interactions (client_id, interaction_id, channel, kind, occurred_at)
            SELECT 'C' || lpad(i::text, 3, '0'), 'FI' || i || '-' || k, 'web', 'visit', timestamptz '2025-05-01' + (i + k) * interval '1 day'
            FROM generate_series(1, 40) i, generate_series(1, 5) k
            """)
        try db.connection.execute("""
            INSERT INTO responses (client_id, response_id, item_id, channel, presented_at, outcome, responded_at)
            SELECT 'C' || lpad(i::text, 3, '0'), 'FR' || i, (ARRAY['offer-insurance', 'offer-investment'])[1 + i % 2], 'web',
                   timestamptz '2025-05-01' + i * interval '1 day', 'declined', timestamptz '2025-05-02' + i * interval '1 day'
            FROM generate_series(1, 40) i
            """)
        try db.connection.execute("""
            INSERT INTO clients (client_id, first_seen, consents) VALUES ('C900', timestamptz '2025-01-20', '{email}')
            """)
        try db.connection.execute("""
            INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount)
            VALUES ('C900', 'N1', 'sav', timestamptz '2025-02-01', 100)
            """)
        let after = try db.run()
        #expect(after.result.models == before.result.models)
        #expect(after.decisions == before.decisions)
        #expect(after.actual == before.actual)
        #expect(after.result.report == before.result.report)

        // Inside the horizon: only the "actual" side may move.
        try db.connection.execute("""
            INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount)
            VALUES ('C001', 'IH1', 'ins', timestamptz '2025-02-15', 300), ('C002', 'IH2', 'fund', timestamptz '2025-03-31 23:00', 900)
            """)
        try db.connection.execute("""
            INSERT INTO life_events (client_id, event_id, kind, occurred_at)
            SELECT 'C' || lpad(i::text, 3, '0'), 'IE' || i, 'child_born', timestamptz '2025-01-02' + i * interval '1 day'
            FROM generate_series(1, 40) i
            """)
        try db.connection.execute("""
            INSERT INTO interactions (client_id, interaction_id, channel, kind, occurred_at)
            SELECT 'C' || lpad(i::text, 3, '0'), 'II' || i, 'web', 'review', timestamptz '2025-01-02' + i * interval '1 day'
            FROM generate_series(1, 40) i
            """)
        try db.connection.execute("""
            INSERT INTO responses (client_id, response_id, item_id, channel, presented_at, outcome, responded_at)
            SELECT 'C' || lpad(i::text, 3, '0'), 'IR' || i, 'offer-insurance', 'web',
                   timestamptz '2025-01-02' + i * interval '1 day', 'accepted', timestamptz '2025-01-03' + i * interval '1 day'
            FROM generate_series(1, 40) i
            """)
        let inside = try db.run()
        #expect(inside.result.models == before.result.models)
        #expect(inside.decisions == before.decisions)
        #expect(inside.actual["C001"] == ["insurance"])
        #expect(inside.actual["C002"] == ["investment"])
        #expect(inside.result.report.population.purchasesInHorizon == before.result.report.population.purchasesInHorizon + 2)
        #expect(inside.result.report.population.buyersInHorizon == before.result.report.population.buyersInHorizon + 2)
        for (id, categories) in before.actual where id != "C001" && id != "C002" { #expect(inside.actual[id] == categories) }
    }

    @Test("a reaction recorded after the cutoff to an earlier presentation is not known at the cutoff")
    func lateReaction() throws {
        let db = try EvaluationTestDatabase()
        try db.connection.execute("""
            INSERT INTO responses (client_id, response_id, item_id, channel, presented_at, outcome)
            VALUES ('C001', 'LATE', 'offer-insurance', 'web', timestamptz '2024-10-01', 'presented')
            """)
        let before = try db.run()
        try db.connection.execute("""
            UPDATE responses SET outcome = 'accepted', responded_at = timestamptz '2025-01-15' WHERE response_id = 'LATE'
            """)
        let after = try db.run()
        #expect(after.decisions == before.decisions)
        // The nightly ModelFitter reads each response's outcome as known at the as_of: the late
        // acceptance is still an unanswered presentation older than 30 days, a failure, as before.
        #expect(after.result.models == before.result.models)
    }

    @Test("no catalog: a not-found error that says how to load one")
    func noCatalog() throws {
        let db = try EvaluationTestDatabase()
        #expect {
            try Backtest(configuration: db.configuration).run(.init(cutoff: EvaluationTestDatabase.cutoff, horizonDays: 30))
        } throws: { error in
            guard let error = error as? StoreError else { return false }
            return error.code == .notFound && error.message.contains("waymark catalog load")
        }
    }
}
