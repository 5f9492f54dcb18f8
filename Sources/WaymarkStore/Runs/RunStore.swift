package import Foundation
package import Postgres

/// Reads and manages scoring runs: the current night, listing, pruning, the scoring lock.
package struct RunStore {
    package let connection: Connection

    package init(connection: Connection) {
        self.connection = connection
    }

    /// One row of `scoring_runs`.
    package struct Run: Sendable, Codable, Hashable {
        package var runID: Int64
        package var asOf: String
        package var shard: String
        package var status: String
        package var catalogVersion: Int64?
        package var startedAt: Date
        package var publishedAt: Date?
        package var finishedAt: Date?
        /// Whether readers use this run (part of the current night).
        package var current: Bool
        package var parameters: String?
        package var models: String?
        package var summary: String?

        enum CodingKeys: String, CodingKey {
            case status, shard, current, parameters, models, summary
            case runID = "run_id"
            case asOf = "as_of"
            case catalogVersion = "catalog_version"
            case startedAt = "started_at"
            case publishedAt = "published_at"
            case finishedAt = "finished_at"
        }
    }

    /// The advisory lock key of a shard layout: one run per (shard index, shard count) at a time.
    ///
    /// The key also depends on the schema the tables live in, so two installations in different
    /// schemas of one database (or parallel test suites) do not block each other.
    package static func lockKey(shard: Shard, schema: String) -> Int64 {
        // FNV-1a: stable across processes, unlike Hasher.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in schema.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0100_0000_01b3
        }
        let layout = UInt64(shard.count) &* 4096 &+ UInt64(shard.index)
        return Int64(bitPattern: (0x7761_796D << 32) ^ (hash & 0xFFFF_0000_0000) ^ layout)
    }

    /// The lock key of a shard layout in the connection's current schema.
    package func lockKey(shard: Shard) throws -> Int64 {
        let schema = try connection.execute("SELECT current_schema()").scalar(String.self)
        return Self.lockKey(shard: shard, schema: schema)
    }

    /// "run 12 (as of …) started … by pid 4242 on host, application "waymark", backend pid …".
    func lockHolderMessage(shard: Shard) throws -> String {
        let key = try lockKey(shard: shard)
        let holder = try connection.execute("""
            SELECT a.pid, coalesce(a.application_name, ''), to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC',
                   coalesce(host(a.client_addr), 'local socket')
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
              AND l.classid::bigint = $1 AND l.objid::bigint = $2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            LIMIT 1
            """, [.int(Int64(UInt32(truncatingIfNeeded: key >> 32))), .int(Int64(UInt32(truncatingIfNeeded: key)))])
        var message = "another scoring run holds the lock for shard \(shard)"
        let run = try connection.execute("""
            SELECT run_id, to_char(as_of AT TIME ZONE 'UTC', 'YYYY-MM-DD'), to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC',
                   coalesce(parameters->>'pid', '?'), coalesce(parameters->>'host', '?')
            FROM scoring_runs WHERE status = 'running' AND shard_index = $1 AND shard_count = $2 ORDER BY run_id DESC LIMIT 1
            """, [.int(shard.index), .int(shard.count)])
        if run.rowCount == 1 {
            message += ": run \(run[0, 0] ?? "?") (as of \(run[0, 1] ?? "?")) running since \(run[0, 2] ?? "?"), process \(run[0, 3] ?? "?") on \(run[0, 4] ?? "?")"
        }
        if holder.rowCount == 1 {
            message += run.rowCount == 1 ? ";" : ":"
            message += " held by database session pid \(holder[0, 0] ?? "?") (application \"\(holder[0, 1] ?? "")\", from \(holder[0, 3] ?? "?")) connected since \(holder[0, 2] ?? "?")"
        }
        return message + ". Wait for it to finish, or stop it (SELECT pg_terminate_backend(pid)); a killed run leaves nothing visible and the next run completes the night."
    }

    /// Marks the `running` runs of a shard layout as failed and drops their tables. Call only
    /// while holding the layout's lock: those runs are dead.
    func cleanUpDeadRuns(shard: Shard) throws {
        let dead = try connection.execute(
            "SELECT run_id FROM scoring_runs WHERE status = 'running' AND shard_index = $1 AND shard_count = $2",
            [.int(shard.index), .int(shard.count)])
        for row in dead {
            try discard(runID: try row.decode(Int64.self, at: 0), status: "failed")
        }
    }

    /// Drops a run's result tables and sets its status (`failed`), or deletes its row (nil).
    func discard(runID: Int64, status: String?) throws {
        try connection.execute("DROP TABLE IF EXISTS client_scores_r\(runID), recommendations_r\(runID), cadence_states_r\(runID)")
        if let status {
            try connection.execute("UPDATE scoring_runs SET status = $2, finished_at = coalesce(finished_at, now()) WHERE run_id = $1",
                                   [.int(runID), .text(status)])
        } else {
            try connection.execute("DELETE FROM scoring_runs WHERE run_id = $1", [.int(runID)])
        }
    }

    /// The runs readers use (the current night), by shard index; empty before the first publish.
    package func currentRunIDs() throws -> [Int64] {
        try connection.execute("SELECT run_id FROM current_runs ORDER BY shard_index").map { try $0.decode(Int64.self, at: 0) }
    }

    private static let columns = """
        r.run_id, to_char(r.as_of AT TIME ZONE 'UTC', 'YYYY-MM-DD'), r.shard_index || '/' || r.shard_count, r.status, r.catalog_version,
        extract(epoch FROM r.started_at)::float8, extract(epoch FROM r.published_at)::float8, extract(epoch FROM r.finished_at)::float8,
        EXISTS (SELECT 1 FROM current_runs c WHERE c.run_id = r.run_id)
        """

    private static func run(_ row: Row, details: Bool) throws -> Run {
        Run(runID: try row.decode(Int64.self, at: 0), asOf: try row.decode(String.self, at: 1), shard: try row.decode(String.self, at: 2),
            status: try row.decode(String.self, at: 3), catalogVersion: try row.decode(Int64?.self, at: 4),
            startedAt: Date(timeIntervalSince1970: try row.decode(Double.self, at: 5)),
            publishedAt: try row.decode(Double?.self, at: 6).map { Date(timeIntervalSince1970: $0) },
            finishedAt: try row.decode(Double?.self, at: 7).map { Date(timeIntervalSince1970: $0) },
            current: try row.decode(Bool.self, at: 8),
            parameters: details ? try row.decode(String?.self, at: 9) : nil,
            models: details ? try row.decode(String?.self, at: 10) : nil,
            summary: details ? try row.decode(String?.self, at: 11) : nil)
    }

    /// Every run, newest first (at most `limit`).
    package func list(limit: Int = 100) throws -> [Run] {
        try connection.execute("SELECT \(Self.columns) FROM scoring_runs r ORDER BY r.run_id DESC LIMIT $1", [.int(limit)])
            .map { try Self.run($0, details: false) }
    }

    /// One run with its parameters, models and summary (JSON text).
    ///
    /// - Throws: ``StoreError`` `.notFound` when there is no such run.
    package func show(runID: Int64) throws -> Run {
        let result = try connection.execute("""
            SELECT \(Self.columns), r.parameters::text, r.models::text, r.summary::text FROM scoring_runs r WHERE r.run_id = $1
            """, [.int(runID)])
        guard let row = result.first else {
            throw StoreError(.runNotFound, "no scoring run \(runID)")
        }
        return try Self.run(row, details: true)
    }

    /// What ``prune(keep:dryRun:)`` keeps and drops.
    package struct PrunePlan: Sendable, Equatable {
        /// The runs kept, newest first: the newest `keep` runs, then any other run readers use.
        package var kept: [Int64]
        /// The runs removed (or to remove, on a dry run), oldest first.
        package var dropped: [Int64]
    }

    /// Which runs ``prune(keep:dryRun:)`` keeps and drops, without changing anything.
    ///
    /// A run is a run as the README counts them: a published run, whether it is still the one
    /// readers use or was superseded since by a later run of the same night (both have a
    /// `published_at`). The newest `keep` of those are kept, and always the current night's
    /// runs; failed and older runs are dropped. Runs still `running` are left alone.
    package func prunePlan(keep: Int) throws -> PrunePlan {
        let rows = try connection.execute("""
            WITH kept AS (
                SELECT run_id, published_at FROM scoring_runs WHERE status IN ('published', 'superseded')
                ORDER BY published_at DESC NULLS LAST, run_id DESC LIMIT $1
            )
            SELECT r.run_id, (r.run_id IN (SELECT run_id FROM kept) OR r.run_id IN (SELECT run_id FROM current_runs)) AS keep
            FROM scoring_runs r
            WHERE r.status <> 'running'
            ORDER BY r.published_at DESC NULLS LAST, r.run_id DESC
            """, [.int(max(0, keep))])
        var plan = PrunePlan(kept: [], dropped: [])
        for row in rows {
            let runID = try row.decode(Int64.self, at: 0)
            if try row.decode(Bool.self, at: 1) { plan.kept.append(runID) } else { plan.dropped.append(runID) }
        }
        plan.dropped.sort()
        return plan
    }

    /// Keeps the newest `keep` runs (published or superseded, see ``prunePlan(keep:)``) and always
    /// the current night's runs; drops the result partitions of the others and deletes their
    /// records, and those of failed runs. Runs still `running` are left alone.
    ///
    /// - Parameters:
    ///   - keep: how many runs to keep.
    ///   - dryRun: only say what would be kept and dropped; change nothing.
    /// - Returns: the runs kept and the runs removed (or that would be, on a dry run).
    package func prune(keep: Int, dryRun: Bool) throws -> PrunePlan {
        let plan = try prunePlan(keep: keep)
        guard !dryRun else { return plan }
        for runID in plan.dropped {
            try connection.transaction { connection in
                try RunStore(connection: connection).discard(runID: runID, status: nil)
            }
        }
        return plan
    }

    /// ``prune(keep:dryRun:)`` for real.
    ///
    /// - Returns: the run ids removed.
    package func prune(keep: Int) throws -> [Int64] {
        try prune(keep: keep, dryRun: false).dropped
    }
}
