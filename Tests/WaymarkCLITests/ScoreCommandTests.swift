import Foundation
import Testing

@Suite("waymark score (binary)", .serialized)
struct ScoreCommandTests {
    @Test("an unreachable database exits 3 with a clear message")
    func unreachable() throws {
        let db = try ScoreCLIDatabase()
        let output = try db.run(["score", "--database-url", "postgresql:///x?host=/nonexistent"])
        #expect(output.status == 3)
        #expect(output.stderr.contains("cannot connect to the database"))
        #expect(output.stdout.isEmpty)
    }

    @Test("clients without consents: score warns that nobody was recommended anything, evaluate says why in a note")
    func nobodyConsents() throws {
        let db = try ScoreCLIDatabase()
        // With the consents, the run recommends something and says nothing of the kind.
        let before = try db.run(["score", "--as-of", "2025-06-01", "--workers", "1"])
        #expect(before.status == 0, "\(before.stderr)")
        #expect(!before.stdout.contains("recommendations  0 ") && !before.stderr.contains("no client was recommended anything"))

        _ = try db.psql("UPDATE clients SET consents = '{}'")
        let score = try db.run(["score", "--as-of", "2025-06-01", "--workers", "1"])
        #expect(score.status == 0, "\(score.stderr)")
        #expect(score.stdout.contains("recommendations  0 (0 offers, 0 messages)"))
        #expect(score.stderr.contains("no client was recommended anything: ask why for one with `waymark recommend CLIENT --explain --as-of 2025-06-01`"))
        #expect(score.stderr.contains("contact_policy.consent_exempt_channels"))

        let evaluate = try db.run(["evaluate", "--cutoff", "2025-01-01", "--horizon", "90", "--top", "2"])
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect(evaluate.stdout.contains("\nNote: the engine offered nothing to 60 of 60 clients (the check that dropped most offers: consent 60); they count as misses. "
            + "Most have no consent for the offers' channels: import the clients' consents"))
    }

    @Test("a propensity horizon longer than the history: score says the clients' own purchases cannot be learned from, and how to fix it")
    func horizonLongerThanTheHistory() throws {
        let db = try ScoreCLIDatabase()
        // The first purchase is on 2024-07-14; the catalog's horizon is the default 90 days.
        let short = try db.run(["score", "--as-of", "2024-09-01", "--workers", "1"])
        #expect(short.status == 0, "\(short.stderr)")
        #expect(short.stderr.contains("the propensity's training cut-off 2024-06-03 (as_of − 90 days) is before the first purchase (2024-07-14)"))
        #expect(short.stderr.contains("set settings.propensity.horizon_days to at most 24 (half the history) in the catalog"))
        // Days after the first purchase, too few purchases to learn from: the one warning that names the cause and the fix.
        let days = try db.run(["score", "--as-of", "2024-07-20", "--workers", "1"])
        #expect(days.status == 0, "\(days.stderr)")
        #expect(days.stderr.contains("is before the first purchase (2024-07-14)"), "\(days.stderr)")
        #expect(!days.stderr.contains("too few purchases"), "\(days.stderr)")
        let long = try db.run(["score", "--as-of", "2025-06-01", "--workers", "1"])
        #expect(long.status == 0, "\(long.stderr)")
        #expect(!long.stderr.contains("training cut-off"))
    }

