import Foundation
import WaymarkCore
import Postgres
import Testing
@testable import WaymarkService

/// The server over pipes: everything the JSON-RPC 2.0 specification says about framing, errors,
/// batches and notifications, and that bad input never stops it.
@Suite(.serialized) struct ProtocolTests {
    let database: ServiceTestDatabase

    init() throws {
        database = try ServiceTestDatabase()
        try database.seed()
    }

    @Test func malformedInputIsAnsweredAndTheServerGoesOn() throws {
        let server = PipeServer(database: database, maximumLineBytes: 4096)
        defer { server.finish() }
        // Framing, JSON and request-shape errors (shared with the MCP face: HostileInputs).
        try HostileInputs.check(server, method: "health")
        // Unknown methods.
        let unknown = try server.call(#"{"jsonrpc":"2.0","method":"recomend","id":"a"}"#)
        #expect(unknown.errorCode == -32601)
        #expect(unknown["id"] == .string("a"))
        #expect(unknown["error"]?["data"]?["did_you_mean"] == .string("recommend"))
        // Wrong types, nulls, huge numbers in params.
        let wrong = try server.call("recommend", id: 9, #"{"client_id": 42, "top_k": 1e400, "explain": "yes", "colour": 1}"#)
        #expect(wrong.errorCode == -32602)
        let paths = wrong["error"]?["data"]?["errors"].flatMap { value -> [String]? in
            guard case .array(let errors) = value else { return nil }
            return errors.compactMap { $0["path"]?.stringValue }
        }
        #expect(paths == ["params.client_id", "params.top_k", "params.explain", "params.colour"])
        #expect(try server.call("recommend", id: 10, #"{"client_id": "C1", "top_k": 123456789012345678901234567890}"#).errorCode == -32602)
        #expect(try server.call("recommend", id: 11, #"{"client_id": null}"#).errorCode == -32602)
        #expect(try server.call("recommend", id: 12, #"["C1"]"#).errorCode == -32602)
        #expect(try server.call("record_purchase", id: 13, #"{"purchase_id": "P1", "client_id": "C1", "product_id": "fund-index", "purchased_at": "yesterday", "amount": -1}"#).errorCode == -32602)
        // And a valid request still succeeds.
        let health = try server.call(#"{"jsonrpc":"2.0","method":"health","id":"last"}"#)
        #expect(health["id"] == .string("last"))
        #expect(health.result?["status"] == .string("ok"))
        #expect(health.result?["database"]?["reachable"] == .bool(true))
        #expect(health.result?["catalog"]?["name"] == .string("Service test catalog"))
    }

    @Test func batchesAndNotifications() throws {
        let server = PipeServer(database: database)
        defer { server.finish() }
        // An empty batch: one invalid-request error.
        let empty = try server.call("[]")
        #expect(empty.errorCode == -32600)
        #expect(empty["id"] == .null)
        // A batch of invalid elements: one error each.
        guard case .array(let invalid) = try server.call("[1,2,3]") else { Issue.record("expected an array"); return }
        #expect(invalid.map(\.errorCode) == [-32600, -32600, -32600])
        // Notifications are never answered, even when they fail; a batch of notifications gets nothing.
        server.send(#"{"jsonrpc":"2.0","method":"health"}"#)
        server.send(#"{"jsonrpc":"2.0","method":"no_such_method"}"#)
        server.send(#"{"jsonrpc":"2.0","method":"recommend","params":{"top_k":"x"}}"#)
        server.send(#"[{"jsonrpc":"2.0","method":"health"},{"jsonrpc":"2.0","method":"health"}]"#)
        // A mixed batch: responses for the requests only, in order.
        let mixed = try server.call("""
            [{"jsonrpc":"2.0","method":"health","id":1},{"jsonrpc":"2.0","method":"health"},{"jsonrpc":"2.0","method":"nope","id":2},{"foo":"boo"},\
            {"jsonrpc":"2.0","method":"catalog","id":"c"}]
            """)
        guard case .array(let responses) = mixed else { Issue.record("expected an array, got \(mixed.jsonText)"); return }
        #expect(responses.map { $0["id"] } == [.integer(1), .integer(2), .null, .string("c")])
        #expect(responses.map(\.errorCode) == [nil, -32601, -32600, nil])
        // A notification that writes does write.
        server.send(#"{"jsonrpc":"2.0","method":"record_interaction","params":{"interaction_id":"I-n","client_id":"C1","channel":"web","kind":"visit","occurred_at":"2024-05-01T10:00:00Z"}}"#)
        #expect(try server.call("health", id: 99)["id"] == .integer(99))
        #expect(try database.count("interactions") == 1)
        // A null id is a request, answered with a null id.
        let nullID = try server.call(#"{"jsonrpc":"2.0","method":"health","id":null}"#)
        #expect(nullID["id"] == .null)
        #expect(nullID.result != nil)
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let server = PipeServer(database: database)
        var lines = ""
        for index in 0..<200 {
            lines += #"{"jsonrpc":"2.0","id":\#(index),"method":"record_interaction","params":{"interaction_id":"I\#(index % 50)","client_id":"C2","channel":"email","kind":"open","occurred_at":"2024-05-01T10:00:00Z"}}"# + "\n"
        }
        server.send(bytes: Array(lines.utf8))
        var ids: [Int] = []
        for _ in 0..<200 { ids.append(try #require(try server.readResponse()["id"]?.integerValue)) }
        #expect(ids == Array(0..<200))
        #expect(server.finish().isEmpty)
        #expect(try database.connection.execute("SELECT count(*) FROM interactions WHERE client_id = 'C2'").scalar(Int.self) == 50)
    }

    @Test func shutdownAnswersThenStops() throws {
        let server = PipeServer(database: database)
        let response = try server.call(#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#)
        #expect(response.result == .object([:]))
        server.send(#"{"jsonrpc":"2.0","id":2,"method":"health"}"#)  // after shutdown: never read
        #expect(server.finish().isEmpty)
    }

    @Test func unreachableDatabaseGivesDatabaseUnavailableAndHealthSaysSo() throws {
        var configuration = database.configuration()
        configuration.extraParameters["host"] = "/nonexistent/waymark-socket-dir"
        let server = PipeServer(configuration: ServerConfiguration(database: configuration, serverVersion: "t"))
        defer { server.finish() }
        let write = try server.call("upsert_client", id: 1, #"{"client_id":"C9","first_seen":"2024-01-01T00:00:00Z"}"#)
        #expect(write.errorCode == -32003)
        let health = try server.call("health", id: 2)
        #expect(health.result?["status"] == .string("degraded"))
        #expect(health.result?["database"]?["reachable"] == .bool(false))
        #expect(try server.call("catalog", id: 3).errorCode == -32003)
    }

    @Test func reconnectsAfterTheConnectionIsKilled() throws {
        let name = "svc-reconnect-" + UUID().uuidString.prefix(8)
        let server = PipeServer(database: database, applicationName: name)
        defer { server.finish() }
        #expect(try server.call("health", id: 1).result?["status"] == .string("ok"))
        let killed = try database.connection.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", [.text(name)]).scalar(Int.self)
        #expect(killed == 1)
        let write = try server.call("upsert_client", id: 2, #"{"client_id":"C-re","first_seen":"2024-01-01T00:00:00Z"}"#)
        #expect(write.result?["status"] == .string("inserted"), "\(write.jsonText)")
    }
}
