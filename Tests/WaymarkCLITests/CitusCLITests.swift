import Foundation
import Testing

@Suite("migrate --distribute on plain PostgreSQL")
struct DistributeCLITests {
    @Test("--distribute without the citus extension fails with exit 1, naming the database and the fix; --shard-count alone is a usage error")
    func missingExtension() throws {
        let harness = try CLIHarness()
        let database = try harness.psql("SELECT current_database()").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let run = try harness.run(["migrate", "--distribute"])
        #expect(run.status == 1)
        #expect(run.stdout.contains("applied 0001_initial.sql"))
        #expect(run.stderr.contains("the citus extension is not installed in database \(database); to fix:"), "\(run.stderr)")
        let usage = try harness.run(["migrate", "--shard-count", "8"])
        #expect(usage.status == 64 && usage.stderr.contains("--shard-count goes with --distribute"))
    }
}

/// The whole job through the binary on the Citus cluster of `WAYMARK_TEST_CITUS_URL` and on the
/// test server, compared: the same outputs, the same export byte for byte.
@Suite("CLI on Citus", .enabled(if: CLIHarness.citusURL != nil, CLIHarness.citusSkipReason))
struct CitusCLITests {
    static let end = "2026-01-01"

    /// What one side printed, step by step.
    struct Job {
        var outputs: [(step: String, stdout: String)] = []
    }

