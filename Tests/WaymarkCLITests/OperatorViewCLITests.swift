import Foundation
import Testing

/// What an operator sees (issue 15, items 9 and 10): progress in a cron log, catalog references
/// checked against the database, YAML mistakes in plain words.
@Suite("waymark: the operator's view (binary)", .serialized)
struct OperatorViewCLITests {
    @Test("score with stderr not a terminal logs progress lines at info level (clients done, rate, ETA)")
    func scoreLogsProgress() throws {
        let db = try ScoreCLIDatabase()
        let output = try db.run(["score", "--as-of", "2025-06-01", "--log-level", "info"],
                                extraEnvironment: ["WAYMARK_PROGRESS_SECONDS": "0", "WAYMARK_SCORE_BATCH_DELAY_MS": "300"])
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stderr.split(separator: "\n").filter { $0.contains("scoring: ") }
        #expect(!lines.isEmpty, "\(output.stderr)")
        #expect(lines.allSatisfy { $0.contains("info") && $0.contains(" / 60 clients, ") && $0.contains(" clients/s, ETA ") }, "\(lines)")
        #expect(!output.stderr.contains("\u{1B}[K"))  // no terminal line in a log
        // At the default level (notice) the log stays quiet.
        let quiet = try db.run(["score", "--as-of", "2025-06-01"], extraEnvironment: ["WAYMARK_PROGRESS_SECONDS": "0"])
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(!quiet.stderr.contains("scoring: "))
    }

