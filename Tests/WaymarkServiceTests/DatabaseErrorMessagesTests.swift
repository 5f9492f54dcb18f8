import Foundation
import Postgres
import Testing
import WaymarkCore
@testable import WaymarkService

/// Issue 14: database failures reach an integrator without SQL, yet saying what failed and what to
/// do: a missing table, a constraint the data breaks, a statement timeout, a connection killed
/// twice in one call, a database that cannot be reached; on the JSON-RPC and the MCP face.
@Suite(.serialized) struct DatabaseErrorMessagesTests {
    let database: ServiceTestDatabase

    init() throws {
        database = try ServiceTestDatabase()
        try database.seed()
    }

    /// Fails the test when `text` carries SQL: a keyword of a statement, or a statement's text.
    static func expectNoSQL(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        for fragment in ["SELECT ", "INSERT ", "UPDATE ", "DELETE ", "COPY ", " WHERE ", " FROM ", "LOCK TABLE", "ON CONFLICT", "Statement:", "$1"] {
            #expect(!text.contains(fragment), "SQL (\(fragment)) in a message: \(text)", sourceLocation: sourceLocation)
        }
    }

    /// A response's `error.data.detail`, and the whole line checked for SQL.
    func detail(_ response: JSONValue, code: Int, sourceLocation: Testing.SourceLocation = #_sourceLocation) -> String {
        #expect(response.errorCode == code, "\(response.jsonText)", sourceLocation: sourceLocation)
        Self.expectNoSQL(response.jsonText, sourceLocation: sourceLocation)
        return response["error"]?["data"]?["detail"]?.stringValue ?? ""
    }

    /// A second session holding `tables` in ACCESS EXCLUSIVE mode until `body` returns.
    func holdingLock<T>(on tables: String, _ body: () throws -> T) throws -> T {
        let locker = try Connection(configuration: database.configuration(applicationName: "svc-locker"))
        try locker.execute("BEGIN")
        try locker.execute("LOCK TABLE \(tables) IN ACCESS EXCLUSIVE MODE")
        defer { _ = try? locker.execute("ROLLBACK") }
        return try body()
    }

    /// Waits until a session of `applicationName` other than those of `excluded` waits for a lock;
    /// returns its process id, nil when none did within 10 s.
    func lockWaiter(_ applicationName: String, excluding excluded: [Int]) throws -> Int? {
        let others = excluded.isEmpty ? "" : " AND pid NOT IN (\(excluded.map(String.init).joined(separator: ",")))"
        for _ in 0..<400 {
            let waiting = try database.connection.execute("""
                SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'\(others)
                """, [.text(applicationName)])
            if waiting.rowCount > 0 { return try waiting.decode(Int.self, row: 0, column: 0) }
            Thread.sleep(forTimeInterval: 0.025)
        }
        return nil
    }

