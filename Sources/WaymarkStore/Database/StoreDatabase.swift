package import Logging
package import Postgres

/// A connection to Waymark's database, as the Store's types take it.
///
/// Callers outside the Store hold one and hand it back to the Store's types (`CatalogStore`,
/// `RunStore`, …); they never use its members, so they need not import `Postgres`.
package typealias StoreConnection = Connection

/// The database Waymark talks to: where it is found (see ``DatabaseLocator``), under which
/// application name the server lists it, and how to connect to it.
///
/// ```swift
/// let database = StoreDatabase(url: nil, applicationName: "waymark")
/// let connection = try database.connect(logger: logger)
/// ```
package struct StoreDatabase: Sendable {
    /// Where to connect, with the application name set.
    package var configuration: DatabaseConfiguration
    /// Where the configuration came from, for messages.
    package var origin: DatabaseLocator.Origin

    /// Locates the database.
    ///
    /// - Parameters:
    ///   - url: the URL given on the command line, if any; otherwise the environment and the
    ///     embedded database decide (``DatabaseLocator``).
    ///   - applicationName: the name the server shows for the connections (`pg_stat_activity`).
    package init(url: String?, applicationName: String) {
        let (located, origin) = DatabaseLocator(explicitURL: url).locate()
        var configuration = located
        configuration.applicationName = applicationName
        self.configuration = configuration
        self.origin = origin
    }

    /// What is wrong with a database URL given on the command line, or nil when it can be used.
    package static func problem(withURL url: String) -> String? {
        ConnectionConfiguration.problem(withURL: url)
    }

    /// Connects.
    ///
    /// - Throws: ``StoreError`` with code ``StoreError/Code/databaseUnavailable``, saying where
    ///   the configuration came from and libpq's reason.
    package func connect(logger: Logger) throws(StoreError) -> StoreConnection {
        do {
            return try Connection(configuration: configuration, logger: logger)
        } catch {
            throw StoreError(.databaseUnavailable, "cannot connect to the database from \(origin): \(error.userDescription)", underlying: error)
        }
    }
}
