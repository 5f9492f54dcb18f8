import Foundation
import Testing

/// Issue 14: a database failure never shows SQL to the person running a command, yet says what
/// failed and what to do: a missing table, a constraint the data breaks, a statement timeout, a
/// connection killed while a command waits, a database that cannot be reached, a migration that
/// fails.
@Suite("CLI: database errors without SQL (issue 14)", .serialized)
struct DatabaseErrorMessagesCLITests {
    /// Fails the test when `text` carries SQL: a keyword of a statement, or a statement's text.
    static func expectNoSQL(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        for fragment in ConcurrentImportCLITests.sqlFragments + ["CREATE TABLE", "$1"] {
            #expect(!text.contains(fragment), "SQL (\(fragment)) in a message: \(text)", sourceLocation: sourceLocation)
        }
    }

    /// A migrated schema with one client and one product.
    func seeded() throws -> CLIHarness {
        let cli = try CLIHarness()
        #expect(try cli.run(["migrate"]).status == 0)
        #expect(try cli.run(["import", "clients", try cli.write("c.csv", "client_id,first_seen\nC1,2024-01-01T00:00:00Z\n")]).status == 0)
        #expect(try cli.run(["import", "products", try cli.write("p.csv", "product_id,name,category,list_price\np1,One,cat,1\n")]).status == 0)
        return cli
    }

