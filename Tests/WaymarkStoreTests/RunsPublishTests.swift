import Foundation
import Postgres
import Testing
import WaymarkCore
@testable import WaymarkStore

@Suite("Scoring runs: publish, failure, lock, shards, prune", .serialized)
struct RunsPublishTests {
    @Test("a run publishes every client's scores and recommendations atomically, with stage history")
    func publishes() throws {
        let db = try RunsTestDatabase()
        #expect(try db.currentRuns().isEmpty)
        let summary = try db.run()
        #expect(summary.clients == RunsTestDatabase.clientCount)
        #expect(try db.currentRuns() == [summary.runID])
        #expect(try db.database.count("client_scores") == RunsTestDatabase.clientCount)
        #expect(try db.database.count("recommendations") == summary.recommendations)
        #expect(summary.stages["prospect"] == RunsTestDatabase.clientCount / 3)
        // Prospects get the lead offer.
        let lead = try db.connection.execute(
            "SELECT count(*) FROM recommendations WHERE item_id = 'offer-lead'").scalar(Int.self)
        #expect(lead == RunsTestDatabase.clientCount / 3)
        // Every client's first stage is recorded once, with the run id.
        #expect(try db.connection.execute("SELECT count(*) FROM stage_history WHERE run_id = $1", [.int(summary.runID)]).scalar(Int.self)
                == RunsTestDatabase.clientCount)
        let stored = try db.connection.execute("SELECT status, summary->>'clients', models->'lifetime'->>'kind' FROM scoring_runs WHERE run_id = $1",
                                                [.int(summary.runID)])
        #expect(stored[0, 0] == "published")
        #expect(stored[0, 1] == String(RunsTestDatabase.clientCount))
        #expect(stored[0, 2] == "mbgnbd")  // the default model (settings.lifetime.model)

