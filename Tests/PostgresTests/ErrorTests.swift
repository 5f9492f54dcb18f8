import Foundation
import Postgres
import Testing

/// Server errors map to SQLSTATE codes; connection failures say where they tried; nothing leaks.
@Suite struct ErrorTests {
    let schema: TestSchema
    var connection: Connection { schema.connection }

    init() throws { schema = try TestSchema() }

    @Test func uniqueViolation() throws {
        try connection.execute("CREATE TABLE clients (email text CONSTRAINT clients_email_key UNIQUE)")
        try connection.execute("INSERT INTO clients VALUES ($1)", [.text("ann@example.com")])
        do {
            try connection.execute("INSERT INTO clients VALUES ($1)", [.text("ann@example.com")])
            Issue.record("a duplicate insert should fail")
        } catch {
            #expect(error.kind == .server)
            #expect(error.code == .uniqueViolation)
            #expect(error.constraintName == "clients_email_key")
            #expect(error.tableName == "clients")
            #expect(error.detail?.contains("ann@example.com") == true)
            #expect(error.statement == "INSERT INTO clients VALUES ($1)")
            #expect(!error.isConnectionProblem)
            // The description names the constraint but never the bound value nor the detail.
            #expect(error.description.contains("23505"))
            #expect(error.description.contains("clients_email_key"))
            #expect(!error.description.contains("ann@example.com"))
            #expect(String(reflecting: error).contains("ann@example.com"))
        }
        // The connection is still usable after an error.
        #expect(try connection.execute("SELECT count(*) FROM clients").scalar(Int.self) == 1)
    }

    @Test func foreignKeyNotNullAndCheckViolations() throws {
        try connection.executeScript(unsafeSQL: """
            CREATE TABLE products (id text PRIMARY KEY);
            CREATE TABLE purchases (product_id text NOT NULL REFERENCES products, amount numeric CHECK (amount > 0));
            """)
        #expect { try connection.execute("INSERT INTO purchases VALUES ($1, 1)", [.text("nope")]) }
            throws: { ($0 as? PostgresError)?.code == .foreignKeyViolation }
        #expect { try connection.execute("INSERT INTO purchases VALUES ($1, 1)", [nil]) }
            throws: { ($0 as? PostgresError)?.code == .notNullViolation && ($0 as? PostgresError)?.columnName == "product_id" }
        try connection.execute("INSERT INTO products VALUES ('p')")
        #expect { try connection.execute("INSERT INTO purchases VALUES ('p', $1)", [.numeric(PostgresNumeric("-1")!)]) }
            throws: { ($0 as? PostgresError)?.code == .checkViolation }
    }

    @Test func syntaxErrorHasPosition() throws {
        do {
            try connection.execute("SELEC 1")
            Issue.record("should fail")
        } catch {
            #expect(error.code == .syntaxError)
            #expect(error.position == 1)
            #expect(error.description.contains("SELEC 1"))
        }
    }

    @Test func undefinedTable() throws {
        #expect {
            try connection.execute("SELECT * FROM no_such_table WHERE id = $1", [.int(1)])
        } throws: { error in
            let error = error as? PostgresError
            return error?.code == .undefinedTable && error?.message.contains("no_such_table") == true
        }
    }

    @Test func invalidInputKeepsUnknownCodes() throws {
        #expect {
            try connection.execute("SELECT $1::int", [.text("twelve")])
        } throws: { error in
            let error = error as? PostgresError
            return error?.code == .invalidTextRepresentation && error?.code?.rawValue == "22P02"
                && error?.description.contains("twelve") == false && error?.description.contains("<$1>") == true
                && error.map { String(reflecting: $0) }?.contains("twelve") == true
        }
    }

    @Test func copyThroughExecuteIsRejectedAndLeavesConnectionUsable() throws {
        try connection.execute("CREATE TABLE t (x int)")
        #expect { try connection.execute("COPY t FROM STDIN") } throws: { ($0 as? PostgresError)?.kind == .clientMisuse }
        #expect { try connection.execute("COPY t TO STDOUT") } throws: { ($0 as? PostgresError)?.kind == .clientMisuse }
        #expect(try connection.execute("SELECT 41 + 1").scalar(Int.self) == 42)
    }

    @Test func lostConnectionIsAConnectionProblemAndResetRecovers() throws {
        let victimPID = connection.backendPID
        let killer = try schema.secondConnection()
        #expect(try killer.execute("SELECT pg_terminate_backend($1)", [.int(victimPID)]).scalar(Bool.self))
        // Wait until the backend is gone, then use the connection.
        for _ in 0..<100 {
            let alive = try killer.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", [.int(victimPID)]).scalar(Int.self)
            if alive == 0 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        do {
            try connection.execute("SELECT 1")
            Issue.record("a terminated backend should fail the next statement")
        } catch {
            #expect(error.isConnectionProblem, "\(error)")
            #expect(error.kind == .connectionLost || error.code == .adminShutdown)
        }
        #expect(!connection.isHealthy)
        #expect(connection.status == .bad)
        try connection.reset()
        #expect(connection.isHealthy)
        #expect(connection.backendPID != victimPID)
        #expect(try connection.execute("SELECT $1::int + 1", [.int(1)]).scalar(Int.self) == 2)
        try connection.execute("SELECT set_config('search_path', $1, false)", [.text(schema.name)])
    }
}

/// Connecting to places where there is no server.
@Suite struct ConnectionFailureTests {
    @Test func refusedSocketSaysWhereAndWhichDatabase() throws {
        let directory = "/tmp/no-such-postgres-\(UUID().uuidString.prefix(8))"
        let configuration = ConnectionConfiguration.conninfo("host=\(directory) port=5999 dbname=waymark_missing user=someone password=hunter2-secret")
        do {
            _ = try Connection(configuration: configuration)
            Issue.record("connecting to a missing socket should fail")
        } catch {
            #expect(error.kind == .connectionFailed)
            #expect(error.isConnectionProblem)
            #expect(error.description.contains(directory))
            #expect(error.description.contains("waymark_missing"))
            #expect(error.description.contains("5999"))
            #expect(!error.description.contains("hunter2-secret"))
            #expect(!String(reflecting: error).contains("hunter2-secret"))
        }
    }

    @Test func urlWithPasswordNeverShowsIt() throws {
        let configuration = ConnectionConfiguration.url("postgresql://alice:hunter2-secret@%2Ftmp%2Fno-such-dir:5999/shopdb")
        do {
            _ = try Connection(configuration: configuration)
            Issue.record("connecting to a missing socket should fail")
        } catch {
            #expect(error.description.contains("shopdb"))
            #expect(error.description.contains("/tmp/no-such-dir"))
            #expect(!error.description.contains("hunter2-secret"))
            #expect(!String(reflecting: error).contains("hunter2-secret"))
        }
    }

    @Test func wrongDatabaseOnARealServerIsReported() throws {
        // Uses the test server, naming a database that does not exist.
        var configuration = ConnectionConfiguration.conninfo("dbname=no_such_database_\(UUID().uuidString.prefix(6).lowercased())")
        configuration.connectTimeout = 10
        _ = try TestDatabase.connect() // fails with the setup hint when no server is configured
        #expect {
            _ = try Connection(configuration: configuration)
        } throws: { error in
            let error = error as? PostgresError
            return error?.kind == .connectionFailed && error?.description.contains("no_such_database_") == true
                && error?.description.contains("does not exist") == true
        }
    }
}
