import Foundation
import Postgres
import Testing
import WaymarkCore
@testable import WaymarkService
@testable import WaymarkStore

/// `recommend`'s answer built directly as JSON is exactly what the encoder made of it.
@Suite(.serialized) struct LiveJSONTests {
    static func expectSame(_ answer: LiveRecommendations) throws {
        let direct = try #require(answer.directJSON)
        let encoded = try JSONValue(encoding: answer)
        #expect(direct.jsonText == encoded.jsonText)
        #expect(direct == encoded)
    }

    @Test func realAnswersWithAndWithoutExplanations() throws {
        let database = try ServiceTestDatabase()
        try database.seed()
        let context = LiveContext()
        let recommender = LiveRecommender(connection: database.connection, context: context)
        let asOf = try #require(Timestamp(isoDate: "2024-03-10"))
        for explain in [false, true] {
            let answer = try recommender.recommend(clientID: "C1", asOf: asOf, explain: explain)
            #expect(!answer.offers.isEmpty)
            #expect((answer.notRecommended != nil) == explain)
            try Self.expectSame(answer)
        }
    }

    @Test func awkwardNumbersAndOptionalMembers() throws {
        let answer = LiveRecommendations(
            clientID: "C\"1\\", asOf: "2024-01-01", catalogVersion: 3, catalogDocumentVersion: "v1",
            runIDs: [4, 5], modelsAsOf: "2023-12-31",
            scores: LiveScores(stage: "active", stageReason: "r\n", previousStage: "onboarding", stageSince: "2023-01-01",
                               pAlive: 1.0, expectedPurchases90d: 1e-05, clv12m: 1.2345678901234567e20, tier: "Gold",
                               points: -3, pointsToNextTier: 0, advocate: true),
            offers: [LiveRecommendation(rank: 1, item: "o", kind: "offer", title: "Ö ☃", channel: "web", score: 0.30000000000000004,
                                        text: "t", reasons: ["a", "b"], trigger: "child_born", summary: "s",
                                        factors: ["priority": 2.5, "acceptance": 0, "lever": -0.0, "value": 100, "activity": .leastNonzeroMagnitude])],
            messages: [LiveRecommendation(rank: 1, item: "m", kind: "message", title: "T", channel: "email", score: 1,
                                          text: nil, reasons: [], trigger: nil, summary: "", factors: [:])],
            notRecommended: [LiveRejection(item: "x", kind: "offer", check: "rule", reason: "no", priority: 0.1),
                             LiveRejection(item: "y", kind: "offer", check: "consent", reason: "no", priority: nil)])
        try Self.expectSame(answer)
        var bare = answer
        bare.modelsAsOf = nil
        bare.notRecommended = nil
        bare.scores.previousStage = nil
        bare.offers[0].text = nil
        bare.offers[0].trigger = nil
        try Self.expectSame(bare)
        // An absent value is null, the member always there (issue 15's output convention).
        #expect(bare.directJSON?["models_as_of"] == .null)
        #expect(bare.directJSON?["scores"]?["previous_stage"] == .null)
        #expect(bare.directJSON?["offers"]?[0]?["text"] == .null)
        #expect(bare.directJSON?["offers"]?[0]?["trigger"] == .null)
        #expect(bare.directJSON?["not_recommended"] == nil)
        var infinite = answer
        infinite.notRecommended?[0].priority = .infinity
        #expect(infinite.directJSON == nil)
    }
}
