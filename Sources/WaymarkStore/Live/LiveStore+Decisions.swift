import Postgres
import WaymarkCore

/// What the last published run decided for one client: its stored recommendations, in rank order.
package struct StoredDecisions: Sendable, Hashable {
    package var clientID: String
    /// The published run the rows come from (the client's shard's run).
    package var runID: Int64?
    /// The run's as_of, `YYYY-MM-DD`.
    package var runAsOf: String?
    package var decisions: [StoredDecision]

    /// One stored recommendation, with the explanation the run wrote (`admitted_by`, `trigger`,
    /// `factors`, `summary`) as JSON text.
    package struct StoredDecision: Sendable, Hashable {
        package var rank: Int
        package var itemID: String
        package var kind: String
        package var channel: String
        package var score: Double
        package var message: String?
        package var explanationJSON: String
    }
}

/// One client found by ``LiveStore/searchClients(idPrefix:segment:limit:)``.
package struct ClientSummary: Sendable, Hashable {
    package var clientID: String
    package var segment: String
    package var region: String
    /// `YYYY-MM-DD`.
    package var firstSeen: String
    /// The stage the last published run gave the client; nil before the first run or for a client newer than it.
    package var stage: String?
}

extension LiveStore {
    /// The recommendations the last published run stored for one client, in rank order.
    ///
    /// - Returns: the decisions, empty when the run recommended nothing to the client (or the
    ///   client came after the run).
    /// - Throws: ``StoreError`` `.notFound` for an unknown client, `.noPublishedRun` when no run
    ///   is published yet, `.databaseUnavailable`, `.conflict`.
    package func storedDecisions(clientID: String) throws -> StoredDecisions {
        guard FieldFormats.isValidID(clientID) else { throw StoreError.malformedClientID(clientID) }
        return try session.withConnection { connection in
            let check = try connection.executeCached("""
                SELECT EXISTS (SELECT 1 FROM clients WHERE client_id = $1), EXISTS (SELECT 1 FROM current_runs)
                """, [.text(clientID)])
            guard try check.decode(Bool.self, row: 0, column: 0) else { throw Self.unknownClient(clientID) }
            guard try check.decode(Bool.self, row: 0, column: 1) else {
                throw StoreError(.noPublishedRun, "no scoring run is published yet: run `waymark score`")
            }
            let rows = try connection.executeCached("""
                SELECT r.run_id, to_char(s.as_of AT TIME ZONE 'UTC', 'YYYY-MM-DD'), r.rank, r.item_id, r.kind, r.channel,
                       r.score, r.message, r.explanation::text
                FROM recommendations r JOIN scoring_runs s ON s.run_id = r.run_id
                WHERE r.run_id IN (SELECT run_id FROM current_runs) AND r.client_id = $1 AND NOT r.holdout
                ORDER BY r.rank
                """, [.text(clientID)])
            var result = StoredDecisions(clientID: clientID, runID: nil, runAsOf: nil, decisions: [])
            for row in rows {
                result.runID = try row.decode(Int64.self, at: 0)
                result.runAsOf = try row.decode(String.self, at: 1)
                result.decisions.append(StoredDecisions.StoredDecision(
                    rank: try row.decode(Int.self, at: 2), itemID: try row.decode(String.self, at: 3),
                    kind: try row.decode(String.self, at: 4), channel: try row.decode(String.self, at: 5),
                    score: try row.decode(Double.self, at: 6), message: try row.decode(String?.self, at: 7),
                    explanationJSON: try row.decode(String.self, at: 8)))
            }
            return result
        }
    }

    /// Clients whose id starts with `idPrefix` and whose segment is `segment` (either may be
    /// nil: no condition), in client id order (bytewise), at most `limit`.
    ///
    /// Both values are bound parameters; the prefix is compared as text, so `%` and `_` in it
    /// are plain characters.
    ///
    /// - Throws: ``StoreError`` `.databaseUnavailable`, `.conflict`. No match is not an error.
    package func searchClients(idPrefix: String?, segment: String?, limit: Int) throws -> [ClientSummary] {
        try session.withConnection { connection in
            let rows = try connection.executeCached("""
                SELECT c.client_id, c.segment, c.region, to_char(c.first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD'), s.stage
                FROM clients c
                LEFT JOIN client_scores s ON s.client_id = c.client_id AND s.run_id IN (SELECT run_id FROM current_runs)
                WHERE ($1::text IS NULL OR starts_with(c.client_id, $1::text)) AND ($2::text IS NULL OR c.segment = $2::text)
                ORDER BY c.client_id COLLATE "C"
                LIMIT $3
                """, [idPrefix.map { .text($0) }, segment.map { .text($0) }, .int(max(0, limit))])
            return try rows.map { row in
                ClientSummary(clientID: try row.decode(String.self, at: 0), segment: try row.decode(String.self, at: 1),
                              region: try row.decode(String.self, at: 2), firstSeen: try row.decode(String.self, at: 3),
                              stage: try row.decode(String?.self, at: 4))
            }
        }
    }
}
