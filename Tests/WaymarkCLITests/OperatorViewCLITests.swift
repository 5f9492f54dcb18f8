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
}