    /// Runs the job in `harness`, expecting each step's exit status; the population is in `data`.
    func job(_ harness: CLIHarness, data: String, distribute: Bool) throws -> Job {
        var job = Job()
        func step(_ name: String, _ arguments: [String], stdin: String? = nil, status: Int32 = 0) throws {
            let run = try harness.run(arguments, stdin: stdin)
            #expect(run.status == status, "\(distribute ? "citus" : "single"): \(name): \(run.stderr)")
            job.outputs.append((name, run.stdout + (status == 0 ? "" : run.stderr)))
        }
        let migrate = try harness.run(distribute ? ["migrate", "--distribute", "--shard-count", "4"] : ["migrate"])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        if distribute { #expect(migrate.stdout.contains("client tables: 4 shards"), "\(migrate.stdout)") }
        for kind in ["products", "clients", "purchases", "events", "interactions", "responses", "clients", "purchases"] {
            try step("import \(kind)", ["import", kind, "\(data)/\(kind).csv"])
        }
        let bad = "\(data)/bad.csv"
        try ("purchase_id,client_id,product_id,purchased_at,amount\n"
            + "BAD-1,C0000001,sav-easy,2025-12-01T10:00:00Z,5\nBAD-2,C-UNKNOWN,sav-easy,2025-12-01T10:00:00Z,5\n")
            .write(toFile: bad, atomically: true, encoding: .utf8)
        try step("import bad row", ["import", "purchases", bad], status: 2)
        #expect(try harness.psql("SELECT count(*) FROM purchases WHERE purchase_id LIKE 'BAD-%'").stdout.hasPrefix("0"))
        try step("catalog load", ["catalog", "load", CLIHarness.packageRoot.appendingPathComponent("catalog/examples/financial-advisor.yaml").path])
        let past = try harness.run(["score", "--as-of", "2025-10-01", "--log-level", "warning"])
        #expect(past.status == 0, "\(past.stderr)")

        // The night in two shards from two processes; the second starts once the first recorded
        // its run, so both sides number the runs alike.
        let (first, firstOut, firstErr) = harness.process(["score", "--as-of", Self.end, "--shard", "0/2", "--log-level", "warning"])
        try first.run()
        for _ in 0..<600 where try harness.psql("SELECT count(*) FROM scoring_runs WHERE shard_count = 2").stdout.hasPrefix("0") {
            Thread.sleep(forTimeInterval: 0.1)
        }
        let second = try harness.run(["score", "--as-of", Self.end, "--shard", "1/2", "--log-level", "warning"])
        _ = firstOut.fileHandleForReading.readDataToEndOfFile()
        let firstError = String(decoding: firstErr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        first.waitUntilExit()
        #expect(first.terminationStatus == 0 && second.status == 0, "\(firstError)\(second.stderr)")
        let runs = try harness.psql("SELECT string_agg(run_id || ':' || shard_index || ':' || status, ',' ORDER BY run_id) FROM scoring_runs WHERE shard_count = 2")
        #expect(runs.stdout.hasPrefix("2:0:published,3:1:published"), "\(runs.stdout)")

        try step("recommend", ["recommend", "C0000003", "--as-of", Self.end, "--explain"])
        try step("serve --stdio", ["serve", "--stdio"], stdin: """
            {"jsonrpc":"2.0","id":1,"method":"upsert_client","params":{"client_id":"CLI-NEW","first_seen":"2025-12-30T10:00:00Z","consents":["email"]}}
            {"jsonrpc":"2.0","id":2,"method":"record_purchase","params":{"purchase_id":"CLI-P1","client_id":"C0000001","product_id":"sav-easy","purchased_at":"2025-12-30T10:15:00Z","amount":99.5}}
            {"jsonrpc":"2.0","id":3,"method":"record_purchase","params":{"purchase_id":"CLI-P1","client_id":"C0000001","product_id":"sav-easy","purchased_at":"2025-12-30T10:15:00Z","amount":99.5}}
            {"jsonrpc":"2.0","id":4,"method":"record_response","params":{"response_id":"CLI-R1","client_id":"C0000003","item_id":"offer-first-investment","channel":"email","presented_at":"2025-12-30T12:00:00Z","outcome":"declined"}}
            {"jsonrpc":"2.0","id":5,"method":"recommend","params":{"client_id":"C0000003","as_of":"\(Self.end)"}}
            {"jsonrpc":"2.0","id":6,"method":"profile","params":{"client_id":"C0000003","as_of":"\(Self.end)"}}

            """)
        try step("export", ["export", "--format", "csv"])
        try step("runs prune", ["runs", "prune", "--keep", "2"])
        try step("evaluate", ["evaluate", "--cutoff", "2025-07-01", "--horizon", "180", "--top", "3", "--format", "json"])
        return job
    }

    @Test("migrate --distribute, imports (first, repeated, a bad row), catalog load, 2 shards from 2 processes, recommend, serve writes, export, prune, evaluate: as on one server")
    func sameAsOneServer() throws {
        let single = try CLIHarness()
        let citus = try CLIHarness(databaseURL: CLIHarness.citusURL)
        let data = single.directory.appendingPathComponent("data").path
        let generate = try single.run(["generate", "--clients", "300", "--seed", "7", "--end", Self.end, "--out", data])
        #expect(generate.status == 0, "\(generate.stderr)")
        // Client C0000003 shares account H0000002 with C0000002: its answers read the other member's rows.
        let clients = try String(contentsOfFile: "\(data)/clients.csv", encoding: .utf8)
        #expect(clients.contains("\nC0000003,2023-05-25T11:17:03Z,1983-04-07,mass,north,H0000002,") && clients.contains("\nC0000002,"))

        let onCluster = try job(citus, data: data, distribute: true)
        let onServer = try job(single, data: data, distribute: false)
        #expect(onCluster.outputs.map(\.step) == onServer.outputs.map(\.step))
        for (cluster, server) in zip(onCluster.outputs, onServer.outputs) {
            #expect(cluster.stdout == server.stdout, "\(cluster.step) differs:\ncitus:\n\(cluster.stdout.prefix(2000))\nsingle:\n\(server.stdout.prefix(2000))")
        }
        let export = try #require(onCluster.outputs.first { $0.step == "export" })
        #expect(export.stdout.split(separator: "\n").count > 300)
        #expect(onCluster.outputs.first { $0.step == "serve --stdio" }?.stdout.contains(#""status":"unchanged""#) == true)
        let placement = try citus.psql("SELECT partmethod FROM pg_dist_partition WHERE logicalrelid = 'recommendations_r2'::regclass")
        #expect(placement.stdout.hasPrefix("h"))
    }
}
