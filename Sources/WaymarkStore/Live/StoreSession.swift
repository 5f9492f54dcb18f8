import Foundation
package import Logging
package import Postgres

/// Where the database is, as the Store's callers name it (libpq's environment, a URL, …).
package typealias DatabaseConfiguration = ConnectionConfiguration

/// One long-lived database connection: opened lazily, reopened after a loss, with backoff.
///
/// A call that finds the database unreachable fails fast with ``StoreError/Code/databaseUnavailable``
/// instead of waiting; the next attempt to connect is made once the backoff has passed (100 ms,
/// doubling to 2 s), so the session comes back by itself when the database does. A connection
/// lost in the middle of a call is reopened at once and the call retried once: every statement
/// the live paths run is a read or an idempotent upsert, so a retry cannot write twice.
///
/// Not `Sendable`: one owner (the stdio server's loop).
package final class StoreSession {
    package let configuration: DatabaseConfiguration
    private let logger: Logger
    private var connection: Connection?
    private var nextAttempt: ContinuousClock.Instant?
    private var backoff: Duration = .zero
    private static let firstBackoff: Duration = .milliseconds(100)
    private static let longestBackoff: Duration = .seconds(2)
    /// The reason of the last failure to connect, for the log and `health`.
    package private(set) var lastFailure: String?

    package init(configuration: DatabaseConfiguration, logger: Logger) {
        var configuration = configuration
        if configuration.connectTimeout == nil { configuration.connectTimeout = 5 }
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs `body` with a usable connection.
    ///
    /// - Throws: ``StoreError`` `.databaseUnavailable` when the database cannot be reached (with
    ///   ``StoreError/retryAfterMilliseconds`` when the next attempt is known), `.conflict` for a
    ///   serialization failure or deadlock; rethrows everything else `body` throws.
    func withConnection<T>(_ body: (Connection) throws -> T) throws -> T {
        var attempts = 0
        while true {
            attempts += 1
            let connection = try open()
            do {
                return try body(connection)
            } catch let error as PostgresError where error.isConnectionProblem || !connection.isHealthy {
                logger.warning("lost the database connection", metadata: ["error": "\(error)"])
                drop()
                if attempts >= 2 { throw Self.unavailable(retryAfter: nil, underlying: error) }
            } catch let error as PostgresError where error.isRetryableTransactionFailure {
                throw StoreError(.conflict, "the database reported a serialization failure or deadlock; try again", underlying: error)
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

    private static func unavailable(retryAfter: Duration?, underlying: (any Error & Sendable)?) -> StoreError {
        var error = StoreError(.databaseUnavailable, "the database is unavailable", underlying: underlying)
        error.retryAfterMilliseconds = retryAfter.map { Int($0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000) }
        return error
    }

    private func open() throws(StoreError) -> Connection {
        if let connection, connection.isHealthy { return connection }
        drop()
        let now = ContinuousClock.now
        if let nextAttempt, now < nextAttempt {
            throw Self.unavailable(retryAfter: nextAttempt - now, underlying: nil)
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
            throw Self.unavailable(retryAfter: backoff, underlying: error)
        }
    }

    private func drop() {
        connection = nil
    }
}

@available(*, unavailable)
extension StoreSession: Sendable {}
