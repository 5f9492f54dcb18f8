import Foundation
import Postgres
import Testing
import WaymarkCore
@testable import WaymarkStore

@Suite("Live recommendations and profiles", .serialized)
struct LiveRecommenderTests {
    @Test("recommend reflects a purchase recorded a minute ago")
    func reflectsRecentPurchase() throws {
        let db = try RunsTestDatabase()
        _ = try db.run()
        let context = LiveContext()
        let recommender = LiveRecommender(connection: db.connection, context: context)
        let before = try recommender.recommend(clientID: "C003")
        #expect(before.scores.stage == "prospect")
        #expect(before.offers.map(\.item) == ["offer-lead"])
        #expect(before.runIDs == (try db.currentRuns()))
        try db.connection.execute("""
            INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount)
            VALUES ('C003', 'NOW-1', 'P-START', now() - interval '1 minute', 49)
            """)
        let after = try recommender.recommend(clientID: "C003", explain: true)
        #expect(after.scores.stage == "onboarding")
        #expect(!after.offers.contains { $0.item == "offer-lead" })
        #expect(after.messages.first?.item == "msg-thanks")
        #expect(after.messages.first?.text == "Thank you, C003")
        let lead = try #require(after.notRecommended?.first { $0.item == "offer-lead" })
        #expect(lead.check == "rule")
    }

    @Test("an unknown client is .notFound; the cache follows a newer catalog")
    func unknownClientAndCatalogRefresh() throws {
        let db = try RunsTestDatabase()
        let context = LiveContext()
        let recommender = LiveRecommender(connection: db.connection, context: context)
        do {
            _ = try recommender.recommend(clientID: "NOPE")
            Issue.record("expected notFound")
        } catch let error as StoreError {
            #expect(error.code == .notFound)
        }
        #expect(try recommender.recommend(clientID: "C001").catalogDocumentVersion == "test-1")
        _ = try CatalogStore(connection: db.connection).save(RunsTestDatabase.catalog.replacingOccurrences(of: "test-1", with: "test-2"), file: "t2.yaml")
        #expect(try recommender.recommend(clientID: "C001").catalogDocumentVersion == "test-2")
    }

    @Test("the profile shows stage history, timeline and the last run's recommendations")
    func profile() throws {
        let db = try RunsTestDatabase()
        let summary = try db.run()
        let profile = try ProfileReader(connection: db.connection, context: LiveContext()).profile(clientID: "C002", asOf: RunsTestDatabase.asOf)
        #expect(profile.facts.purchaseCount == 3)
        #expect(profile.stageHistory.count == 1)
        #expect(profile.stageHistory.first?.runID == summary.runID)
        #expect(profile.timeline.filter { $0.what == "purchase" }.count == 3)
        #expect(profile.lastRun?.runID == summary.runID)
        #expect(profile.lastRun?.recommendations.isEmpty == false)
    }
}
