import Foundation
import Testing
import WaymarkCore
@testable import WaymarkService

/// The hostile input of the stdio server's protocol tests, for any face of the server (JSON-RPC
/// and MCP share the transport, the limits and the parser, and must answer them alike).
enum HostileInputs {
    /// Sends every hostile line to `server` (started with a 4096-byte line limit) and checks each
    /// answer: not JSON, deep nesting, not a request, ids of the wrong type, params of the wrong
    /// type, invalid UTF-8, empty lines, an oversize line. `method` is one the server knows.
    static func check(_ server: PipeServer, method: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        func expectError(_ line: String, _ code: Int, id: JSONValue = .null) throws {
            let response = try server.call(line)
            #expect(response["jsonrpc"] == .string("2.0"), sourceLocation: sourceLocation)
            #expect(response.errorCode == code, "\(line.prefix(200)) → \(response.jsonText)", sourceLocation: sourceLocation)
            #expect(response["id"] == id, sourceLocation: sourceLocation)
            #expect(response["result"] == nil, sourceLocation: sourceLocation)
        }
        // Not JSON.
        try expectError(#"{"jsonrpc":"2.0","method":"\#(method)","id":1"#, -32700)
        try expectError("not json", -32700)
        try expectError(#"{"jsonrpc":"2.0","method":"\#(method)","id":1}}"#, -32700)
        // Deep nesting: refused before any recursion can blow the stack.
        try expectError(String(repeating: "[", count: 4000), -32700)
        try expectError(#"{"jsonrpc":"2.0","id":5,"method":"\#(method)","params":"# + String(repeating: "{\"a\":", count: 80) + "1" + String(repeating: "}", count: 81), -32700)
        // Not a request.
        try expectError("42", -32600)
        try expectError("null", -32600)
        try expectError(#""\#(method)""#, -32600)
        try expectError(#"{"jsonrpc":"1.0","method":"\#(method)","id":2}"#, -32600, id: .integer(2))
        try expectError(#"{"method":"\#(method)","id":3}"#, -32600, id: .integer(3))
        try expectError(#"{"jsonrpc":"2.0","id":4}"#, -32600, id: .integer(4))
        try expectError(#"{"jsonrpc":"2.0","method":7,"id":4}"#, -32600, id: .integer(4))
        try expectError(#"{"jsonrpc":"2.0","method":null,"id":4}"#, -32600, id: .integer(4))
        try expectError(#"{"jsonrpc":"2.0","method":"\#(method)","params":"x","id":6}"#, -32600, id: .integer(6))
        try expectError(#"{"jsonrpc":"2.0","method":"\#(method)","params":null,"id":6}"#, -32600, id: .integer(6))
        // Ids of the wrong type, huge or fractional.
        for id in ["{}", "[1]", "true", "1.5", "1e400", "123456789012345678901234567890", "-1e3"] {
            try expectError(#"{"jsonrpc":"2.0","method":"\#(method)","id":\#(id)}"#, -32600)
        }
        // Invalid UTF-8, inside and outside strings.
        server.send(bytes: Array(#"{"jsonrpc":"2.0","method":"\#(method)","id":"#.utf8) + [0x22, 0xFF, 0xFE, 0x22, 0x7D, 0x0A])
        #expect(try server.readResponse().errorCode == -32700, sourceLocation: sourceLocation)
        server.send(bytes: [0xC3, 0x28, 0x0A])
        #expect(try server.readResponse().errorCode == -32700, sourceLocation: sourceLocation)
        // Empty lines are ignored; an oversize line is skipped and answered.
        server.send("")
        server.send("   ")
        server.send("\r")
        server.send(#"{"jsonrpc":"2.0","method":"\#(method)","id":"#.appending("\"" + String(repeating: "x", count: 10_000) + "\"}"))
        let oversize = try server.readResponse()
        #expect(oversize.errorCode == -32600, sourceLocation: sourceLocation)
        #expect(oversize["id"] == .null, sourceLocation: sourceLocation)
        #expect(oversize["error"]?["data"]?["max_line_bytes"] == .integer(4096), sourceLocation: sourceLocation)
    }
}
