import Postgres
import Testing
import WaymarkCore
@testable import WaymarkStore

@Suite("Scoring runs: stage history dated from the timeline", .serialized)
struct RunsStageSinceTests {
    @Test("the first run dates each stage from the timeline, not the run's as_of, and history matches the scores")
    func firstRunDatesStagesFromTheTimeline() throws {
        let db = try RunsTestDatabase()
        let summary = try db.run()
        // Prospects: since first_seen (2024-01-01 + i days), not the run date 2025-06-01.
        let prospects = try db.connection.execute("""
            SELECT count(*) FROM stage_history h JOIN clients c USING (client_id)
            WHERE h.run_id = $1 AND h.stage = 'prospect' AND h.changed_at = c.first_seen
            """, [.int(summary.runID)]).scalar(Int.self)
        #expect(prospects == RunsTestDatabase.clientCount / 3)
        // No stage starts at the run's as_of when the timeline dates it (only a p_alive threshold
        // crossed before the client fell behind their usual pace has no earlier date).
        let atAsOf = try db.connection.execute("""
            SELECT count(*) FROM stage_history WHERE run_id = $1 AND changed_at = to_timestamp($2) AND reason NOT LIKE 'p_alive%'
            """, [.int(summary.runID), .int(RunsTestDatabase.asOf.seconds)]).scalar(Int.self)
        #expect(atAsOf == 0)
        // The stored history and the scores agree: date and reason.
        let disagreements = try db.connection.execute("""
            SELECT count(*) FROM stage_history h JOIN client_scores s ON s.client_id = h.client_id AND s.run_id = h.run_id
            WHERE h.run_id = $1 AND (h.changed_at <> s.stage_since OR h.reason <> s.stage_reason)
            """, [.int(summary.runID)]).scalar(Int.self)
        #expect(disagreements == 0)
        // A rerun reads the recorded stages back: nothing changes, nothing is resurrected.
        let again = try db.run()
        #expect(again.stageChanges.isEmpty)
        #expect(try db.database.count("stage_history") == RunsTestDatabase.clientCount)
    }
}
