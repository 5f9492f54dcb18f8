import Foundation
import Testing

/// Runs the built `waymark` binary (env `WAYMARK_BIN`, else `.build/debug/waymark` of the
/// package) against a fresh schema of the PG* database, via `PGOPTIONS=-c search_path=…`.
final class ScoreCLIDatabase {
    let schema = "clitest_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)

    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["WAYMARK_BIN"], !path.isEmpty { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/waymark").path
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["PGOPTIONS"] = "-c search_path=\(schema)"
        environment.removeValue(forKey: "WAYMARK_DATABASE_URL")
        return environment
    }

    init() throws {
        try psql("CREATE SCHEMA \(schema)", schemaExists: false)
        let migrate = try run(["migrate"])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        try psql("""
            INSERT INTO products (product_id, name, category, list_price) VALUES
              ('P-START', 'Starter', 'starter', 50), ('P-EXTRA', 'Extra', 'extra', 80), ('P-MORE', 'More', 'more', 30);
            INSERT INTO clients (client_id, first_seen, consents)
            SELECT 'C' || lpad(i::text, 3, '0'), timestamptz '2024-01-01' + i * interval '1 day', '{email}' FROM generate_series(1, 60) i;
            INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount)
            SELECT 'C' || lpad(i::text, 3, '0'), 'X' || i || '-' || k, (ARRAY['P-START', 'P-MORE', 'P-EXTRA', 'P-MORE'])[k],
                   timestamptz '2024-06-01' + (i * 3 + k * 40) * interval '1 day', 20 + k * 5
            FROM generate_series(1, 60) i, generate_series(1, 4) k WHERE i % 3 <> 0 AND k <= 1 + i % 4;
            """)
        let catalog = FileManager.default.temporaryDirectory.appendingPathComponent("\(schema).yaml")
        try Self.catalog.write(to: catalog, atomically: true, encoding: .utf8)
        let load = try run(["catalog", "load", catalog.path])
        #expect(load.status == 0, "\(load.stderr)")
    }

    deinit { _ = try? psql("DROP SCHEMA \(schema) CASCADE", schemaExists: false) }

    static let catalog = """
        version: "test-1"
        name: Test catalog
        items:
          - id: offer-lead
            kind: offer
            title: First purchase offer
            category: starter
            channels: [email]
            when: stage == "prospect"
            value: 10
          - id: offer-extra
            kind: offer
            title: Something more
            category: extra
            channels: [email]
            when: purchase_count >= 1
            value: 20
        """

    func process(_ arguments: [String], extraEnvironment: [String: String] = [:]) -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.environment = environment.merging(extraEnvironment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        return (process, out, err)
    }

    func run(_ arguments: [String], extraEnvironment: [String: String] = [:]) throws -> Output {
        let (process, out, err) = process(arguments, extraEnvironment: extraEnvironment)
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Runs SQL with psql in this schema; returns the unaligned output.
    @discardableResult
    func psql(_ sql: String, schemaExists: Bool = true) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql]
        var environment = ProcessInfo.processInfo.environment
        if schemaExists { environment["PGOPTIONS"] = "-c search_path=\(schema)" }
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLITestError(message: "psql failed (\(process.terminationStatus)) for: \(sql)")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

struct CLITestError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
