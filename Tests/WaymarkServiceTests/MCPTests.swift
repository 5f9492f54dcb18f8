import Foundation
import Testing
import WaymarkCore
@testable import WaymarkService

/// `serve --mcp` over pipes: the MCP lifecycle, the listings, every tool's structured result and
/// text, tool errors as results with `isError`, protocol errors as JSON-RPC errors, and the
/// hostile input of the stdio server.
@Suite(.serialized) struct MCPTests {
    let database: ServiceTestDatabase

    init() throws {
        database = try ServiceTestDatabase()
        try database.seed()
    }

    func server(allowWrites: Bool = false, maximumLineBytes: Int = 1 << 20) -> PipeServer {
        PipeServer(database: database, maximumLineBytes: maximumLineBytes, face: .mcp(allowWrites: allowWrites))
    }

    /// Calls a tool; returns the `tools/call` result.
    func tool(_ server: PipeServer, _ name: String, _ arguments: String, id: Int = 7) throws -> JSONValue {
        let response = try server.call("tools/call", id: id, #"{"name":"\#(name)","arguments":\#(arguments)}"#)
        return try #require(response.result, "\(name): \(response.jsonText)")
    }

    func text(_ result: JSONValue) -> String {
        result["content"]?[0]?["text"]?.stringValue ?? ""
    }

    @Test func initializeNegotiatesTheVersionAndListsWhatIsOffered() throws {
        let server = server()
        defer { server.finish() }
        let initialize = try server.call("initialize", id: 1, #"{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"test","version":"1"}}"#)
        #expect(initialize.result?["protocolVersion"] == .string("2025-03-26"))
        #expect(initialize.result?["serverInfo"]?["name"] == .string("waymark"))
        for capability in ["tools", "resources", "prompts"] {
            #expect(initialize.result?["capabilities"]?[capability] != nil)
        }
        let newest = try server.call("initialize", id: 2, #"{"protocolVersion":"1999-01-01","capabilities":{}}"#)
        #expect(newest.result?["protocolVersion"] == .string("2025-06-18"))
        #expect(try server.call("initialize", id: 3, #"{"capabilities":{}}"#).errorCode == -32602)
        // The notification is not answered: the next line out is ping's.
        server.send(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        let ping = try server.call("ping", id: 4)
        #expect(ping["id"] == .integer(4))
        #expect(ping.result == .object([:]))

        let tools = try server.call("tools/list", id: 5)
        guard case .array(let list)? = tools.result?["tools"] else { Issue.record("no tools: \(tools.jsonText)"); return }
        #expect(list.compactMap { $0["name"]?.stringValue } == ["recommend", "profile", "explain_decision", "search_clients"])
        for tool in list {
            #expect(tool["inputSchema"]?["type"] == .string("object"))
            #expect(tool["annotations"]?["readOnlyHint"] == .bool(true))
        }
        let resources = try server.call("resources/list", id: 6)
        #expect(resources.result?["resources"]?[0]?["uri"] == .string("waymark://catalog"))
        #expect(resources.result?["resources"]?[1]?["uri"] == .string("waymark://facts"))
        let catalog = try server.call("resources/read", id: 7, #"{"uri":"waymark://catalog"}"#)
        let catalogText = try #require(catalog.result?["contents"]?[0]?["text"]?.stringValue)
        #expect(try JSONParser.parse(catalogText)["items"]?[0]?["title"] == .string("Start investing with an index fund"))
        let facts = try server.call("resources/read", id: 8, #"{"uri":"waymark://facts"}"#)
        #expect(facts.result?["contents"]?[0]?["mimeType"] == .string("text/markdown"))
        #expect(facts.result?["contents"]?[0]?["text"]?.stringValue?.contains("| `clv_12m` | double |") == true)
        #expect(try server.call("resources/read", id: 9, #"{"uri":"waymark://nothing"}"#).errorCode == -32002)

        let prompts = try server.call("prompts/list", id: 10)
        #expect(prompts.result?["prompts"]?[0]?["name"] == .string("prepare_meeting"))
        let prompt = try server.call("prompts/get", id: 11, #"{"name":"prepare_meeting","arguments":{"client_id":"C1"}}"#)
        #expect(prompt.result?["messages"]?[0]?["content"]?["text"]?.stringValue?.contains("client C1") == true)
        #expect(try server.call("prompts/get", id: 12, #"{"name":"prepare_meeting","arguments":{}}"#).errorCode == -32602)
        #expect(try server.call("prompts/get", id: 13, #"{"name":"other"}"#).errorCode == -32602)
    }

    @Test func everyToolAnswersStructuredContentAndAText() throws {
        let server = server(allowWrites: true)
        defer { server.finish() }
        let tools = try server.call("tools/list", id: 1)
        guard case .array(let list)? = tools.result?["tools"] else { Issue.record("no tools"); return }
        let write = try #require(list.first { $0["name"] == .string("record_response") })
        #expect(write["annotations"]?["readOnlyHint"] == .bool(false))
        #expect(write["annotations"]?["destructiveHint"] == .bool(false))

        let recommend = try tool(server, "recommend", #"{"client_id":"C1","why_not":true}"#)
        #expect(recommend["isError"] == .bool(false))
        #expect(recommend["structuredContent"]?["client_id"] == .string("C1"))
        #expect(recommend["structuredContent"]?["not_recommended"] != nil)
        #expect(text(recommend).contains("Client C1"))

        let profile = try tool(server, "profile", #"{"client_id":"C2"}"#)
        #expect(profile["isError"] == .bool(false))
        #expect(profile["structuredContent"]?["segment"] == .string("affluent"))

        let search = try tool(server, "search_clients", #"{"segment":"affluent"}"#)
        #expect(search["structuredContent"]?["clients"] == .array([.object([
            "client_id": .string("C2"), "segment": .string("affluent"), "region": .string(""), "first_seen": .string("2024-02-01"), "stage": .null,
        ])]))
        let prefix = try tool(server, "search_clients", #"{"id_prefix":"C","limit":1}"#)
        #expect(prefix["structuredContent"]?["count"] == .integer(1))
        #expect(prefix["structuredContent"]?["truncated"] == .bool(true))
        // The prefix is a bound parameter compared as text: `_` is no wildcard, `%` is no id character.
        #expect(try tool(server, "search_clients", #"{"id_prefix":"C_"}"#)["structuredContent"]?["count"] == .integer(0))
        #expect(try tool(server, "search_clients", #"{"id_prefix":"C%"}"#)["isError"] == .bool(true))

        // No run is published in this schema: a readable tool error.
        let decision = try tool(server, "explain_decision", #"{"client_id":"C1","item_id":"offer-fund"}"#)
        #expect(decision["isError"] == .bool(true))
        #expect(text(decision).contains("No published run"))

        let arguments = #"{"response_id":"R1","client_id":"C1","item_id":"offer-fund","channel":"email","presented_at":"2024-03-01T10:00:00Z","outcome":"declined"}"#
        let recorded = try tool(server, "record_response", arguments)
        #expect(recorded["structuredContent"]?["status"] == .string("inserted"), "\(recorded.jsonText)")
        #expect(try tool(server, "record_response", arguments)["structuredContent"]?["status"] == .string("unchanged"))
        #expect(try database.count("responses") == 1)
    }

    @Test func toolFailuresAreResultsWithIsErrorAndProtocolMistakesAreErrors() throws {
        let server = server(maximumLineBytes: 4096)
        defer { server.finish() }
        let bad = try tool(server, "recommend", #"{"client_id":42,"top":"three","colour":1}"#)
        #expect(bad["isError"] == .bool(true))
        #expect(bad["structuredContent"] == nil)
        #expect(text(bad) == "Invalid arguments: client_id: expected a string, found a number; top: expected a whole number from 0 to 100, found a string; colour: unknown parameter (known: client_id, as_of, top, channel, why_not).")
        let unknown = try tool(server, "profile", #"{"client_id":"NOBODY"}"#)
        #expect(unknown["isError"] == .bool(true))
        #expect(text(unknown).contains("no client 'NOBODY'"))
        #expect(try tool(server, "search_clients", #"{"limit":51}"#)["isError"] == .bool(true))
        // Read-only: the write is not listed and calling it is a tool error.
        let refused = try tool(server, "record_response", #"{"response_id":"R1"}"#)
        #expect(refused["isError"] == .bool(true))
        #expect(text(refused).contains("--allow-writes"))
        #expect(try database.count("responses") == 0)

        // Protocol errors: JSON-RPC errors.
        #expect(try server.call("tools/call", id: 20, #"{"arguments":{}}"#).errorCode == -32602)
        #expect(try server.call("tools/call", id: 21, #"{"name":"recommend","arguments":["C1"]}"#).errorCode == -32602)
        let unknownTool = try server.call("tools/call", id: 22, #"{"name":"recomend","arguments":{}}"#)
        #expect(unknownTool.errorCode == -32602)
        #expect(unknownTool["error"]?["data"]?["did_you_mean"] == .string("recommend"))
        #expect(try server.call("tools/list", id: 23, #"[1]"#).errorCode == -32602)
        #expect(try server.call("resources/unknown", id: 24).errorCode == -32601)
        // The hostile input of the stdio server, against the MCP face.
        try HostileInputs.check(server, method: "ping")
        #expect(try server.call("ping", id: 25).result == .object([:]))
    }

    @Test func theExecutableWritesOnlyProtocolMessagesToStdout() throws {
        let binary = try #require(ExecutableTests.executable(), "build the waymark executable or set WAYMARK_BIN")
        let (process, input, output, errors) = try ExecutableTests.launch(binary, ["serve", "--mcp", "--log-level", "debug"], schema: database.schema)
        let requests = [
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"recommend","arguments":{"client_id":"C1"}}}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"profile","arguments":{"client_id":"NOBODY"}}}"#,
            "{not json",
        ]
        input.fileHandleForWriting.write(Data((requests.joined(separator: "\n") + "\n").utf8))
        try input.fileHandleForWriting.close()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let lines = String(decoding: stdout, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 4)
        for line in lines {
            let message = try JSONParser.parse(String(line))
            #expect(message["jsonrpc"] == .string("2.0"))
        }
        #expect(String(decoding: stderr, as: UTF8.self).contains("tool call"))
    }
}
