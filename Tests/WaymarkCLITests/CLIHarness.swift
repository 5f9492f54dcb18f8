import Foundation
import Synchronization
import Testing

/// Runs the built `waymark` binary as a user would, in a fresh database schema of its own.
///
/// The binary is `WAYMARK_BIN` (set by scripts/test) or `.build/debug/waymark` in the package. The
/// database comes from libpq's PG* variables; `PGOPTIONS` puts every connection of the child process
/// in the harness's schema, so CLI tests run in parallel with everything else.
final class CLIHarness {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["WAYMARK_BIN"], !path.isEmpty { return path }
        return packageRoot.appendingPathComponent(".build/debug/waymark").path
    }

    let schema: String
    let directory: URL
    /// The server, when not the PG* variables' (the Citus suites' coordinator).
    let databaseURL: String?

    /// The Citus coordinator the Citus suites run against, when one is given.
    static let citusURL = ProcessInfo.processInfo.environment["WAYMARK_TEST_CITUS_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let citusSkipReason: Comment = "no Citus cluster: set WAYMARK_TEST_CITUS_URL to a coordinator's URL (docs/scale-out.md)"

    init(databaseURL: String? = nil) throws {
        self.databaseURL = databaseURL
        schema = "clitest_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(schema)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let created = try psql("CREATE SCHEMA \(schema)", inSchema: false)
        guard created.status == 0 else {
            Issue.record("CLI tests need PostgreSQL through the PG* variables (scripts/test sets them): \(created.stderr)")
            throw CLIHarnessError.noDatabase
        }
    }

    deinit {
        _ = try? psql("DROP SCHEMA \(schema) CASCADE", inSchema: false)
        try? FileManager.default.removeItem(at: directory)
    }

    /// Writes a file into the harness's directory and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Runs `waymark ARGS` with the harness's schema and optional stdin text.
    func run(_ arguments: [String], stdin: String? = nil, environment extra: [String: String] = [:]) throws -> Output {
        try Self.execute(Self.binary, arguments, stdin: stdin, environment: environment(extra))
    }

    /// A `waymark ARGS` process with the harness's schema, not yet started (for tests that signal
    /// it); stdout and stderr are pipes.
    func process(_ arguments: [String], environment extra: [String: String] = [:]) -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.environment = environment(extra)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        return (process, out, err)
    }

    /// Runs a SQL statement with psql in the harness's schema.
    func psql(_ sql: String, inSchema: Bool = true) throws -> Output {
        try Self.execute("/usr/bin/env", ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql] + (databaseURL.map { ["-d", $0] } ?? []),
                         stdin: nil, environment: inSchema ? environment([:]) : ProcessInfo.processInfo.environment)
    }

    /// The environment of a `waymark` child: the harness's schema, WAYMARK_DATABASE_URL only for
    /// a harness given a URL, plus `extra`.
    func environment(_ extra: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["PGOPTIONS"] = "-c search_path=\(schema)"
        environment["WAYMARK_DATABASE_URL"] = databaseURL
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    static func execute(_ executable: String, _ arguments: [String], stdin: String?, environment: [String: String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes fully before waiting, so a chatty child cannot block on a full pipe.
        let errData = Mutex(Data())
        let errDone = Atomic(false)
        let errReader = Thread {
            let data = err.fileHandleForReading.readDataToEndOfFile()
            errData.withLock { $0 = data }
            errDone.store(true, ordering: .releasing)
        }
        errReader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errDone.load(ordering: .acquiring) { Thread.sleep(forTimeInterval: 0.005) }
        return Output(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: errData.withLock { String(decoding: $0, as: UTF8.self) })
    }
}

enum CLIHarnessError: Error { case noDatabase }
