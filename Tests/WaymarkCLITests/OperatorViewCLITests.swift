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
}
