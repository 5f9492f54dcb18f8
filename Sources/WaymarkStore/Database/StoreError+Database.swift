import Postgres

extension StoreError {
    /// A database failure that reached the caller as it was, as a ``StoreError``; `nil` for any
    /// other error.
    ///
    /// A lost or refused connection is ``Code/databaseUnavailable`` ("the database became
    /// unavailable: …"); any other database error is ``Code/failure`` ("database error: …"). The
    /// message says what the server reported and, where it can, what to do about it on a line of
    /// its own; it never quotes the statement (the SQL is for the logs, not for the person running
    /// a command or calling the server).
    package static func classifying(databaseFailure error: any Error) -> StoreError? {
        guard let error = error as? PostgresError else { return nil }
        if error.isConnectionProblem {
            return StoreError(.databaseUnavailable, """
                the database became unavailable: \(error.userDescription)
                to fix: check that the database server runs and can be reached, then run again
                """, underlying: error)
        }
        var message = "database error: \(error.userDescription)"
        if let remedy = remedy(for: error) { message += "\nto fix: " + remedy }
        return StoreError(.failure, message, underlying: error)
    }

    /// What to do about a database error, in plain words; nil when the error says it all.
    static func remedy(for error: PostgresError) -> String? {
        guard let code = error.code else { return nil }
        switch code {
        case .undefinedTable, .undefinedColumn, .undefinedFunction, .undefinedObject, .invalidSchemaName:
            return "the database lacks a table or column this waymark needs (a schema not migrated, or changed by hand): run waymark migrate"
        case .queryCanceled:
            return "a statement ran past the statement_timeout of this session or role (PGOPTIONS, ALTER ROLE … SET), or was cancelled by an operator: raise the timeout, or run again when the database is less busy"
        case .lockNotAvailable:
            return "a table is locked by another session past the lock_timeout: run again once it is done"
        case .deadlockDetected, .serializationFailure:
            return "a concurrent transaction got in the way; nothing of this one was kept: run again"
        case .insufficientPrivilege:
            return "the database role lacks a privilege on Waymark's tables: connect as the role that ran waymark migrate, or grant it"
        case .readOnlySqlTransaction:
            return "the database accepts no writes (a standby, or default_transaction_read_only): connect to the primary"
        case .diskFull, .outOfMemory, .tooManyConnections:
            return "the database server ran out of disk, memory or connections: free some, then run again"
        default:
            break
        }
        if code.class == "23" {
            let constraint = error.constraintName.map { " (\"\($0)\")" } ?? ""
            return "the database refused the data by a constraint\(constraint) that Waymark's own checks do not know (one added by hand?); nothing was stored: fix the data, or the constraint"
        }
        if code.class == "53" { return "the database server is short of resources: free some, then run again" }
        return nil
    }
}