    @Test("import with stderr not a terminal logs progress lines at info level (rows, rate, share of the file, ETA)")
    func importLogsProgress() throws {
        let cli = try CLIHarness()
        #expect(try cli.run(["migrate"]).status == 0)
        let rows = (1...60_000).map { "N\($0),2024-01-01T00:00:00Z\n" }.joined()
        let file = try cli.write("many.csv", "client_id,first_seen\n" + rows)
        let output = try cli.run(["import", "clients", file, "--log-level", "info"], environment: ["WAYMARK_PROGRESS_SECONDS": "0"])
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stderr.split(separator: "\n").filter { $0.contains("importing clients: ") }
        #expect(!lines.isEmpty, "\(output.stderr)")
        #expect(lines.allSatisfy { $0.contains("info") && $0.contains(" rows, ") && $0.contains(" rows/s, ") && $0.contains("% of the file, ETA ") },
                "\(lines)")
    }

    @Test("evaluate with stderr not a terminal logs progress lines at info level (clients done of all, rate, ETA)")
    func evaluateLogsProgress() throws {
        let db = try ScoreCLIDatabase()
        try db.psql("""
            INSERT INTO clients (client_id, first_seen, consents)
            SELECT 'M' || lpad(i::text, 4, '0'), timestamptz '2024-01-01', '{email}' FROM generate_series(1, 600) i
            """)
        let output = try db.run(["evaluate", "--cutoff", "2025-03-01", "--horizon", "90", "--log-level", "info"],
                                extraEnvironment: ["WAYMARK_PROGRESS_SECONDS": "0"])
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stderr.split(separator: "\n").filter { $0.contains("evaluating: ") }
        #expect(!lines.isEmpty, "\(output.stderr)")
        #expect(lines.allSatisfy { $0.contains("info") && $0.contains(" / 660 clients, ") && $0.contains(" clients/s, ETA ") }, "\(lines)")
    }

    static let catalog = """
        version: "refs-1"
        items:
          - { id: offer-a, kind: offer, title: A, product: P-START, channels: [email], value: 1 }
          - { id: offer-b, kind: offer, title: B, product: P-NOPE, channels: [email], value: 1 }
        """

    @Test("catalog check checks product references against the database's products, and says which it used")
    func catalogCheckUsesTheDatabase() throws {
        let db = try ScoreCLIDatabase()
        let file = try db.harness.write("refs.yaml", Self.catalog)
        let count = try db.psql("SELECT count(*) FROM products")
        let checked = try db.run(["catalog", "check", file])
        #expect(checked.status == 2, "\(checked.stdout)\(checked.stderr)")
        #expect(checked.stderr.contains("P-NOPE"), "\(checked.stderr)")
        let good = try db.harness.write("good.yaml", """
            version: "refs-2"
            items:
              - { id: offer-a, kind: offer, title: A, product: P-START, channels: [email], value: 1 }
            """)
        let ok = try db.run(["catalog", "check", good])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout == "OK: 1 offer, 0 messages, version refs-2\nproduct references: checked against the database's \(count) products\n", "\(ok.stdout)")
        // No database: the references are not checked, and it says so.
        let none = try db.run(["catalog", "check", file, "--database-url", "postgresql://nobody@/nodb?host=/nonexistent-waymark"])
        #expect(none.status == 0, "\(none.stderr)")
        #expect(none.stdout.hasSuffix("no database: product references not checked; pass --products FILE\n"), "\(none.stdout)")
    }

    @Test("a YAML indentation mistake gets a hint in plain words")
    func yamlHint() throws {
        let cli = try CLIHarness()
        let file = try cli.write("indent.yaml", """
            version: "indent-1"
            items:
              - id: offer-a
                kind: offer
               title: A
            """)
        let result = try cli.run(["catalog", "check", file, "--database-url", "postgresql://nobody@/nodb?host=/nonexistent-waymark"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("indent.yaml:"), "\(result.stderr)")
        #expect(result.stderr.contains("hint: "), "\(result.stderr)")
        #expect(result.stderr.contains("indent"), "\(result.stderr)")
        let tabs = try cli.write("tabs.yaml", "version: \"tabs-1\"\nitems:\n\t- id: offer-a\n")
        let tabbed = try cli.run(["catalog", "check", tabs, "--database-url", "postgresql://nobody@/nodb?host=/nonexistent-waymark"])
        #expect(tabbed.status == 2)
        #expect(tabbed.stderr.contains("hint: "), "\(tabbed.stderr)")
    }

    @Test("runs list and runs show print times in one format, ISO 8601 with the zone; the profile timeline has zones and null channels")
    func oneTimeFormat() throws {
        let db = try ScoreCLIDatabase()
        #expect(try db.run(["score", "--as-of", "2025-06-01"]).status == 0)
        let iso = #/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/#
        let list = try db.run(["runs", "list", "--format", "json"])
        #expect(list.status == 0, "\(list.stderr)")
        let run = try #require((try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])?.first)
        let listed = try #require(run["started_at"] as? String)
        #expect(listed.wholeMatch(of: iso) != nil, "\(listed)")
        let id = try #require(run["run_id"] as? Int)
        let show = try db.run(["runs", "show", String(id)])
        let shown = try #require((try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])?["started_at"] as? String)
        #expect(shown == listed)
        let table = try db.run(["runs", "list"])
        #expect(table.stdout.contains(listed), "\(table.stdout)")
        // The profile's timeline: ISO 8601 with the zone, null for no channel.
        try db.psql("INSERT INTO life_events (client_id, event_id, kind, occurred_at) VALUES ('C001', 'E1', 'child_born', '2025-05-01')")
        let profile = try db.run(["profile", "C001", "--as-of", "2025-06-01", "--format", "json"])
        #expect(profile.status == 0, "\(profile.stderr)")
        #expect(profile.stdout.contains(#"{"at":"2025-05-01T00:00:00Z","channel":null,"detail":"child_born","what":"life event"}"#), "\(profile.stdout)")
    }

    @Test("migrate, runs list and runs show have an example in their help", arguments: [["migrate"], ["runs", "list"], ["runs", "show"]])
    func helpExamples(command: [String]) throws {
        let cli = try CLIHarness()
        let help = try cli.run(command + ["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Example"), "\(help.stdout)")
        #expect(help.stdout.contains("waymark " + command.joined(separator: " ")), "\(help.stdout)")
    }
}
