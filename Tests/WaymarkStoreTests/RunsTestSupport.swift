import Foundation
import Postgres
import Testing
import WaymarkCore
@testable import WaymarkStore

/// A fresh migrated schema filled with a small population, and a stored test catalog.
///
/// 60 clients C001…C060: every third is a prospect (no purchase); the others bought 1 to 4
/// products over the year before 2025-06-01. Scoring runs open their own connections, so the
/// schema is passed to them through the connection's `options` (search_path).
final class RunsTestDatabase {
    let database: StoreTestDatabase
    var connection: Connection { database.connection }
    static let asOf = Timestamp(year: 2025, month: 6, day: 1)
    static let clientCount = 60

    static let catalog = """
        version: "test-1"
        name: Test catalog
        contact_policy:
          consent_exempt_channels: [web]
        items:
          - id: offer-lead
            kind: offer
            title: First purchase offer
            category: starter
            channels: [email, web]
            when: stage == "prospect"
            value: 10
          - id: offer-extra
            kind: offer
            title: Something more
            category: extra
            channels: [email, web]
            when: purchase_count >= 1
            value: 20
          - id: msg-thanks
            kind: message
            title: Thank you
            channels: [email, web]
            when: purchase_count >= 1
            template: "Thank you, {{client_id}}"
        """

    init(citus: Bool = false) throws {
        database = try StoreTestDatabase(citus: citus)
        try connection.execute("""
            INSERT INTO products (product_id, name, category, list_price) VALUES
              ('P-START', 'Starter', 'starter', 50), ('P-EXTRA', 'Extra', 'extra', 80), ('P-MORE', 'More', 'more', 30)
            """)
        try connection.execute("""
            INSERT INTO clients (client_id, first_seen, consents)
            SELECT 'C' || lpad(i::text, 3, '0'), timestamptz '2024-01-01' + i * interval '1 day', '{email}'
            FROM generate_series(1, $1::int) i
            """, [.int(Self.clientCount)])
        try connection.execute("""
            INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount)
            SELECT 'C' || lpad(i::text, 3, '0'), 'X' || i || '-' || k,
                   (ARRAY['P-START', 'P-MORE', 'P-EXTRA', 'P-MORE'])[k],
                   timestamptz '2024-06-01' + (i * 3 + k * 40) * interval '1 day', 20 + k * 5
            FROM generate_series(1, $1::int) i, generate_series(1, 4) k
            WHERE i % 3 <> 0 AND k <= 1 + i % 4
            """, [.int(Self.clientCount)])
        _ = try CatalogStore(connection: connection).save(Self.catalog, file: "test-catalog.yaml")
    }

    /// A configuration whose sessions work in this test's schema.
    var configuration: ConnectionConfiguration { database.configuration }

    func options(shard: Shard = .all) -> ScoringOptions {
        var options = ScoringOptions(asOf: Self.asOf)
        options.shard = shard
        options.workers = 2
        options.batchSize = 8
        return options
    }

    func run(shard: Shard = .all, afterBatch: (@Sendable (Int) throws -> Void)? = nil) throws -> RunSummary {
        var options = options(shard: shard)
        options.afterBatch = afterBatch
        return try ScoringRun(configuration: configuration, options: options).run()
    }

    func currentRuns() throws -> [Int64] { try RunStore(connection: connection).currentRunIDs() }

    /// Result tables of a run that exist (attached or not).
    func resultTables(_ runID: Int64) throws -> Int {
        try connection.execute("""
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname IN ('client_scores_r' || $2::text, 'recommendations_r' || $2::text)
            """, [.text(database.schema), .int(runID)]).scalar(Int.self)
    }
}

struct InjectedFailure: Error {}
