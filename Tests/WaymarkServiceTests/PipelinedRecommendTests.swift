import Foundation
import Logging
import Postgres
import Testing
@testable import WaymarkService
@testable import WaymarkStore
import WaymarkCore

/// Pipelined `recommend` calls: their snapshots are read in one statement
/// (``LiveContext/loadBatch(_:connection:)``), and every answer is the one the call gets alone.
@Suite(.serialized) struct PipelinedRecommendTests {
    let database: ServiceTestDatabase

    init() throws {
        database = try ServiceTestDatabase()
        try database.seed()
        // C3 has a bit of everything a snapshot holds, and two recorded stages.
        try database.connection.executeScript(unsafeSQL: """
            INSERT INTO clients (client_id, first_seen, birth_date, segment, region, consents, attributes)
              VALUES ('C3', '2022-05-01T08:00:00Z', '1980-02-03', 'mass', 'north', '{email,web,app}', '{"vip": true, "score": 7}');
            INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount, quantity, channel) VALUES
              ('C3', 'P1', 'home-cover', '2023-01-10T10:00:00Z', 240.00, 1, 'web'),
              ('C3', 'P2', 'home-cover', '2023-06-10T10:00:00Z', 120.50, 2, 'store'),
              ('C1', 'P3', 'home-cover', '2024-01-10T10:00:00Z', 99.99, 1, NULL);
            INSERT INTO life_events (client_id, event_id, kind, occurred_at) VALUES ('C3', 'E1', 'child_born', '2024-01-20T00:00:00Z');
            INSERT INTO interactions (client_id, interaction_id, channel, kind, occurred_at, item_id) VALUES
              ('C3', 'I1', 'web', 'visit', '2024-02-01T12:00:00Z', NULL), ('C3', 'I2', 'email', 'click', '2024-02-02T12:00:00Z', 'offer-fund');
            INSERT INTO responses (client_id, response_id, item_id, channel, presented_at, outcome, responded_at) VALUES
              ('C3', 'R1', 'msg-welcome', 'email', '2024-02-03T09:00:00Z', 'opened', '2024-02-03T10:00:00Z');
            INSERT INTO loyalty_ledger (client_id, entry_id, occurred_at, points, reason) VALUES ('C3', 'L1', '2024-02-04T00:00:00Z', 50, 'bonus');
            INSERT INTO stage_history (client_id, changed_at, stage, previous, reason) VALUES
              ('C3', '2023-01-10T10:00:00Z', 'onboarding', 'prospect', 'first purchase'),
              ('C3', '2023-12-01T00:00:00Z', 'active', 'onboarding', 'second purchase');
            """)
    }

