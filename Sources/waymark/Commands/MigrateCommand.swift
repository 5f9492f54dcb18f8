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

            Citus (docs/scale-out.md): --distribute, on a database with the citus extension, then \
            distributes every table with a client_id column by client_id, co-located, makes products a \
            reference table and keeps the control tables (catalogs, scoring_runs, schema_migrations) on \
            the coordinator. Running it again distributes only what is new; once the schema is \
            distributed, a plain migrate distributes the tables later migrations add.

            Examples:
              waymark migrate
              waymark migrate --database-url postgresql://waymark@db.example.com/waymark
              waymark migrate --distribute --shard-count 64
            """
    )

    @Flag(help: "After migrating, distribute the schema over the Citus cluster (the citus extension must be installed).")
    var distribute = false

    @Option(name: .customLong("shard-count"),
            help: ArgumentHelp("With --distribute: the number of shards of the client tables (default: Citus's citus.shard_count, 32).", valueName: "n"))
    var shardCount: Int?

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if shardCount != nil && !distribute { throw ValidationError("--shard-count goes with --distribute") }
        if let shardCount, shardCount < 1 || shardCount > 64_000 { throw ValidationError("--shard-count must be between 1 and 64000") }
    }

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
            // A distributed schema stays distributed: what new migrations added is placed too.
            let placing = try distribute || (!outcome.applied.isEmpty && Distributor.isDistributed(connection))
            guard placing else { return }
            let placed = try Distributor(connection: connection, logger: logger).distribute(shardCount: shardCount)
            try writeOutput(Self.describe(placed))
        }
    }

    /// The lines `--distribute` prints.
    static func describe(_ outcome: Distributor.Outcome) -> String {
        var text = ""
        let nodes = outcome.workers == 0 ? "on the coordinator (no workers registered)" : "over \(outcome.workers) workers"
        for table in outcome.distributed { text += "distributed \(table) by client_id\n" }
        for table in outcome.referenced { text += "made \(table) a reference table\n" }
        if outcome.distributed.isEmpty && outcome.referenced.isEmpty {
            text += "schema is distributed already (\(outcome.already.count) tables)\n"
        }
        text += "client tables: \(outcome.shardCount) shards \(nodes), co-located by client_id\n"
        if !outcome.local.isEmpty { text += "kept on the coordinator: \(outcome.local.joined(separator: ", "))\n" }
        return text
    }
}