    @Test func aMissingTableSaysRunMigrate() throws {
        let server = PipeServer(database: database)
        defer { server.finish() }
        try database.connection.execute("DROP TABLE responses")
        let recommend = detail(try server.call("recommend", id: 1, #"{"client_id":"C1","as_of":"2024-06-01T00:00:00Z"}"#), code: -32603)
        #expect(recommend.contains("relation \"responses\" does not exist"), "\(recommend)")
        #expect(recommend.contains("run waymark migrate"), "\(recommend)")
        let write = detail(try server.call("record_response", id: 2, #"{"response_id":"R1","client_id":"C1","item_id":"offer-fund","channel":"email","presented_at":"2024-03-01T10:00:00Z","outcome":"accepted"}"#), code: -32603)
        #expect(write.contains("run waymark migrate"), "\(write)")
    }

    @Test func aConstraintTheDataBreaksIsNamed() throws {
        let server = PipeServer(database: database)
        defer { server.finish() }
        try database.connection.execute("ALTER TABLE clients ADD CONSTRAINT segment_allowed CHECK (segment IS DISTINCT FROM 'forbidden')")
        let text = detail(try server.call("upsert_client", id: 1, #"{"client_id":"C7","first_seen":"2024-01-01T00:00:00Z","segment":"forbidden"}"#), code: -32603)
        #expect(text.contains("segment_allowed"), "\(text)")
        #expect(text.contains("nothing was stored"), "\(text)")
        #expect(try database.connection.execute("SELECT count(*) FROM clients WHERE client_id = 'C7'").scalar(Int.self) == 0)
    }

    @Test func aStatementTimeoutSaysSo() throws {
        var configuration = database.configuration(applicationName: "svc-timeout")
        configuration.extraParameters["options"] = "-c search_path=\(database.schema) -c statement_timeout=300"
        let server = PipeServer(configuration: ServerConfiguration(database: configuration, serverVersion: "t"))
        defer { server.finish() }
        let text = try holdingLock(on: "clients") {
            detail(try server.call("upsert_client", id: 1, #"{"client_id":"C8","first_seen":"2024-01-01T00:00:00Z"}"#), code: -32603)
        }
        #expect(text.contains("statement timeout"), "\(text)")
        #expect(text.contains("statement_timeout"), "\(text)")
        // Once the table is free, the same call goes through.
        let again = try server.call("upsert_client", id: 2, #"{"client_id":"C8","first_seen":"2024-01-01T00:00:00Z"}"#)
        #expect(again.result?["status"] == .string("inserted"), "\(again.jsonText)")
    }

    @Test func aConnectionKilledInTheMiddleOfACallTwiceIsDatabaseUnavailable() throws {
        let name = "svc-killed-" + UUID().uuidString.prefix(8)
        let server = PipeServer(database: database, applicationName: name)
        defer { server.finish() }
        #expect(try server.call("health", id: 1).result?["status"] == .string("ok"))
        let response = try holdingLock(on: "clients") {
            server.send(#"{"jsonrpc":"2.0","id":2,"method":"upsert_client","params":{"client_id":"C9","first_seen":"2024-01-01T00:00:00Z"}}"#)
            // The call is retried once on a new connection after a loss: kill both (each by its
            // own process id: a killed backend may still be listed for a moment).
            var killed: [Int] = []
            for _ in 0..<2 {
                let pid = try #require(try lockWaiter(name, excluding: killed), "the server never waited for the lock")
                try database.connection.execute("SELECT pg_terminate_backend(\(pid))")
                killed.append(pid)
            }
            return try server.readResponse()
        }
        #expect(!detail(response, code: -32003).isEmpty)
        let again = try server.call("upsert_client", id: 3, #"{"client_id":"C9","first_seen":"2024-01-01T00:00:00Z"}"#)
        #expect(again.result?["status"] == .string("inserted"), "\(again.jsonText)")
    }

    @Test func anUnreachableDatabaseIsDatabaseUnavailable() throws {
        var configuration = database.configuration()
        configuration.extraParameters["host"] = "/nonexistent/waymark-socket-dir"
        let server = PipeServer(configuration: ServerConfiguration(database: configuration, serverVersion: "t"))
        defer { server.finish() }
        let text = detail(try server.call("recommend", id: 1, #"{"client_id":"C1"}"#), code: -32003)
        #expect(text.contains("cannot be reached"), "\(text)")
    }

    @Test func theMCPFaceSaysTheSameWithoutSQL() throws {
        let server = PipeServer(database: database, face: .mcp(allowWrites: false))
        defer { server.finish() }
        _ = try server.call("initialize", id: 1, #"{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"test","version":"1"}}"#)
        try database.connection.execute("DROP TABLE purchases")
        let response = try server.call("tools/call", id: 2, #"{"name":"profile","arguments":{"client_id":"C1"}}"#)
        Self.expectNoSQL(response.jsonText)
        let text = response.result?["content"]?[0]?["text"]?.stringValue ?? ""
        #expect(response.result?["isError"] == .bool(true), "\(response.jsonText)")
        #expect(text.contains("relation \"purchases\" does not exist") && text.contains("run waymark migrate"), "\(text)")
    }
}
