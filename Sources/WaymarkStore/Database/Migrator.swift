package import Foundation
package import Logging
package import Postgres

/// One numbered SQL file of `sql/`.
package struct Migration: Sendable, Equatable {
    /// The number the file name starts with (`0001_initial.sql` → 1).
    package var version: Int
    /// The file name.
    package var name: String
    package var sql: String

    package init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Reads every `NNNN_name.sql` file of a directory, in version order.
    /// - Throws: ``StoreError`` for a file name without a number or two files with one number.
    package static func load(from directory: URL) throws(StoreError) -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw StoreError(.invalidInput, "cannot read the migrations directory \(directory.path): \(error.localizedDescription)")
        }
        var migrations: [Migration] = []
        for name in names.sorted() where name.hasSuffix(".sql") {
            guard let version = Int(name.prefix { $0.isNumber }), version > 0 else {
                throw StoreError(.invalidInput, "migration file \(name) must start with its number, e.g. 0002_add_holdout.sql")
            }
            if let other = migrations.first(where: { $0.version == version }) {
                throw StoreError(.invalidInput, "migrations \(other.name) and \(name) have the same number \(version)")
            }
            let url = directory.appendingPathComponent(name)
            guard let sql = try? String(contentsOf: url, encoding: .utf8) else {
                throw StoreError(.invalidInput, "cannot read migration \(url.path) as UTF-8 text")
            }
            migrations.append(Migration(version: version, name: name, sql: sql))
        }
        return migrations
    }

    /// The migrations shipped with Waymark: those of `WAYMARK_MIGRATIONS_DIR` when it is set, else
    /// the copy of `sql/` bundled beside the executable, else a `sql/` directory above it (a
    /// checkout).
    package static func bundled() throws(StoreError) -> [Migration] {
        let environment = ProcessInfo.processInfo.environment
        if let override = environment["WAYMARK_MIGRATIONS_DIR"], !override.isEmpty {
            return try load(from: URL(fileURLWithPath: override))
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        let bundledCopy = directory.appendingPathComponent("waymark_WaymarkStore.resources/Migrations")
        if FileManager.default.fileExists(atPath: bundledCopy.appendingPathComponent("0001_initial.sql").path) {
            return try load(from: bundledCopy)
        }
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("sql")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("0001_initial.sql").path) {
                return try load(from: candidate)
            }
            directory.deleteLastPathComponent()
        }
        throw StoreError(.failure, """
            cannot find Waymark's migrations: expected them in \(bundledCopy.path) or a sql/ directory above \
            the executable; set WAYMARK_MIGRATIONS_DIR to the sql/ directory of the waymark sources
            """)
    }
}

/// Applies pending migrations, each in its own transaction, and records them with a checksum.
///
/// Running it again does nothing. A migration file edited after it was applied is refused: its
/// checksum no longer matches the recorded one. Concurrent runs wait for each other (an advisory
/// lock), so two deployments starting at once do not both apply a file.
package struct Migrator {
    package var migrations: [Migration]
    package var logger: Logger

    package init(migrations: [Migration], logger: Logger = Logger(label: "waymark.migrate", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.migrations = migrations
        self.logger = logger
    }

    /// What `migrate` did.
    package struct Outcome: Sendable, Equatable {
        package var applied: [String]
        package var alreadyApplied: Int
    }

    /// The advisory lock key that serialises migrations ("waymark.migrate").
    static let lockKey: Int64 = 0x7761_796D_6967_7261

    /// Applies what is pending.
    /// - Throws: ``StoreError`` `.invalidInput` when an applied file changed or the database has a
    ///   migration this build does not know; ``PostgresError`` when a migration fails (that
    ///   migration is rolled back; earlier ones stay applied).
    package func migrate(_ connection: Connection) throws -> Outcome {
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    integer     PRIMARY KEY,
                name       text        NOT NULL,
                checksum   text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        try connection.execute("SELECT pg_advisory_lock($1)", [.int(Self.lockKey)])
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock($1)", [.int(Self.lockKey)]) }

        var applied: [Int: (name: String, checksum: String)] = [:]
        for row in try connection.execute("SELECT version, name, checksum FROM schema_migrations") {
            applied[try row.decode(Int.self, at: 0)] = (try row.decode(String.self, at: 1), try row.decode(String.self, at: 2))
        }
        let known = Set(migrations.map(\.version))
        if let unknown = applied.keys.sorted().first(where: { !known.contains($0) }) {
            throw StoreError(.invalidInput, """
                the database has migration \(applied[unknown]!.name) (version \(unknown)), which this build of waymark \
                does not have: use a newer waymark
                """)
        }
        var outcome = Outcome(applied: [], alreadyApplied: 0)
        for migration in migrations {
            let checksum = try Self.checksum(migration.sql, connection: connection)
            if let record = applied[migration.version] {
                guard record.checksum == checksum else {
                    throw StoreError(.invalidInput, """
                        migration \(migration.name) was edited after it was applied (recorded checksum \
                        \(record.checksum.prefix(12)), file now \(checksum.prefix(12))): an applied migration must \
                        not change; restore the file and put the change in a new migration
                        """)
                }
                outcome.alreadyApplied += 1
                continue
            }
            logger.info("applying migration", metadata: ["migration": "\(migration.name)"])
            try connection.transaction { connection in
                do {
                    try connection.executeScript(unsafeSQL: migration.sql)
                } catch {
                    // The message without the migration's SQL (the log has it).
                    let reason = (error as? PostgresError)?.userDescription ?? "\(error)"
                    throw StoreError(.failure, "migration \(migration.name) failed: \(reason)", underlying: error)
                }
                try connection.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    [.int(migration.version), .text(migration.name), .text(checksum)])
            }
            outcome.applied.append(migration.name)
        }
        return outcome
    }

    /// The SHA-256 of a migration's text, computed by the server.
    static func checksum(_ sql: String, connection: Connection) throws -> String {
        try connection.execute("SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex')", [.text(sql)]).scalar(String.self)
    }
}
