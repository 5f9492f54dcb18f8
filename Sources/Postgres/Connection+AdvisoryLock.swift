import Logging

extension Connection {
    /// Takes the session-level advisory lock `key` if no other session holds it (`pg_try_advisory_lock`).
    ///
    /// Session locks are kept until ``advisoryUnlock(key:)`` or the end of the session (also a
    /// lost connection), whatever happens to transactions. They are re-entrant: a session that
    /// takes one twice must release it twice.
    ///
    /// - Returns: `true` when the lock was taken, `false` when another session holds it.
    package func tryAdvisoryLock(key: Int64) throws(PostgresError) -> Bool {
        try execute("SELECT pg_try_advisory_lock($1::bigint)", [.int(key)]).scalar(Bool.self)
    }

    /// Takes the session-level advisory lock `key`, waiting as long as another session holds it.
    package func advisoryLock(key: Int64) throws(PostgresError) {
        try execute("SELECT pg_advisory_lock($1::bigint)", [.int(key)])
    }

    /// Releases one hold of the session-level advisory lock `key`.
    ///
    /// - Returns: `true` when this session held the lock; `false` (and a server warning,
    ///   logged) when it did not.
    @discardableResult
    package func advisoryUnlock(key: Int64) throws(PostgresError) -> Bool {
        try execute("SELECT pg_advisory_unlock($1::bigint)", [.int(key)]).scalar(Bool.self)
    }

    /// Runs `body` while holding the session-level advisory lock `key`, releasing it afterwards
    /// (also when `body` throws).
    ///
    /// ```swift
    /// do {
    ///     try connection.withAdvisoryLock(key: scoringLockKey) { try runScoring() }
    /// } catch let error as PostgresError where error.kind == .lockNotAcquired {
    ///     // another run holds the lock
    /// }
    /// ```
    ///
    /// - Parameters:
    ///   - key: The lock's key, agreed on by every process that uses it.
    ///   - wait: Wait for the lock when another session holds it; by default do not wait.
    ///   - body: The work to do under the lock.
    /// - Throws: ``PostgresError`` of kind `.lockNotAcquired` (code `lockNotAvailable`, 55P03)
    ///   when `wait` is false and another session holds the lock; whatever `body` throws.
    package func withAdvisoryLock<T>(key: Int64, wait: Bool = false, _ body: () throws -> T) throws -> T {
        if wait {
            try advisoryLock(key: key)
        } else if try !tryAdvisoryLock(key: key) {
            throw PostgresError(
                kind: .lockNotAcquired,
                code: .lockNotAvailable,
                message: "advisory lock \(key) is held by another session",
                hint: "Another process is doing this work; wait for it to finish, or find it with SELECT pid FROM pg_locks WHERE locktype = 'advisory'."
            )
        }
        let value: T
        do {
            value = try body()
        } catch {
            do { try advisoryUnlock(key: key) } catch let unlockError {
                logger.warning("advisory unlock failed", metadata: ["postgres.lock": "\(key)", "postgres.error": "\(unlockError)"])
            }
            throw error
        }
        try advisoryUnlock(key: key)
        return value
    }
}
