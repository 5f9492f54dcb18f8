import Foundation
package import Logging
package import Postgres

/// The server's one database connection: opened lazily, reopened after a loss, with backoff.
///
/// A request that finds the database unreachable fails fast with -32003 instead of waiting; the
/// next attempt to connect is made once the backoff has passed (100 ms, doubling to 2 s), so the
/// server comes back by itself when the database does. A connection lost in the middle of a
/// request is reopened at once and the request retried once: every statement the methods run is
/// a read or an idempotent upsert, so a retry cannot write twice.
package final class DatabaseSession {
    package let configuration: ConnectionConfiguration
    private let logger: Logger
    private var connection: Connection?
    /// Names of the statements prepared on the current connection.
    private var prepared: Set<String> = []
    private var nextAttempt: ContinuousClock.Instant?
    private var backoff: Duration = .zero
    private static let firstBackoff: Duration = .milliseconds(100)
    private static let longestBackoff: Duration = .seconds(2)
    /// The reason of the last failure to connect, for the log and `health`.
    package private(set) var lastFailure: String?

    package init(configuration: ConnectionConfiguration, logger: Logger) {
        var configuration = configuration
        if configuration.connectTimeout == nil { configuration.connectTimeout = 5 }
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs `body` with a usable connection.
    ///
    /// - Throws: ``RPCError`` -32003 when the database cannot be reached, -32004 for a
    ///   serialization failure or deadlock; rethrows everything else `body` throws.
    package func withConnection<T>(_ body: (Connection, inout Set<String>) throws -> T) throws -> T {
        var attempts = 0
        while true {
            attempts += 1
            let connection = try open()
            do {
                return try body(connection, &prepared)
            } catch let error as PostgresError where error.isConnectionProblem || !connection.isHealthy {
                logger.warning("lost the database connection", metadata: ["error": "\(error)"])
                drop()
                if attempts >= 2 { throw RPCError.databaseUnavailable(retryAfterMilliseconds: nil) }
            } catch let error as PostgresError where error.isRetryableTransactionFailure {
                throw RPCError.conflict()
            }
        }
    }

    /// Whether the database answers now (a round trip), connecting if needed.
    package func ping() -> Bool {
        guard let connection = try? open() else { return false }
        if connection.ping() { return true }
        drop()
        return (try? open())?.ping() ?? false
    }

    private func open() throws(RPCError) -> Connection {
        if let connection, connection.isHealthy { return connection }
        drop()
        let now = ContinuousClock.now
        if let nextAttempt, now < nextAttempt {
            let wait = nextAttempt - now
            throw RPCError.databaseUnavailable(retryAfterMilliseconds: Int(wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000))
        }
        do {
            let opened = try Connection(configuration: configuration, logger: logger)
            if lastFailure != nil { logger.notice("reconnected to the database", metadata: ["target": "\(opened.target)"]) }
            connection = opened
            backoff = .zero
            nextAttempt = nil
            lastFailure = nil
            return opened
        } catch {
            backoff = backoff == .zero ? Self.firstBackoff : min(backoff * 2, Self.longestBackoff)
            nextAttempt = ContinuousClock.now + backoff
            if lastFailure == nil { logger.error("cannot reach the database", metadata: ["error": "\(error)"]) }
            lastFailure = error.redactedMessage
            throw RPCError.databaseUnavailable(retryAfterMilliseconds: Int(backoff.components.seconds * 1000 + backoff.components.attoseconds / 1_000_000_000_000_000))
        }
    }

    private func drop() {
        connection = nil
        prepared.removeAll()
    }
}
