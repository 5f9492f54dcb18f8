import Foundation
package import Postgres
package import WaymarkCore

/// One live answer to log: who was shown what, when, with which catalog, models and inputs.
package struct DecisionLogEntry: Sendable, Hashable {
    package var clientID: String
    /// The moment scored.
    package var asOf: Timestamp
    package var catalogVersion: Int64
    /// The run whose fitted models were used; nil: none yet (heuristics).
    package var modelVersion: Int64?
    package var inputs: DecisionInputs
    package var topK: Int?
    package var channel: String?
    package var holdout: Bool
    /// ``DecisionRow/text(_:)`` of the answer.
    package var decisions: String
    /// Days to keep entries (`audit.retention_days`).
    package var retentionDays: Int
}

/// The live decision log (`decision_log`), written when the catalog's `audit.decision_log` is
/// on, and read by `waymark explain --decision` and `waymark decisions`.
package struct DecisionLog {
    package let connection: Connection

    package init(connection: Connection) {
        self.connection = connection
    }

    /// Appends an entry and deletes the entries older than its retention.
    ///
    /// - Returns: the entry's decision id.
    /// - Throws: ``PostgresError`` when the database fails.
    package func record(_ entry: DecisionLogEntry) throws -> Int64 {
        let id = try connection.executeCached("""
            INSERT INTO decision_log (client_id, as_of, catalog_version, model_version, input_hash, inputs, top_k, channel, holdout, decisions)
            VALUES ($1, to_timestamp($2::bigint), $3, $4, $5, $6, $7, $8, $9, $10) RETURNING decision_id
            """, [.text(entry.clientID), .int(entry.asOf.seconds), .int(entry.catalogVersion), entry.modelVersion.map { .int($0) },
                  .text(entry.inputs.hash), .text(entry.inputs.encoded), entry.topK.map { .int($0) }, entry.channel.map { .text($0) },
                  .bool(entry.holdout), .text(entry.decisions)]).scalar(Int64.self)
        try connection.executeCached("DELETE FROM decision_log WHERE decided_at < clock_timestamp() - make_interval(days => $1::int)",
                                     [.int(entry.retentionDays)])
        return id
    }

    /// One logged answer as stored.
    package struct Stored: Sendable, Hashable {
        package var decisionID: Int64
        package var clientID: String
        /// When it was answered (epoch seconds, with fractions).
        package var decidedAt: Double
        package var asOf: Timestamp
        package var catalogVersion: Int64
        package var modelVersion: Int64?
        package var inputHash: String
        package var inputs: String
        package var topK: Int?
        package var channel: String?
        package var holdout: Bool
        package var decisions: String
    }

    /// The entries of a client (all clients when nil), newest first, at most `limit`.
    ///
    /// - Throws: ``PostgresError`` when the database fails.
    package func entries(clientID: String?, decisionID: Int64? = nil, limit: Int = 100) throws -> [Stored] {
        let rows = try connection.execute("""
            SELECT decision_id, client_id, extract(epoch FROM decided_at)::float8, extract(epoch FROM as_of)::bigint, catalog_version,
                   model_version, input_hash, inputs, top_k, channel, holdout, decisions
            FROM decision_log
            WHERE ($1::text IS NULL OR client_id = $1::text) AND ($2::bigint IS NULL OR decision_id = $2::bigint)
            ORDER BY decided_at DESC, decision_id DESC LIMIT $3
            """, [clientID.map { .text($0) }, decisionID.map { .int($0) }, .int(limit)])
        return try rows.map { row in
            Stored(decisionID: try row.decode(Int64.self, at: 0), clientID: try row.decode(String.self, at: 1),
                   decidedAt: try row.decode(Double.self, at: 2), asOf: Timestamp(seconds: try row.decode(Int64.self, at: 3)),
                   catalogVersion: try row.decode(Int64.self, at: 4), modelVersion: try row.decode(Int64?.self, at: 5),
                   inputHash: try row.decode(String.self, at: 6), inputs: try row.decode(String.self, at: 7),
                   topK: try row.decode(Int?.self, at: 8), channel: try row.decode(String?.self, at: 9),
                   holdout: try row.decode(Bool.self, at: 10), decisions: try row.decode(String.self, at: 11))
        }
    }
}