    static func time(_ date: String) throws -> Timestamp { try #require(Timestamp(isoDate: date)) }

    @Test func aBatchLoadReadsWhatTheOneClientLoaderReads() throws {
        let connection = database.connection
        let keys = [("C3", "2024-03-10"), ("C3", "2023-06-01"), ("C1", "2024-03-10"), ("NOBODY", "2024-03-10"), ("C3", "2024-03-10"), ("C2", "2022-01-01")]
        let batch = try LiveContext().loadBatch(try keys.map { LiveContext.BatchKey(clientID: $0.0, asOf: try Self.time($0.1)) }, connection: connection)
        #expect(batch.snapshots.count == 5)
        #expect(batch.state.catalogVersion == 1)
        for (clientID, date) in keys {
            let moment = try Self.time(date)
            let alone = try SnapshotLoader(connection: connection).load(clientID: clientID, asOf: moment)
            let together = try #require(batch.snapshots[LiveContext.BatchKey(clientID: clientID, asOf: moment)], "\(clientID) \(date)")
            #expect((alone == nil) == (together == nil), "\(clientID) \(date)")
            guard let alone, let together else { continue }
            #expect(together.profile == alone.profile)
            #expect(together.recordedStage == alone.recordedStage, "\(clientID) \(date)")
            // Rows come in no particular order in either query (the engine orders them).
            #expect(Set(together.purchases) == Set(alone.purchases) && together.purchases.count == alone.purchases.count)
            #expect(Set(together.lifeEvents) == Set(alone.lifeEvents) && together.lifeEvents.count == alone.lifeEvents.count)
            #expect(Set(together.interactions) == Set(alone.interactions) && together.interactions.count == alone.interactions.count)
            #expect(Set(together.responses) == Set(alone.responses) && together.responses.count == alone.responses.count)
            #expect(Set(together.loyaltyLedger) == Set(alone.loyaltyLedger) && together.loyaltyLedger.count == alone.loyaltyLedger.count)
        }
        let c3 = try #require(batch.snapshots[LiveContext.BatchKey(clientID: "C3", asOf: try Self.time("2024-03-10"))] ?? nil)
        #expect(c3.purchases.count == 2 && c3.interactions.count == 2 && c3.responses.count == 1 && c3.loyaltyLedger.count == 1)
        #expect(c3.recordedStage?.stage == .active)
        let earlier = try #require(batch.snapshots[LiveContext.BatchKey(clientID: "C3", asOf: try Self.time("2023-06-01"))] ?? nil)
        #expect(earlier.recordedStage?.stage == .onboarding)
    }

    @Test func preparedSnapshotsServeTheRunAndAreDroppedAfterIt() throws {
        let store = LiveStore(configuration: database.configuration(), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let live = LiveMethods(store: store)
        let params: [JSONValue?] = [
            try JSONParser.parse(#"{"client_id":"C3","as_of":"2024-03-10"}"#),
            try JSONParser.parse(#"{"client_id":"C1","as_of":"2024-03-10"}"#),
            try JSONParser.parse(#"{"client_id":5}"#),  // invalid: left out, fails by itself
        ]
        let alone = try live.recommend(params[0])
        live.prefetcher.prepare(params)
        // Read ahead: a change made now (by another writer) is not seen inside the run…
        try database.connection.execute("DELETE FROM purchases WHERE client_id = 'C3'")
        #expect(try live.recommend(params[0]) == alone)
        #expect(throws: RPCError.self) { try live.recommend(params[2]) }
        live.prefetcher.finish()
        // …and is seen by the next call after it.
        let after = try live.recommend(params[0])
        #expect(alone["scores"]?["stage"] != .string("prospect"), "\(alone.jsonText)")
        #expect(after["scores"]?["stage"] == .string("prospect"), "\(after.jsonText)")
    }

    @Test func pipelinedCallsGetTheAnswersTheyGetAloneInOrder() throws {
        let server = PipeServer(database: database)
        defer { server.finish() }
        let c1 = #"{"client_id":"C1","as_of":"2024-03-10","explain":true}"#
        let c3 = #"{"client_id":"C3","as_of":"2024-03-10","top_k":1}"#
        let aloneC1 = try server.call("recommend", id: 100, c1)
        let aloneC3 = try server.call("recommend", id: 101, c3)
        #expect(aloneC1.result?["offers"] != nil && aloneC3.result?["offers"] != nil)
        func request(_ id: Int?, _ params: String) -> String {
            #"{"jsonrpc":"2.0",\#(id.map { #""id":\#($0),"# } ?? "")"method":"recommend","params":\#(params)}"#
        }
        let lines = [
            request(1, c1), request(2, c3), request(3, #"{"client_id":"NOBODY"}"#), request(4, #"{"client_id":5}"#),
            request(nil, c1), request(6, c1), request(7, #"{"client_id":"C3"}"#),
            #"{"jsonrpc":"2.0","id":8,"method":"record_response","params":{"response_id":"R9","client_id":"C1","item_id":"offer-fund","channel":"email","presented_at":"2024-03-08T09:00:00Z","outcome":"declined","responded_at":"2024-03-08T10:00:00Z"}}"#,
            request(9, #"{"client_id":"C1","as_of":"2024-03-10"}"#), request(10, c3),
        ]
        server.send(lines.map { $0 + "\n" }.joined())  // one write: the server finds them all buffered
        var responses: [JSONValue] = []
        for _ in 0..<9 { responses.append(try server.readResponse()) }
        #expect(responses.map { $0["id"]?.integerValue } == [1, 2, 3, 4, 6, 7, 8, 9, 10])
        #expect(responses[0].result == aloneC1.result)
        #expect(responses[1].result == aloneC3.result)
        #expect(responses[2].errorCode == -32001)
        #expect(responses[3].errorCode == -32602)
        #expect(responses[4].result == aloneC1.result)
        #expect(responses[5].result?["client_id"] == .string("C3"))
        #expect(responses[6].result?["status"] == .string("inserted"))
        // The decline recorded in the middle is seen by the call after it.
        #expect(aloneC1.result?["offers"]?.arrayCount == 1)
        #expect(responses[7].result?["offers"]?.arrayCount == 0, "\(responses[7].jsonText)")
        #expect(responses[8].result == aloneC3.result)
    }

    @Test func aBatchOfRecommendsIsAnsweredAsSingleCallsAre() throws {
        let server = PipeServer(database: database)
        defer { server.finish() }
        let c3 = #"{"client_id":"C3","as_of":"2024-03-10"}"#
        let alone = try server.call("recommend", id: 1, c3)
        let batch = try server.call(#"[{"jsonrpc":"2.0","id":2,"method":"recommend","params":\#(c3)},"#
            + #"{"jsonrpc":"2.0","id":3,"method":"recommend","params":{"client_id":"NOBODY"}},"#
            + #"{"jsonrpc":"2.0","id":4,"method":"recommend","params":\#(c3)}]"#)
        guard case .array(let answers) = batch else {
            Issue.record("expected an array, got \(batch.jsonText)")
            return
        }
        #expect(answers.map { $0["id"]?.integerValue } == [2, 3, 4])
        #expect(answers.first?.result == alone.result)
        #expect(answers.dropFirst().first?.errorCode == -32001)
        #expect(answers.last?.result == alone.result)
    }

    @Test func pipelinedCallsEachGetNotReadyWithoutACatalog() throws {
        try database.connection.execute("DELETE FROM catalogs")
        let server = PipeServer(database: database)
        defer { server.finish() }
        server.send((1...3).map { #"{"jsonrpc":"2.0","id":\#($0),"method":"recommend","params":{"client_id":"C3"}}"# + "\n" }.joined())
        for id in 1...3 {
            let response = try server.readResponse()
            #expect(response["id"]?.integerValue == id)
            #expect(response.errorCode == -32005, "\(response.jsonText)")
        }
    }

    @Test func pipelinedCallsEachGetDatabaseUnavailable() throws {
        var configuration = database.configuration()
        configuration.extraParameters["host"] = "/nonexistent/waymark-socket-dir"
        let server = PipeServer(configuration: ServerConfiguration(database: configuration, serverVersion: "t"))
        defer { server.finish() }
        let lines = (1...3).map { #"{"jsonrpc":"2.0","id":\#($0),"method":"recommend","params":{"client_id":"C\#($0)"}}"# }
        server.send(lines.map { $0 + "\n" }.joined())
        for id in 1...3 {
            let response = try server.readResponse()
            #expect(response["id"]?.integerValue == id)
            #expect(response.errorCode == -32003, "\(response.jsonText)")
        }
    }
}

extension JSONValue {
    /// The number of elements of an array (nil for anything else).
    var arrayCount: Int? {
        if case .array(let elements) = self { return elements.count }
        return nil
    }
}
