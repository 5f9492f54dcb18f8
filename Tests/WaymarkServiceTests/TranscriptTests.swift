import Foundation
import WaymarkCore
import Testing
@testable import WaymarkService

/// Replays every transcript of docs/protocol.md against a running server, so the document
/// cannot drift from the code.
///
/// A transcript is a fenced block tagged `jsonrpc`: `→ ` lines are sent, `← ` lines are the
/// expected answers, in order. In an expected answer the string `"<any>"` matches any value
/// (timestamps, versions). Blocks run in document order against one server on a fresh schema
/// seeded as the document says (clients C1 and C2, products fund-index and home-cover, the
/// "Service test catalog").
@Suite(.serialized) struct TranscriptTests {
    struct Step {
        var sent: [String] = []
        var expected: [String] = []
        var line: Int
    }

    static func transcripts() throws -> [Step] {
        let url = ServiceTestDatabase.repositoryRoot.appendingPathComponent("docs/protocol.md")
        let text = try String(contentsOf: url, encoding: .utf8)
        var steps: [Step] = []
        var inBlock = false
        for (index, line) in text.components(separatedBy: "\n").enumerated() {
            if line.hasPrefix("```") {
                if inBlock { inBlock = false } else if line.trimmingCharacters(in: .whitespaces) == "```jsonrpc" {
                    inBlock = true
                    steps.append(Step(line: index + 1))
                }
                continue
            }
            guard inBlock else { continue }
            if line.hasPrefix("→ ") { steps[steps.count - 1].sent.append(String(line.dropFirst(2))) }
            else if line.hasPrefix("← ") { steps[steps.count - 1].expected.append(String(line.dropFirst(2))) }
        }
        return steps
    }

    /// Whether `actual` matches `expected`, where `"<any>"` matches anything.
    static func matches(_ actual: JSONValue, _ expected: JSONValue) -> Bool {
        if expected == .string("<any>") { return true }
        switch (actual, expected) {
        case (.object(let a), .object(let e)):
            guard Set(a.keys) == Set(e.keys) else { return false }
            return e.members.allSatisfy { member in a[member.key].map { matches($0, member.value) } ?? false }
        case (.array(let a), .array(let e)):
            return a.count == e.count && zip(a, e).allSatisfy { matches($0, $1) }
        case (.number(let a), .number(let e)):
            return a == e || Double(a) == Double(e)
        default:
            return actual == expected
        }
    }

    @Test func everyTranscriptOfTheProtocolDocumentHolds() throws {
        try replay(on: ServiceTestDatabase())
    }

    /// The same transcripts, every write and answer, on a distributed schema.
    @Test(.enabled(if: ServiceTestDatabase.citusURL != nil, ServiceTestDatabase.citusSkipReason))
    func everyTranscriptHoldsOnCitus() throws {
        try replay(on: ServiceTestDatabase(citus: true))
    }

    func replay(on database: ServiceTestDatabase) throws {
        let steps = try Self.transcripts()
        #expect(steps.count >= 10, "docs/protocol.md should hold a transcript per method")
        try database.seed()
        let server = PipeServer(database: database)
        defer { server.finish() }
        var sentinel = 0
        for step in steps {
            for line in step.sent { server.send(line) }
            for expectedLine in step.expected {
                let expected = try JSONParser.parse(expectedLine)
                let actual = try #require(server.readLine(), "docs/protocol.md:\(step.line): no answer")
                let parsed = try JSONParser.parse(actual)
                #expect(Self.matches(parsed, expected), "docs/protocol.md:\(step.line):\n expected \(expectedLine)\n got      \(actual)")
            }
            // Nothing more than documented was answered.
            sentinel += 1
            let check = try server.call(#"{"jsonrpc":"2.0","id":"sentinel-\#(sentinel)","method":"health"}"#)
            #expect(check["id"] == .string("sentinel-\(sentinel)"), "docs/protocol.md:\(step.line): an answer the transcript does not show: \(check.jsonText)")
        }
    }
}

/// The real executable, spawned as a client would.
@Suite struct ExecutableTests {
    /// Starts the built binary with `arguments` on the test schema, its standard streams on pipes.
    static func launch(_ binary: URL, _ arguments: [String], schema: String) throws -> (Process, input: Pipe, output: Pipe, errors: Pipe) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PGOPTIONS"] = "-c search_path=\(schema)"
        environment.removeValue(forKey: "WAYMARK_DATABASE_URL")
        process.environment = environment
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        return (process, input, output, errors)
    }

    static func executable() -> URL? {
        if let path = ProcessInfo.processInfo.environment["WAYMARK_BIN"], !path.isEmpty { return URL(fileURLWithPath: path) }
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("waymark"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("waymark"),
            ServiceTestDatabase.repositoryRoot.appendingPathComponent(".build/debug/waymark"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    @Test func servesOverStdioAndExitsZeroAtEndOfInput() throws {
        let binary = try #require(Self.executable(), "build the waymark executable or set WAYMARK_BIN")
        let database = try ServiceTestDatabase()
        try database.seed()
        let (process, input, output, errors) = try Self.launch(binary, ["serve", "--stdio", "--max-line-bytes", "200"], schema: database.schema)
        let requests = [
            #"{"jsonrpc":"2.0","id":1,"method":"health"}"#,
            "{not json",
            #"{"jsonrpc":"2.0","id":2,"method":"record_purchase","params":{"purchase_id":"P1","client_id":"C1","product_id":"fund-index","purchased_at":"2024-03-01T10:15:00Z","amount":10}}"#,
            String(repeating: "x", count: 500),
            #"{"jsonrpc":"2.0","method":"health"}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"record_purchase","params":{"purchase_id":"P1","client_id":"C1","product_id":"fund-index","purchased_at":"2024-03-01T10:15:00Z","amount":10}}"#,
        ]
        input.fileHandleForWriting.write(Data((requests.joined(separator: "\n") + "\n").utf8))
        try input.fileHandleForWriting.close()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        _ = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let lines = String(decoding: stdout, as: UTF8.self).split(separator: "\n").map { try? JSONParser.parse(String($0)) }
        #expect(lines.count == 5)
        guard lines.count == 5 else { return }
        #expect(lines[0]?.result?["status"] == .string("ok"))
        #expect(lines[1]?.errorCode == -32700)
        #expect(lines[2]?.result?["status"] == .string("inserted"))
        #expect(lines[3]?.errorCode == -32600)
        #expect(lines[4]?.result?["status"] == .string("unchanged"))
    }

    @Test func sigtermStopsTheServerWithExitZero() throws {
        let binary = try #require(Self.executable(), "build the waymark executable or set WAYMARK_BIN")
        let process = Process()
        process.executableURL = binary
        process.arguments = ["serve", "--stdio"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data((#"{"jsonrpc":"2.0","id":1,"method":"shutdown-typo"}"# + "\n").utf8))
        // Wait for the answer, so the server is up and blocked reading, then ask it to stop.
        var descriptor = pollfd(fd: output.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0)
        var answer = [UInt8](repeating: 0, count: 4096)
        var count = 0
        if poll(&descriptor, 1, 20_000) > 0 { count = read(descriptor.fd, &answer, answer.count) }
        #expect(String(decoding: answer.prefix(max(count, 0)), as: UTF8.self).contains("-32601"))
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }
}
