import Foundation
import WaymarkCore
import Postgres
import Testing
@testable import WaymarkService

/// `recommend` and `profile` through the server, and that a recorded response changes the next answer.
@Suite(.serialized) struct LiveMethodsTests {
    let database: ServiceTestDatabase

    init() throws {
        database = try ServiceTestDatabase()
        try database.seed()
    }

    func offerIDs(_ response: JSONValue) -> [String]? {
        guard case .array(let offers)? = response.result?["offers"] else { return nil }
        return offers.compactMap { $0["item"]?.stringValue }
    }

    @Test func aDeclinedOfferIsNotRecommendedNextTime() throws {
        let server = PipeServer(database: database)
        defer { server.finish() }
        let before = try server.call("recommend", id: 1, #"{"client_id":"C1","as_of":"2024-03-10","explain":true}"#)
        #expect(before.result?["client_id"] == .string("C1"), "\(before.jsonText)")
        #expect(offerIDs(before) == ["offer-fund"], "\(before.jsonText)")
        let declined = try server.call("record_response", id: 2, #"{"response_id":"R1","client_id":"C1","item_id":"offer-fund","channel":"email","presented_at":"2024-03-08T09:00:00Z","outcome":"declined","responded_at":"2024-03-08T10:00:00Z"}"#)
        #expect(declined.result?["status"] == .string("inserted"))
        let after = try server.call("recommend", id: 3, #"{"client_id":"C1","as_of":"2024-03-10"}"#)
        #expect(offerIDs(after) == [], "\(after.jsonText)")
    }

    @Test func aBriefAnswerIsTheFullOneWithoutTheExplanation() throws {
        let server = PipeServer(database: database)
        defer { server.finish() }
        let full = try server.call("recommend", id: 1, #"{"client_id":"C1","as_of":"2024-03-10"}"#)
        let brief = try server.call("recommend", id: 2, #"{"client_id":"C1","as_of":"2024-03-10","detail":"brief"}"#)
        guard case .array(let fullItems)? = full.result?["offers"], case .array(let briefItems)? = brief.result?["offers"],
              let first = fullItems.first, let short = briefItems.first else {
            Issue.record("no offers: \(full.jsonText) / \(brief.jsonText)")
            return
        }
        #expect(offerIDs(full) == offerIDs(brief))
        #expect(first["factors"] != nil && first["summary"] != nil)
        #expect(short["factors"] == nil && short["summary"] == nil && short["propensity_reasons"] == nil, "\(brief.jsonText)")
        for key in ["item", "kind", "rank", "title", "channel", "score", "reasons"] {
            #expect(short[key] == first[key], "\(key)")
        }
        #expect(brief.result?["scores"] == full.result?["scores"])
        #expect(brief.jsonText.utf8.count < full.jsonText.utf8.count)
        #expect(try server.call("recommend", id: 3, #"{"client_id":"C1","detail":"short"}"#).errorCode == -32602)
    }

    @Test func unknownClientsAndMissingCatalogsHaveTheirCodes() throws {
        let server = PipeServer(database: database)
        defer { server.finish() }
        let unknown = try server.call("recommend", id: 1, #"{"client_id":"NOBODY"}"#)
        #expect(unknown.errorCode == -32001)
        #expect(try server.call("profile", id: 2, #"{"client_id":"NOBODY"}"#).errorCode == -32001)
        let profile = try server.call("profile", id: 3, #"{"client_id":"C1","as_of":"2024-03-10T00:00:00Z"}"#)
        #expect(profile.result?["client_id"] == .string("C1"), "\(profile.jsonText)")
        try database.connection.execute("DELETE FROM catalogs")
        #expect(try server.call("recommend", id: 4, #"{"client_id":"C1"}"#).errorCode == -32005)
        #expect(try server.call("catalog", id: 5).errorCode == -32005)
    }
}
