import Foundation
import Postgres
import WaymarkCore
import Testing
@testable import WaymarkService
@testable import WaymarkStore

/// The protocol's side of issue 15: the channel filter before ranking, "not yet a client",
/// malformed ids and `top_k: 0`, as the CLI answers them.
@Suite(.serialized) struct UserViewMethodsTests {
    let database: ServiceTestDatabase

    init() throws {
        database = try ServiceTestDatabase()
        try database.connection.execute("""
            INSERT INTO clients (client_id, first_seen, segment, consents) VALUES
              ('W1', '2024-01-01T00:00:00Z', 'mass', '{email,web,phone,app}')
            """)
        _ = try CatalogStore(connection: database.connection).save("""
            version: "channels-1"
            items:
              - { id: offer-phone, kind: offer, title: Call us, category: extra, channels: [phone], value: 1000 }
              - { id: offer-web, kind: offer, title: On the web, category: more, channels: [web], value: 10 }
            """, file: "channels.yaml")
    }

    func offers(_ response: JSONValue) -> [String]? {
        guard case .array(let offers)? = response.result?["offers"] else { return nil }
        return offers.compactMap { $0["item"]?.stringValue }
    }

    @Test func aRequestedChannelFiltersBeforeRanking() throws {
        let server = PipeServer(database: database)
        defer { server.finish() }
        let any = try server.call("recommend", id: 1, #"{"client_id":"W1","top_k":1,"as_of":"2025-06-01"}"#)
        #expect(offers(any) == ["offer-phone"], "\(any.jsonText)")
        let web = try server.call("recommend", id: 2, #"{"client_id":"W1","top_k":1,"channel":"web","as_of":"2025-06-01","explain":true}"#)
        #expect(offers(web) == ["offer-web"], "\(web.jsonText)")
        guard case .array(let offerList)? = web.result?["offers"], case .array(let rejected)? = web.result?["not_recommended"] else {
            Issue.record("no offers or not_recommended: \(web.jsonText)")
            return
        }
        #expect(offerList.first?["channel"] == .string("web"))
        #expect(rejected.first?["check"] == .string("channel"))
    }

    @Test func beforeFirstSeenTheAnswerIsNotYetAClient() throws {
        let server = PipeServer(database: database)
        defer { server.finish() }
        let before = try server.call("recommend", id: 1, #"{"client_id":"W1","as_of":"2023-06-01"}"#)
        #expect(before.errorCode == -32006, "\(before.jsonText)")
        #expect(before.jsonText.contains(#""first_seen":"2024-01-01""#), "\(before.jsonText)")
        #expect(before.jsonText.contains(#""message":"Not yet a client""#), "\(before.jsonText)")
        #expect(try server.call("recommend", id: 2, #"{"client_id":"W1","as_of":"2024-01-01"}"#).result != nil)
    }

    @Test func malformedIDsAreInvalidParamsWithTheIDRuleAndTopKZeroMeansMessagesOnly() throws {
        let server = PipeServer(database: database)
        defer { server.finish() }
        let bad = try server.call("recommend", id: 1, #"{"client_id":"W 1"}"#)
        #expect(bad.errorCode == -32602)
        #expect(bad.jsonText.contains("expected an id: 1 to 64 of A-Z a-z 0-9 _ - . : @"), "\(bad.jsonText)")
        let zero = try server.call("recommend", id: 2, #"{"client_id":"W1","top_k":0,"as_of":"2025-06-01"}"#)
        #expect(offers(zero) == [], "\(zero.jsonText)")
        #expect(try server.call("recommend", id: 3, #"{"client_id":"W1","top_k":101}"#).errorCode == -32602)
    }
}
