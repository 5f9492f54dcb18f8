import Foundation
import Postgres
import Testing

/// How the tests reach PostgreSQL: libpq's own `PG*` environment, as `scripts/dev-db env` sets it.
enum TestDatabase {
    static let setupHint = """
        PostgresTests need a running PostgreSQL server, found through libpq's PG* environment \
        variables. Start the embedded one and export its settings: \
        `scripts/dev-db start && eval "$(scripts/dev-db env)"` (or set PGHOST, PGPORT, PGDATABASE, PGUSER).
        """

    /// A new connection from the environment, or an error that says how to provide one.
    static func connect(applicationName: String = "PostgresTests") throws -> Connection {
        var configuration = ConnectionConfiguration.environment
        configuration.applicationName = applicationName
        configuration.connectTimeout = 10
        do {
            return try Connection(configuration: configuration)
        } catch {
            Issue.record("\(setupHint)\nConnection error: \(error)")
            throw error
        }
    }
}

/// A connection working in its own fresh schema, dropped when the value goes away, so test
/// suites can run in parallel with each other and with other test targets.
final class TestSchema {
    let connection: Connection
    let name: String

    init() throws {
        connection = try TestDatabase.connect()
        name = "pgtest_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        // The name is generated here (letters and digits only); identifiers cannot be parameters.
        try connection.execute("CREATE SCHEMA \(name)")
        try connection.execute("SELECT set_config('search_path', $1, false)", [.text(name)])
    }

    /// Another connection using the same schema.
    func secondConnection() throws -> Connection {
        let other = try TestDatabase.connect(applicationName: "PostgresTests-2")
        try other.execute("SELECT set_config('search_path', $1, false)", [.text(name)])
        return other
    }

    deinit {
        if connection.transactionStatus != .idle { _ = try? connection.execute("ROLLBACK") }
        if !connection.isHealthy { try? connection.reset() }
        _ = try? connection.execute("DROP SCHEMA \(name) CASCADE")
    }
}
