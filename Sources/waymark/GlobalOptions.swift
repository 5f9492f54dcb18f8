import ArgumentParser
import Foundation
import Logging
import WaymarkStore

/// Options every command that talks to the database shares.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"),
            help: ArgumentHelp("The database, e.g. postgresql://user@host/waymark (default: WAYMARK_DATABASE_URL, PG* variables, then scripts/dev-db's).",
                               valueName: "url"))
    var databaseURL: String?

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if let databaseURL, let problem = StoreDatabase.problem(withURL: databaseURL) {
            throw ValidationError("--database-url is not a PostgreSQL URL: \(problem); e.g. --database-url postgresql://waymark@localhost/waymark")
        }
    }

    /// Where the database is, named `applicationName` for the server.
    func store(applicationName: String = "waymark") -> StoreDatabase {
        StoreDatabase(url: databaseURL, applicationName: applicationName)
    }

    /// Connects, or throws a database-unavailable error that says where it tried.
    func connect(logger: Logger) throws(StoreError) -> StoreConnection {
        try store().connect(logger: logger)
    }
}

/// The log level option.
struct LoggingOptions: ParsableArguments {
    @Option(name: .customLong("log-level"),
            help: ArgumentHelp("How much to log on stderr: trace, debug, info, notice, warning, error (default: WAYMARK_LOG_LEVEL or notice).",
                               valueName: "level"))
    var logLevel: String?

    func validate() throws {
        if let logLevel, Logger.Level(rawValue: logLevel.lowercased()) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical; got '\(logLevel)'")
        }
    }

    /// Bootstraps logging to stderr once and returns a logger for `label`.
    func makeLogger(_ label: String) -> Logger {
        LoggingBootstrap.once(level: resolvedLevel)
        return Logger(label: label)
    }

    var resolvedLevel: Logger.Level {
        let text = logLevel ?? ProcessInfo.processInfo.environment["WAYMARK_LOG_LEVEL"] ?? "notice"
        return Logger.Level(rawValue: text.lowercased()) ?? .notice
    }
}

enum LoggingBootstrap {
    nonisolated(unsafe) private static var done = false

    static func once(level: Logger.Level) {
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