    /// A psql session holding `tables` of the harness's schema in ACCESS EXCLUSIVE mode while
    /// `body` runs; ended (its backend terminated) afterwards.
    func holdingLock<T>(_ cli: CLIHarness, on tables: String, _ body: () throws -> T) throws -> T {
        let name = "locker-" + cli.schema
        let locker = Process()
        locker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        locker.arguments = ["psql", "-X", "-q", "-c", "BEGIN; LOCK TABLE \(tables) IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(120); COMMIT"]
        locker.environment = cli.environment(["PGAPPNAME": name])
        locker.standardOutput = FileHandle.nullDevice
        locker.standardError = FileHandle.nullDevice
        try locker.run()
        defer {
            _ = try? cli.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '\(name)'", inSchema: false)
            locker.waitUntilExit()
        }
        var held = false
        for _ in 0..<400 where !held {
            held = try cli.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = '\(name)' AND wait_event = 'PgSleep'",
                                inSchema: false).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
            if !held { Thread.sleep(forTimeInterval: 0.025) }
        }
        #expect(held, "the locking session never held its lock")
        return try body()
    }

    /// The backends of the harness's schema that wait for a lock on one of its tables.
    func lockWaiters(_ cli: CLIHarness) throws -> [String] {
        try cli.psql("""
            SELECT DISTINCT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT l.granted AND n.nspname = '\(cli.schema)'
            """, inSchema: false).stdout.split(separator: "\n").map(String.init)
    }

    @Test("a missing table: exit 1, the relation named, 'run waymark migrate', no SQL")
    func missingTable() throws {
        let cli = try seeded()
        #expect(try cli.psql("DROP TABLE purchases").status == 0)
        let purchases = try cli.write("purchases.csv", "purchase_id,client_id,product_id,purchased_at,amount\nX1,C1,p1,2024-02-01T00:00:00Z,5\n")
        for arguments in [["recommend", "C1"], ["profile", "C1"], ["import", "purchases", purchases], ["score", "--as-of", "2025-01-01"]] {
            let result = try cli.run(arguments)
            Self.expectNoSQL(result.stderr)
            if arguments[0] == "score" { continue }  // it stops earlier: no catalog is loaded
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("relation \"purchases\" does not exist"), "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("run waymark migrate"), "\(arguments): \(result.stderr)")
        }
    }

    @Test("a constraint added by hand: exit 1, the constraint named, nothing stored, no SQL")
    func constraintViolation() throws {
        let cli = try seeded()
        #expect(try cli.psql("ALTER TABLE clients ADD CONSTRAINT segment_allowed CHECK (segment IS DISTINCT FROM 'forbidden')").status == 0)
        for (index, row) in ["C1,2024-01-01T00:00:00Z,forbidden", "C2,2024-01-01T00:00:00Z,forbidden"].enumerated() {
            let file = try cli.write("bad\(index).csv", "client_id,first_seen,segment\n\(row)\n")
            let result = try cli.run(["import", "clients", file])
            #expect(result.status == 1, "\(result.stderr)")
            Self.expectNoSQL(result.stderr)
            #expect(result.stderr.contains("segment_allowed") && result.stderr.contains("nothing was stored"), "\(result.stderr)")
        }
        #expect(try cli.psql("SELECT count(*) FROM clients WHERE segment = 'forbidden'").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    @Test("a statement timeout: exit 1, says it and what to do, no SQL")
    func statementTimeout() throws {
        let cli = try seeded()
        let timeout = ["PGOPTIONS": "-c search_path=\(cli.schema) -c statement_timeout=300"]
        try holdingLock(cli, on: "clients, purchases, catalogs") {
            for arguments in [["recommend", "C1"], ["import", "clients", cli.directory.appendingPathComponent("c.csv").path]] {
                let result = try cli.run(arguments, environment: timeout)
                #expect(result.status == 1, "\(arguments): \(result.stderr)")
                Self.expectNoSQL(result.stderr)
                #expect(result.stderr.contains("statement timeout") && result.stderr.contains("statement_timeout"), "\(arguments): \(result.stderr)")
            }
        }
    }

    @Test("a connection killed while a command waits: exit 3, 'became unavailable', no SQL")
    func droppedConnection() throws {
        let cli = try seeded()
        let result = try holdingLock(cli, on: "clients, purchases, catalogs") {
            let (process, out, err) = cli.process(["profile", "C1"])
            try process.run()
            // Kill its connection each time it waits (a reconnect may wait again), until it exits.
            var killed = 0
            let deadline = Date().addingTimeInterval(30)
            while process.isRunning && Date() < deadline {
                for pid in try lockWaiters(cli) {
                    _ = try cli.psql("SELECT pg_terminate_backend(\(pid))", inSchema: false)
                    killed += 1
                }
                Thread.sleep(forTimeInterval: 0.025)
            }
            #expect(killed > 0, "the command never waited for the lock")
            _ = out.fileHandleForReading.readDataToEndOfFile()
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, stderr)
        }
        #expect(result.0 == 3, "\(result.1)")
        Self.expectNoSQL(result.1)
        #expect(result.1.contains("the database became unavailable") && result.1.contains("to fix:"), "\(result.1)")
    }

    @Test("a database that cannot be reached: exit 3, where it looked, no SQL")
    func unreachable() throws {
        let cli = try CLIHarness()
        for arguments in [["recommend", "C1"], ["migrate"], ["score", "--as-of", "2025-01-01"]] {
            let result = try cli.run(arguments + ["--database-url", "postgresql://waymark@/waymark?host=/nonexistent/waymark-socket"])
            #expect(result.status == 3, "\(arguments): \(result.stderr)")
            Self.expectNoSQL(result.stderr)
            #expect(result.stderr.contains("/nonexistent/waymark-socket"), "\(arguments): \(result.stderr)")
        }
    }

    @Test("a migration that fails: exit 1, the migration and the reason named, not its SQL")
    func failedMigration() throws {
        let cli = try CLIHarness()
        #expect(try cli.psql("CREATE TABLE clients (something int)").status == 0)
        let result = try cli.run(["migrate"])
        #expect(result.status == 1, "\(result.stderr)")
        Self.expectNoSQL(result.stderr)
        #expect(result.stderr.contains("migration 0001_initial.sql failed") && result.stderr.contains("relation \"clients\" already exists"), "\(result.stderr)")
    }
}
