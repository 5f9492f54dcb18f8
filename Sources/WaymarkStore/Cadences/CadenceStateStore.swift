package import Postgres
package import WaymarkCore

/// Stores the cadence states a pass changed (`cadence_states`, migration 0005).
///
/// The live answers upsert a client's changed states at once (``save(_:clientID:)``); the nightly
/// run COPYs them into its own table `cadence_states_rN` (``write(_:to:)``) and merges that table
/// in its publishing transaction (``mergeSQL(runID:)``). Either way a row is only replaced by a
/// state moved at a moment no earlier than the stored one's (`moved_at`): a night replayed for an
/// earlier date never undoes a later answer.
package struct CadenceStateStore {
    package let connection: Connection

    package init(connection: Connection) {
        self.connection = connection
    }

    /// The columns of `cadence_states`, in the order ``write(_:to:)`` appends them.
    static let columns = "client_id, cadence_id, status, step, entered_at, next_due, entry_stage, ended_at, reason, moved_at"

    /// The upsert's conflict clause: the newer move wins.
    static let onConflict = """
        ON CONFLICT (client_id, cadence_id) DO UPDATE SET
            status = EXCLUDED.status, step = EXCLUDED.step, entered_at = EXCLUDED.entered_at, next_due = EXCLUDED.next_due,
            entry_stage = EXCLUDED.entry_stage, ended_at = EXCLUDED.ended_at, reason = EXCLUDED.reason, moved_at = EXCLUDED.moved_at
        WHERE cadence_states.moved_at <= EXCLUDED.moved_at
        """

    /// Upserts one client's changed states (``CadenceOutcome/changed``); nothing to do for none.
    ///
    /// - Throws: ``PostgresError`` when the database fails.
    package func save(_ states: [CadenceState], clientID: String) throws {
        for state in states {
            try connection.executeCached("""
                INSERT INTO cadence_states (\(Self.columns))
                VALUES ($1, $2, $3, $4, to_timestamp($5), to_timestamp($6), $7, to_timestamp($8), $9, to_timestamp($10))
                \(Self.onConflict)
                """, [.text(clientID), .text(state.cadenceID), .text(state.status.rawValue), .int(state.step),
                      .int(state.enteredAt.seconds), .int(state.nextDue.seconds), .text(state.entryStage),
                      state.endedAt.map { .int($0.seconds) }, .text(state.reason), .int((state.movedAt ?? state.enteredAt).seconds)])
        }
    }

    /// The statement that creates a run's own table (not read by anyone until merged).
    static func createSQL(runID: Int64) -> String {
        "CREATE UNLOGGED TABLE cadence_states_r\(runID) (LIKE cadence_states INCLUDING DEFAULTS)"
    }

    /// The statement, run in the publishing transaction, that merges a run's table into
    /// `cadence_states` and drops it.
    static func mergeSQL(runID: Int64) -> [String] {
        [
            "INSERT INTO cadence_states (\(columns)) SELECT \(columns) FROM cadence_states_r\(runID) \(onConflict)",
            "DROP TABLE cadence_states_r\(runID)",
        ]
    }

    /// One changed state of one client, waiting for the run's writer.
    struct Row: Sendable {
        var clientID: String
        var state: CadenceState
    }

    /// Appends a row (columns ``columns``).
    static func write(_ row: Row, to writer: inout CopyInWriter) throws(PostgresError) {
        let s = row.state
        try writer.appendField(row.clientID)
        try writer.appendField(s.cadenceID)
        try writer.appendField(s.status.rawValue)
        try writer.appendField(Int64(s.step))
        try writer.appendField(ResultRows.timestamp(s.enteredAt))
        try writer.appendField(ResultRows.timestamp(s.nextDue))
        try writer.appendField(s.entryStage)
        try writer.appendField(s.endedAt.map(ResultRows.timestamp))
        try writer.appendField(s.reason)
        try writer.appendField(ResultRows.timestamp(s.movedAt ?? s.enteredAt))
        try writer.endRow()
    }
}
