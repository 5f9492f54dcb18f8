import ArgumentParser

/// The `waymark` command: a thin layer that parses arguments and wires the modules together.
@main
struct Waymark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "waymark",
        abstract: "Loyalty and lifecycle recommendations: the next offers and reinforcement messages for every client.",
        discussion: """
            Data goes to stdout (as a table, JSON or CSV by --format); logs and progress go to stderr.

            The database is, in order: --database-url, WAYMARK_DATABASE_URL, libpq's PG* variables, \
            then the embedded database started by scripts/dev-db.

            Exit codes: 0 success, 1 failure, 2 invalid input (a data file, a catalog), \
            3 database unavailable, 4 another run holds the lock, 64 bad command-line usage.

            Examples:
              waymark migrate
              waymark import purchases data/purchases.csv
              waymark recommend C0000042 --explain
              waymark help score
            """,
        version: WaymarkVersion.current,
        subcommands: [
            MigrateCommand.self,
            ImportCommand.self,
            GenerateCommand.self,
            CatalogCommand.self,
            ScoreCommand.self,
            RecommendCommand.self,
            ProfileCommand.self,
            JourneysCommand.self,
            ExportCommand.self,
            RunsCommand.self,
            ServeCommand.self,
            EvaluateCommand.self,
            ClvCommand.self,
            ExplainCommand.self,
            DecisionsCommand.self,
            UpliftCommand.self,
            WhatIfCommand.self,
        ]
    )
}

enum WaymarkVersion {
    static let current = "0.1.0"
}
