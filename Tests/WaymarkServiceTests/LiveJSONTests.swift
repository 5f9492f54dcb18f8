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
        let text = #"""
            {"client_id":"C\"1\\","as_of":"2024-01-01","catalog_version":3,"catalog_document_version":"v1",
             "run_ids":[4,5],"models_as_of":"2023-12-31",
             "scores":{"stage":"active","stage_reason":"r\n","previous_stage":"onboarding","stage_since":"2023-01-01",
                       "p_alive":1.0,"expected_purchases_90d":1e-05,"clv_12m":1.2345678901234567e20,"tier":"Gold",
                       "points":-3,"points_to_next_tier":0,"advocate":true},
             "offers":[{"rank":1,"item":"o","kind":"offer","title":"Ö ☃","channel":"web","score":0.30000000000000004,
                        "text":"t","reasons":["a","b"],"trigger":"child_born","summary":"s",
                        "factors":{"priority":2.5,"acceptance":0,"lever":-0.0,"value":100,"activity":5e-324}}],
             "messages":[{"rank":1,"item":"m","kind":"message","title":"T","channel":"email","score":1,
                          "reasons":[],"summary":"","factors":{}}],
             "not_recommended":[{"item":"x","kind":"offer","check":"rule","reason":"no","priority":0.1},
                                {"item":"y","kind":"offer","check":"consent","reason":"no"}]}
            """#
        let answer = try JSONDecoder().decode(LiveRecommendations.self, from: Data(text.utf8))
        try Self.expectSame(answer)
        var bare = answer
        bare.modelsAsOf = nil
        bare.notRecommended = nil
        bare.scores.previousStage = nil
        bare.offers[0].text = nil
        bare.offers[0].trigger = nil
        try Self.expectSame(bare)
        #expect(bare.directJSON?["models_as_of"] == nil)
        var infinite = answer
        infinite.notRecommended?[0].priority = .infinity
        #expect(infinite.directJSON == nil)
    }
}