        // A second run of the same night supersedes the first; no stage change is recorded again.
        let again = try db.run()
        #expect(again.stageChanges.isEmpty)
        #expect(try db.currentRuns() == [again.runID])
        #expect(try db.connection.execute("SELECT status FROM scoring_runs WHERE run_id = $1", [.int(summary.runID)]).scalar(String.self) == "superseded")
        #expect(try db.database.count("stage_history") == RunsTestDatabase.clientCount)
    }

    @Test("a run that fails in the middle leaves the previous run current and nothing of its own; a rerun completes")
    func failedRunLeavesNothing() throws {
        let db = try RunsTestDatabase()
        let first = try db.run()
        let scoresBefore = try db.database.count("client_scores")
        #expect(throws: InjectedFailure.self) {
            _ = try db.run { streamed in if streamed >= 16 { throw InjectedFailure() } }
        }
        let failed = try db.connection.execute("SELECT run_id FROM scoring_runs WHERE status = 'failed'").scalar(Int64.self)
        #expect(try db.currentRuns() == [first.runID])
        #expect(try db.database.count("client_scores") == scoresBefore)
        #expect(try db.resultTables(failed) == 0)
        let rerun = try db.run()
        #expect(try db.currentRuns() == [rerun.runID])
        #expect(rerun.clients == RunsTestDatabase.clientCount)
    }

    @Test("a killed run (status running, unattached tables) is invisible and cleaned up by the next run")
    func killedRunIsCleanedUp() throws {
        let db = try RunsTestDatabase()
        let first = try db.run()
        // What kill -9 leaves: a running row and an unattached result table with rows.
        let dead = try db.connection.execute("""
            INSERT INTO scoring_runs (as_of, shard_index, shard_count) VALUES (to_timestamp($1), 0, 1) RETURNING run_id
            """, [.int(RunsTestDatabase.asOf.seconds)]).scalar(Int64.self)
        try db.connection.execute("CREATE TABLE client_scores_r\(dead) (LIKE client_scores INCLUDING DEFAULTS)")
        try db.connection.execute("INSERT INTO client_scores_r\(dead) (run_id, client_id, stage, stage_reason, p_alive, expected_purchases_90d, clv_12m) VALUES (\(dead), 'C001', 'lapsed', 'x', 0, 0, 0)")
        #expect(try db.currentRuns() == [first.runID])
        #expect(try db.connection.execute("SELECT count(*) FROM client_scores WHERE run_id = $1", [.int(dead)]).scalar(Int.self) == 0)
        let next = try db.run()
        #expect(try db.resultTables(dead) == 0)
        #expect(try db.connection.execute("SELECT status FROM scoring_runs WHERE run_id = $1", [.int(dead)]).scalar(String.self) == "failed")
        #expect(try db.currentRuns() == [next.runID])
    }

    @Test("a second run of the same shard while one holds the lock fails with .locked naming the holder")
    func concurrentRunIsLocked() throws {
        let db = try RunsTestDatabase()
        let holder = try Connection(configuration: db.configuration)
        #expect(try holder.tryAdvisoryLock(key: RunStore.lockKey(shard: .all, schema: db.database.schema)))
        do {
            _ = try db.run()
            Issue.record("the run should have been refused")
        } catch let error as StoreError {
            #expect(error.code == .locked)
            #expect(error.message.contains("pid \(holder.backendPID)"))
            #expect(error.message.contains("WaymarkStoreTests"))
        }
        // Another shard layout is not blocked.
        let shard = try db.run(shard: Shard(index: 0, count: 2))
        #expect(shard.clients > 0)
        try holder.advisoryUnlock(key: RunStore.lockKey(shard: .all, schema: db.database.schema))
        #expect(try db.run().clients == RunsTestDatabase.clientCount)
    }

    @Test("N shards score every client exactly once and publish as one night")
    func shardsCoverEveryClientOnce() throws {
        let db = try RunsTestDatabase()
        let whole = try db.run()
        var runs: [Int64] = []
        var total = 0
        for index in 0..<3 {
            let summary = try db.run(shard: Shard(index: index, count: 3))
            runs.append(summary.runID)
            total += summary.clients
            // Until the last shard is published, readers keep the previous night.
            #expect(try db.currentRuns() == (index < 2 ? [whole.runID] : runs))
        }
        #expect(total == RunsTestDatabase.clientCount)
        let ids = runs.map(String.init).joined(separator: ",")
        let counts = try db.connection.execute("SELECT count(*), count(DISTINCT client_id) FROM client_scores WHERE run_id IN (\(ids))")
        #expect(counts[0, 0] == String(RunsTestDatabase.clientCount))
        #expect(counts[0, 1] == String(RunsTestDatabase.clientCount))
    }

    @Test("prune keeps the newest N published runs and drops the others' partitions")
    func pruneKeepsNewest() throws {
        let db = try RunsTestDatabase()
        var ids: [Int64] = []
        for _ in 0..<3 { ids.append(try db.run().runID) }
        // The first two are superseded by the third (same night); prune removes them.
        let removed = try RunStore(connection: db.connection).prune(keep: 1)
        #expect(removed == [ids[0], ids[1]])
        #expect(try db.resultTables(ids[0]) == 0)
        #expect(try db.resultTables(ids[1]) == 0)
        #expect(try db.resultTables(ids[2]) == 2)
        #expect(try db.connection.execute("SELECT array_agg(run_id ORDER BY run_id)::text FROM scoring_runs").scalar(String.self) == "{\(ids[2])}")
        #expect(try db.currentRuns() == [ids[2]])
        #expect(try db.database.count("client_scores") == RunsTestDatabase.clientCount)
    }

    @Test("prune counts superseded runs as runs: keep 2 of 3 keeps two; a dry run changes nothing")
    func pruneCountsSupersededRuns() throws {
        let db = try RunsTestDatabase()
        var ids: [Int64] = []
        for _ in 0..<3 { ids.append(try db.run().runID) }
        let store = RunStore(connection: db.connection)
        let planned = try store.prune(keep: 2, dryRun: true)
        #expect(planned == RunStore.PrunePlan(kept: [ids[2], ids[1]], dropped: [ids[0]]))
        #expect(try db.resultTables(ids[0]) == 2)
        #expect(try db.connection.execute("SELECT count(*) FROM scoring_runs").scalar(Int.self) == 3)
        #expect(try store.prune(keep: 2) == [ids[0]])
        #expect(try db.resultTables(ids[0]) == 0)
        #expect(try db.resultTables(ids[1]) == 2)
        #expect(try db.connection.execute("SELECT array_agg(run_id ORDER BY run_id)::text FROM scoring_runs").scalar(String.self) == "{\(ids[1]),\(ids[2])}")
    }
}
