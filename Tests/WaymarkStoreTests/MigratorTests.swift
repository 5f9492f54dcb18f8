import Foundation
import Postgres
import Testing
@testable import WaymarkStore

@Suite("Migrator")
struct MigratorTests {
    @Test("applies every migration once, records checksums, and does nothing the second time")
    func appliesOnce() throws {
        let db = try StoreTestDatabase(migrate: false)
        let migrations = try StoreTestDatabase.repositoryMigrations()
        #expect(!migrations.isEmpty)
        let first = try Migrator(migrations: migrations).migrate(db.connection)
        #expect(first.applied == migrations.map(\.name))
        let second = try Migrator(migrations: migrations).migrate(db.connection)
        #expect(second.applied.isEmpty)
        #expect(second.alreadyApplied == migrations.count)
        let recorded = try db.connection.execute("SELECT count(*) FROM schema_migrations WHERE length(checksum) = 64").scalar(Int.self)
        #expect(recorded == migrations.count)
        #expect(try db.count("clients") == 0)
    }

    @Test("refuses a migration edited after it was applied, naming it")
    func refusesEditedMigration() throws {
        let db = try StoreTestDatabase(migrate: false)
        var migrations = try StoreTestDatabase.repositoryMigrations()
        _ = try Migrator(migrations: migrations).migrate(db.connection)
        migrations[0].sql += "\n-- an innocent-looking edit\n"
        #expect {
            _ = try Migrator(migrations: migrations).migrate(db.connection)
        } throws: { error in
            guard let error = error as? StoreError else { return false }
            return error.code == .invalidInput && error.message.contains(migrations[0].name) && error.message.contains("edited")
        }
    }

    @Test("a failing migration is rolled back and not recorded")
    func failingMigrationRollsBack() throws {
        let db = try StoreTestDatabase(migrate: false)
        let good = Migration(version: 1, name: "0001_ok.sql", sql: "CREATE TABLE a (x int);")
        let bad = Migration(version: 2, name: "0002_bad.sql", sql: "CREATE TABLE b (x int); SELECT * FROM no_such_table;")
        #expect(throws: (any Error).self) { _ = try Migrator(migrations: [good, bad]).migrate(db.connection) }
        #expect(try db.connection.execute("SELECT count(*) FROM schema_migrations").scalar(Int.self) == 1)
        #expect(try db.connection.execute("SELECT to_regclass('b') IS NULL").scalar(Bool.self))
        let fixed = Migration(version: 2, name: "0002_bad.sql", sql: "CREATE TABLE b (x int);")
        let outcome = try Migrator(migrations: [good, fixed]).migrate(db.connection)
        #expect(outcome.applied == ["0002_bad.sql"])
    }

    @Test("refuses a database with a migration this build does not know")
    func refusesUnknownVersion() throws {
        let db = try StoreTestDatabase(migrate: false)
        let one = Migration(version: 1, name: "0001_ok.sql", sql: "CREATE TABLE a (x int);")
        let two = Migration(version: 2, name: "0002_more.sql", sql: "CREATE TABLE b (x int);")
        _ = try Migrator(migrations: [one, two]).migrate(db.connection)
        #expect(throws: StoreError.self) { _ = try Migrator(migrations: [one]).migrate(db.connection) }
    }

    @Test("loads numbered files in order and rejects a file without a number")
    func loadsFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "SELECT 2;".write(to: directory.appendingPathComponent("0002_b.sql"), atomically: true, encoding: .utf8)
        try "SELECT 1;".write(to: directory.appendingPathComponent("0001_a.sql"), atomically: true, encoding: .utf8)
        try "notes".write(to: directory.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        #expect(try Migration.load(from: directory).map(\.version) == [1, 2])
        try "SELECT 3;".write(to: directory.appendingPathComponent("later.sql"), atomically: true, encoding: .utf8)
        #expect(throws: StoreError.self) { _ = try Migration.load(from: directory) }
    }
}
