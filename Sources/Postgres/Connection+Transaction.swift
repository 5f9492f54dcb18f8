import Logging

extension Connection {
    /// The isolation level of a transaction.
    package enum IsolationLevel: String, Sendable, Hashable {
        case readCommitted = "READ COMMITTED"
        case repeatableRead = "REPEATABLE READ"
        case serializable = "SERIALIZABLE"
    }

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    ///
    /// ```swift
    /// try connection.transaction { connection in
    ///     try connection.execute("INSERT INTO runs (id) VALUES ($1)", [.int(runID)])
    ///     try connection.execute("UPDATE current_run SET id = $1", [.int(runID)])
    /// }
    /// ```
    ///
    /// Called inside another transaction, it uses a savepoint: a throw rolls back only the
    /// inner part (and the error still propagates to the outer closure).
    ///
    /// - Parameters:
    ///   - isolation: The isolation level; the session default when `nil`. Ignored for a nested call.
    ///   - readOnly: Start a `READ ONLY` transaction. Ignored for a nested call.
    ///   - body: The work; it receives this connection.
    /// - Returns: What `body` returns.
    /// - Throws: The error `body` threw, after rolling back (a failed rollback is logged, not
    ///   thrown, since the server discards the transaction when the connection is gone);
    ///   ``PostgresError`` when BEGIN or COMMIT fails (e.g. `serializationFailure`), or
    ///   `inFailedSqlTransaction` (25P02) when a statement failed but `body` caught the error
    ///   and returned normally: the transaction is then rolled back, not committed.
    @discardableResult
    package func transaction<T>(
        isolation: IsolationLevel? = nil,
        readOnly: Bool = false,
        _ body: (Connection) throws -> T
    ) throws -> T {
        switch transactionStatus {
        case .idle:
            var begin = "BEGIN"
            if let isolation { begin += " ISOLATION LEVEL \(isolation.rawValue)" }
            if readOnly { begin += " READ ONLY" }
            try execute(begin)
            return try finish(body, commit: "COMMIT", rollback: ["ROLLBACK"])
        case .inTransaction:
            let savepoint = nextSavepointName()
            try execute("SAVEPOINT \(savepoint)")
            return try finish(
                body,
                commit: "RELEASE SAVEPOINT \(savepoint)",
                rollback: ["ROLLBACK TO SAVEPOINT \(savepoint)", "RELEASE SAVEPOINT \(savepoint)"]
            )
        case .inFailedTransaction:
            throw PostgresError(
                kind: .clientMisuse,
                code: .inFailedSqlTransaction,
                message: "cannot start a transaction: the enclosing transaction already failed; let its error propagate so it rolls back"
            )
        case .active, .unknown:
            throw connectionError(statement: "BEGIN")
        }
    }

    private func finish<T>(_ body: (Connection) throws -> T, commit: String, rollback: [String]) throws -> T {
        let value: T
        do {
            value = try body(self)
        } catch {
            rollBack(rollback, reason: error)
            throw error
        }
        if transactionStatus == .inFailedTransaction {
            var error = PostgresError(
                kind: .clientMisuse,
                code: .inFailedSqlTransaction,
                message: "a statement in the transaction failed and the closure caught its error; the transaction was rolled back, not committed",
                hint: "Let database errors propagate out of the transaction closure, or use a nested transaction (savepoint) for work that may fail.",
                statement: commit
            )
            error.severity = "ERROR"
            rollBack(rollback, reason: error)
            throw error
        }
        try execute(commit)
        return value
    }

    private func rollBack(_ statements: [String], reason: any Error) {
        for statement in statements {
            do {
                try execute(statement)
            } catch {
                logger.warning("rollback failed", metadata: [
                    "postgres.statement": "\(statement)", "postgres.error": "\(error)", "postgres.cause": "\(reason)",
                ])
                return
            }
        }
    }
}
