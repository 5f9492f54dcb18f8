package import Postgres
package import WaymarkCore

/// Streams a run's recommendations out with `COPY … TO STDOUT`, for e-mail/SMS tools and
/// data warehouses. Memory is one row.
package struct ResultExporter {
    package enum Format: String, Sendable, CaseIterable {
        /// RFC 4180 CSV with a header row.
        case csv
        /// One JSON object per line.
        case jsonl
        /// One JSON array of the same objects (streamed: one object per line between the brackets).
        case json
    }

    package let connection: Connection

    package init(connection: Connection) {
        self.connection = connection
    }

    /// Writes the recommendations of `runIDs` (default: the current night's runs), ordered by
    /// client and rank, each with the client's stage, CLV and tier.
    ///
    /// Columns: run_id, client_id, rank, item_id, kind, channel, score, message, stage, clv_12m,
    /// tier, explanation (JSON text), then the explanation in readable columns: summary (the
    /// priority in words), reasons (the checks that admitted the item and the propensity's
    /// reasons, joined by ` | `), life_event (the trigger, empty when none) and title (the item's
    /// title in the catalog version the run used). See docs/formats.md, "Export".
    ///
    /// What the holdout withheld is left out; with `includeHoldout` it is written too, and a last
    /// column `holdout` tells those rows (true) from the ones to send.
    ///
    /// With `recordPresentationsAt`, every row sent (not the withheld ones) is first recorded as
    /// presented at that moment (``recordPresentations(runIDs:at:)``), so live answers after the
    /// export respect the cooldowns and caps.
    ///
    /// - Parameters:
    ///   - includeHoldout: also write the withheld rows, with a `holdout` column.
    ///   - recordPresentationsAt: record the exported rows as presented at this moment.
    ///   - write: receives the output in pieces (lines).
    /// - Returns: the number of rows written.
    /// - Throws: ``StoreError`` `.notFound` when nothing is published yet or a run does not
    ///   exist or was pruned; ``PostgresError`` when the database fails.
    @discardableResult
    package func export(runID: Int64?, format: Format, includeHoldout: Bool = false, recordPresentationsAt: Timestamp? = nil,
                        write: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        let runIDs: [Int64]
        if let runID {
            let result = try connection.execute("""
                SELECT status FROM scoring_runs r WHERE run_id = $1
                AND EXISTS (SELECT 1 FROM pg_class WHERE relname = 'recommendations_r' || r.run_id AND relispartition)
                """, [.int(runID)])
            guard result.rowCount == 1 else {
                throw StoreError(.runNotFound, "run \(runID) has no published results (never published, failed or pruned)")
            }
            runIDs = [runID]
        } else {
            runIDs = try RunStore(connection: connection).currentRunIDs()
            guard !runIDs.isEmpty else {
                throw StoreError(.noPublishedRun, "no scoring run is published yet")
            }
        }
        if let recordAt = recordPresentationsAt {
            try recordPresentations(runIDs: runIDs, at: recordAt)
        }
        let list = runIDs.map(String.init).joined(separator: ",")
        try loadTitles(runs: list)
        let query = """
            SELECT r.run_id, r.client_id, r.rank, r.item_id, r.kind, r.channel, r.score, r.message,
                   s.stage, s.clv_12m, s.tier, r.explanation,
                   r.explanation->>'summary' AS summary,
                   (SELECT string_agg(x.reason, ' | ' ORDER BY x.n)
                    FROM jsonb_array_elements_text(coalesce(r.explanation->'admitted_by', '[]'::jsonb)
                                                   || coalesce(r.explanation->'propensity_reasons', '[]'::jsonb))
                         WITH ORDINALITY AS x(reason, n)) AS reasons,
                   r.explanation->>'trigger' AS life_event,
                   t.title\(includeHoldout ? ", r.holdout" : "")
            FROM recommendations r JOIN client_scores s ON s.run_id = r.run_id AND s.client_id = r.client_id
            JOIN scoring_runs sr ON sr.run_id = r.run_id
            LEFT JOIN pg_temp.waymark_export_titles t ON t.catalog_version = sr.catalog_version AND t.item_id = r.item_id
            WHERE r.run_id IN (\(list))\(includeHoldout ? "" : " AND NOT r.holdout") ORDER BY r.client_id COLLATE "C", r.rank
            """
        switch format {
        case .csv:
            return try connection.copyOutLines("COPY (\(query)) TO STDOUT WITH (FORMAT csv, HEADER)") { line in try write(line) } - 1
        case .jsonl, .json:
            let array = format == .json
            var first = true
            func emit(_ text: String) throws {
                var text = text
                try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
            }
            if array { try emit("[") }
            let rows = try connection.copyOut("COPY (SELECT row_to_json(t)::text FROM (\(query)) t) TO STDOUT") { fields in
                try emit(array ? (first ? "\n" : ",\n") + (fields[0] ?? "null") : (fields[0] ?? "null") + "\n")
                first = false
            }
            if array { try emit(first ? "]\n" : "\n]\n") }
            return rows
        }
    }

    /// Fills this session's temporary table of item titles from the catalog versions the runs
    /// `runs` (a list of run ids) used, for the export's join. A stored version that no longer
    /// validates gives no titles: its rows' title is then empty.
    private func loadTitles(runs: String) throws {
        try connection.execute("""
            CREATE TEMP TABLE IF NOT EXISTS waymark_export_titles (
                catalog_version bigint NOT NULL, item_id text NOT NULL, title text NOT NULL)
            """)
        try connection.execute("TRUNCATE pg_temp.waymark_export_titles")
        let versions = try connection.execute(
            "SELECT DISTINCT catalog_version FROM scoring_runs WHERE run_id IN (\(runs)) AND catalog_version IS NOT NULL")
        let store = CatalogStore(connection: connection)
        var titles: [(version: Int64, item: String, title: String)] = []
        for row in 0..<versions.rowCount {
            let version = try versions.decode(Int64.self, row: row, column: 0)
            guard let loaded = try? store.load(version: version) else { continue }
            titles += loaded.catalog.items.map { (version, $0.id, $0.title) }
        }
        guard !titles.isEmpty else { return }
        try connection.copyIn("COPY pg_temp.waymark_export_titles (catalog_version, item_id, title) FROM STDIN") { writer in
            for entry in titles {
                try writer.appendField(entry.version)
                try writer.appendField(entry.item)
                try writer.appendField(entry.title)
                try writer.endRow()
            }
        }
    }

    /// Records the rows `runIDs` sent (not the withheld ones) as `presented` responses at `at`,
    /// in one statement: response id `run<R>-<rank>`, so recording a run twice stores each
    /// presentation once (the first moment is kept).
    ///
    /// - Returns: the number of presentations newly recorded.
    /// - Throws: ``PostgresError`` when the database fails.
    @discardableResult
    package func recordPresentations(runIDs: [Int64], at: Timestamp) throws -> Int {
        try connection.execute("""
            INSERT INTO responses (client_id, response_id, item_id, channel, presented_at, outcome)
            SELECT r.client_id, 'run' || r.run_id || '-' || r.rank, r.item_id, r.channel, to_timestamp($2::bigint), 'presented'
            FROM recommendations r WHERE r.run_id = ANY($1::int8[]) AND NOT r.holdout
            ON CONFLICT (client_id, response_id) DO NOTHING
            """, [.intArray(runIDs.map(Optional.some)), .int(at.seconds)]).affectedRows
    }
}