    @Test("score publishes and prints a JSON summary; export streams the recommendations")
    func scoresAndExports() throws {
        let db = try ScoreCLIDatabase()
        let output = try db.run(["score", "--as-of", "2025-06-01", "--format", "json", "--workers", "2"])
        #expect(output.status == 0, "\(output.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        #expect(summary["clients"] as? Int == 60)
        let recommendations = try #require(summary["recommendations"] as? Int)
        let export = try db.run(["export", "--format", "csv"])
        #expect(export.status == 0)
        let lines = export.stdout.split(separator: "\n")
        #expect(lines.first == "run_id,client_id,rank,item_id,kind,channel,score,message,stage,clv_12m,tier,explanation,summary,reasons,life_event,title")
        // The explanation in readable columns: a summary and the reasons joined by " | ".
        #expect(lines.dropFirst().first?.contains(",\"priority ") == true, "\(lines.dropFirst().first ?? "")")
        #expect(lines.dropFirst().first?.contains(" | ") == true, "\(lines.dropFirst().first ?? "")")
        #expect(lines.count == recommendations + 1)
        // Each row names its item as the run's catalog titles it (issue 15 item 9).
        #expect(lines.dropFirst().allSatisfy { $0.hasSuffix(",First purchase offer") || $0.hasSuffix(",Something more") },
                "\(lines.prefix(3))")
        // JSON Lines and a JSON array carry the same objects (issue 15 item 8: --format json).
        let jsonl = try db.run(["export", "--format", "jsonl"])
        let array = try db.run(["export", "--format", "json"])
        #expect(jsonl.status == 0 && array.status == 0, "\(array.stderr)")
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(array.stdout.utf8)) as? [[String: Any]])
        #expect(objects.count == recommendations)
        #expect(jsonl.stdout.split(separator: "\n").count == recommendations)
        let firstLine = try #require(jsonl.stdout.split(separator: "\n").first)
        let firstObject = try #require(try JSONSerialization.jsonObject(with: Data(firstLine.utf8)) as? [String: Any])
        #expect(objects.first?["item_id"] as? String == firstObject["item_id"] as? String)
        #expect(["First purchase offer", "Something more"].contains(objects.first?["title"] as? String ?? ""), "\(objects.first ?? [:])")
        let list = try db.run(["runs", "list"])
        #expect(list.stdout.contains("published"))
        // CSV where the result is rows (issue 15 item 8): runs list and recommend.
        let runsCSV = try db.run(["runs", "list", "--format", "csv"]).stdout.split(separator: "\n")
        #expect(runsCSV.first == "current,run_id,as_of,shard,status,catalog_version,started_at,published_at")
        #expect(runsCSV.count == 2 && runsCSV[1].hasPrefix("true,") && runsCSV[1].contains(",published,"))
        let recommendCSV = try db.run(["recommend", "C001", "--format", "csv"])
        #expect(recommendCSV.status == 0, "\(recommendCSV.stderr)")
        let recommendLines = recommendCSV.stdout.split(separator: "\n")
        #expect(recommendLines.first == "client_id,as_of,kind,rank,item_id,channel,score,title,summary,reasons")
        #expect(recommendLines.dropFirst().allSatisfy { $0.hasPrefix("C001,") })
        let profileCSV = try db.run(["profile", "C001", "--format", "csv"])
        #expect(profileCSV.status == 0, "\(profileCSV.stderr)")
        let profileLines = profileCSV.stdout.split(separator: "\n")
        #expect(profileLines.first == "client_id,at,kind,channel,detail")
        #expect(profileLines.count > 1 && profileLines.dropFirst().allSatisfy { $0.hasPrefix("C001,") })
    }

    @Test("a second run exits 4 naming the holder; kill -9 leaves the previous run current; a rerun completes")
    func lockedAndKilled() throws {
        let db = try ScoreCLIDatabase()
        #expect(try db.run(["score", "--as-of", "2025-06-01"]).status == 0)
        let previous = try db.psql("SELECT run_id FROM current_runs")
        // A slow run: 16 clients per batch, 1 s after each.
        let (slow, _, _) = db.process(["score", "--as-of", "2025-06-01"], extraEnvironment: ["WAYMARK_SCORE_BATCH_DELAY_MS": "1000"])
        try slow.run()
        defer { if slow.isRunning { kill(slow.processIdentifier, SIGKILL) } }
        var started = false
        for _ in 0..<100 where !started {
            Thread.sleep(forTimeInterval: 0.1)
            started = try db.psql("SELECT count(*) FROM scoring_runs WHERE status = 'running' AND models IS NOT NULL") == "1"
        }
        #expect(started)
        let second = try db.run(["score", "--as-of", "2025-06-01"])
        #expect(second.status == 4)
        #expect(second.stderr.contains("holds the lock"))
        #expect(second.stderr.contains("pid"))
        kill(slow.processIdentifier, SIGKILL)
        slow.waitUntilExit()
        #expect(try db.psql("SELECT run_id FROM current_runs") == previous)
        #expect(try db.psql("SELECT count(DISTINCT run_id) FROM client_scores") == "1")
        let rerun = try db.run(["score", "--as-of", "2025-06-01"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let current = try db.psql("SELECT run_id FROM current_runs")
        #expect(current != previous)
        #expect(try db.psql("SELECT status FROM scoring_runs WHERE status NOT IN ('published', 'superseded')") == "failed")
    }
}
