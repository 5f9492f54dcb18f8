import Foundation
import Postgres
import Testing
@testable import WaymarkStore

/// A connection working in its own fresh, migrated schema, dropped when the value goes away, so
/// suites can run in parallel. The server comes from libpq's PG* variables (`scripts/test` sets them),
/// or, with `citus`, is the Citus coordinator of `WAYMARK_TEST_CITUS_URL`, the schema distributed
/// (4 shards).
final class StoreTestDatabase {
    let connection: Connection
    let schema: String
    /// Where the server is (without the schema).
    let server: ConnectionConfiguration

    /// The Citus coordinator the Citus suites run against, when one is given.
    static let citusURL = ProcessInfo.processInfo.environment["WAYMARK_TEST_CITUS_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let citusSkipReason: Comment = "no Citus cluster: set WAYMARK_TEST_CITUS_URL to a coordinator's URL (docs/scale-out.md)"

    init(migrate: Bool = true, citus: Bool = false) throws {
        var configuration = citus ? ConnectionConfiguration.url(Self.citusURL ?? "") : ConnectionConfiguration.environment
        configuration.applicationName = "WaymarkStoreTests"
        configuration.connectTimeout = 10
        do {
            connection = try Connection(configuration: configuration)
        } catch {
            Issue.record("""
                WaymarkStoreTests need PostgreSQL through the PG* variables: \
                scripts/dev-db start && eval "$(scripts/dev-db env)". Error: \(error)
                """)
            throw error
        }
        server = configuration
        schema = "storetest_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try connection.execute("CREATE SCHEMA \(schema)")
        try connection.execute("SELECT set_config('search_path', $1, false)", [.text(schema)])
        if migrate {
            _ = try Migrator(migrations: try Self.repositoryMigrations()).migrate(connection)
            if citus { _ = try Distributor(connection: connection).distribute(shardCount: 4) }
        }
    }

    /// A configuration whose sessions work in this schema.
    var configuration: ConnectionConfiguration {
        var configuration = server
        configuration.extraParameters["options"] = "-c search_path=\(schema)"
        return configuration
    }

    /// The migrations of the checkout's sql/ directory.
    static func repositoryMigrations() throws -> [Migration] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try Migration.load(from: root.appendingPathComponent("sql"))
    }

    func count(_ table: String) throws -> Int {
        try connection.execute("SELECT count(*) FROM \(table)").scalar(Int.self)
    }

    deinit {
        if connection.transactionStatus != .idle { _ = try? connection.execute("ROLLBACK") }
        _ = try? connection.execute("DROP SCHEMA \(schema) CASCADE")
    }
}
