import Foundation
import Testing

/// The scoring fixture on the shared `CLIHarness`: a fresh schema, migrated, with 60 clients,
/// their purchases and a two-offer catalog loaded.
final class ScoreCLIDatabase {
    typealias Output = CLIHarness.Output

    let harness: CLIHarness
    var schema: String { harness.schema }

    init() throws {
        harness = try CLIHarness()
        let migrate = try run(["migrate"])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        try psql("""
            INSERT INTO products (product_id, name, category, list_price) VALUES
              ('P-START', 'Starter', 'starter', 50), ('P-EXTRA', 'Extra', 'extra', 80), ('P-MORE', 'More', 'more', 30);
            INSERT INTO clients (client_id, first_seen, consents)
            SELECT 'C' || lpad(i::text, 3, '0'), timestamptz '2024-01-01' + i * interval '1 day', '{email}' FROM generate_series(1, 60) i;
            INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount)
            SELECT 'C' || lpad(i::text, 3, '0'), 'X' || i || '-' || k, (ARRAY['P-START', 'P-MORE', 'P-EXTRA', 'P-MORE'])[k],
                   timestamptz '2024-06-01' + (i * 3 + k * 40) * interval '1 day', 20 + k * 5
            FROM generate_series(1, 60) i, generate_series(1, 4) k WHERE i % 3 <> 0 AND k <= 1 + i % 4;
            """)
        let catalog = try harness.write("catalog.yaml", Self.catalog)
        let load = try run(["catalog", "load", catalog])
        #expect(load.status == 0, "\(load.stderr)")
    }

    static let catalog = """
        version: "test-1"
        name: Test catalog
        items:
          - id: offer-lead
            kind: offer
            title: First purchase offer
            category: starter
            channels: [email]
            when: stage == "prospect"
            value: 10
          - id: offer-extra
            kind: offer
            title: Something more
            category: extra
            channels: [email]
            when: purchase_count >= 1
            value: 20
        """

    /// A `waymark ARGS` process in this schema, not yet started (for tests that signal it).
    func process(_ arguments: [String], extraEnvironment: [String: String] = [:]) -> (Process, Pipe, Pipe) {
        harness.process(arguments, environment: extraEnvironment)
    }

    /// Runs `waymark ARGS` in this schema.
    func run(_ arguments: [String], extraEnvironment: [String: String] = [:]) throws -> Output {
        try harness.run(arguments, environment: extraEnvironment)
    }

    /// Runs SQL with psql in this schema; returns the unaligned output, trimmed.
    @discardableResult
    func psql(_ sql: String) throws -> String {
        let output = try harness.psql(sql)
        guard output.status == 0 else {
            throw CLITestError(message: "psql failed (\(output.status)) for: \(sql)")
        }
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

struct CLITestError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
