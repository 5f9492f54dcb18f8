import ArgumentParser
import WaymarkStore

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or update the database schema (applies the pending files of sql/).",
        discussion: """
            Each migration runs in its own transaction and is recorded in schema_migrations with its \
            checksum. Running it again does nothing; an applied migration that was edited afterwards is \
            refused (exit code 2).

            Examples:
              waymark migrate
              waymark migrate --database-url postgresql://waymark@db.example.com/waymark
            """
    )

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try reportingErrors {
            let logger = database.logging.makeLogger("waymark.migrate")
            let connection = try database.connect(logger: logger)
            let outcome = try Migrator(migrations: try Migration.bundled(), logger: logger).migrate(connection)
            if outcome.applied.isEmpty {
                try writeOutput("schema is up to date (\(outcome.alreadyApplied) migrations applied)\n")
            } else {
                for name in outcome.applied { try writeOutput("applied \(name)\n") }
            }
        }
    }
}
