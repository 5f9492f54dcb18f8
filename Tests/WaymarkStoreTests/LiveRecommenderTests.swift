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
        // A programme without expiry, reviews or bonuses shows no separate balances.
        #expect(profile.loyalty == nil)
    }

    @Test("the profile shows redeemable and qualifying points apart after a redemption, and what expires when")
    func profileLoyalty() throws {
        let db = try RunsTestDatabase()
        _ = try CatalogStore(connection: db.connection).save(RunsTestDatabase.catalog + """

            loyalty:
              points_per_unit: 1
              qualifying_window_days: 0
              points_expire_after_days: 120
              tiers: [{ name: Silver, threshold: 50 }, { name: Gold, threshold: 500 }]
            """, file: "loyalty.yaml")
        let asOf = RunsTestDatabase.asOf
        try db.connection.execute("INSERT INTO clients (client_id, first_seen, consents) VALUES ('L1', timestamptz '2024-01-01', '{email}')")
        try db.connection.execute("""
            INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount) VALUES ('L1', 'L1-1', 'P-MORE', to_timestamp($1), 100)
            """, [.int(asOf.adding(days: -100).seconds)])
        try db.connection.execute("""
            INSERT INTO loyalty_ledger (client_id, entry_id, occurred_at, points, reason) VALUES ('L1', 'RED-1', to_timestamp($1), -30, 'redemption')
            """, [.int(asOf.adding(days: -10).seconds)])
        let profile = try ProfileReader(connection: db.connection, context: LiveContext()).profile(clientID: "L1", asOf: asOf)
        let loyalty = try #require(profile.loyalty)
        #expect(loyalty.redeemablePoints == 70 && loyalty.qualifyingPoints == 100)
        #expect(profile.scores.tier == "Silver" && profile.scores.points == 70)
        #expect(loyalty.expiring30d == 70 && loyalty.nextExpiries == [LiveProfile.Loyalty.Expiry(date: asOf.adding(days: 20).isoDate, points: 70)])
    }
}
