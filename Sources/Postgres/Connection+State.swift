internal import CLibPQ
import Logging

// The connection's state: health, transaction status, identity, ping and reset.

extension Connection {
    /// Whether the connection is usable.
    package enum Status: Sendable, Hashable {
        /// Open and usable.
        case ok
        /// Broken (the server went away, the backend was terminated); call ``reset()``.
        case bad
    }

    /// The connection's state as libpq last saw it (updated by each statement).
    package var status: Status { PQstatus(handle) == CONNECTION_OK ? .ok : .bad }

    /// Whether the connection is open as far as libpq knows. A lost server is only noticed on
    /// the next statement; use ``ping()`` to find out now.
    package var isHealthy: Bool { status == .ok }

    /// Where the session is with respect to transactions.
    package enum TransactionStatus: Sendable, Hashable {
        /// Not in a transaction.
        case idle
        /// A statement is running.
        case active
        /// In a transaction block.
        case inTransaction
        /// In a transaction block that failed; only ROLLBACK is accepted.
        case inFailedTransaction
        /// The connection is bad.
        case unknown
    }

    /// The session's transaction state (`PQtransactionStatus`).
    package var transactionStatus: TransactionStatus {
        switch PQtransactionStatus(handle) {
        case PQTRANS_IDLE: .idle
        case PQTRANS_ACTIVE: .active
        case PQTRANS_INTRANS: .inTransaction
        case PQTRANS_INERROR: .inFailedTransaction
        default: .unknown
        }
    }

    /// The process ID of the server backend serving this connection (`pg_backend_pid()`).
    package var backendPID: Int { Int(PQbackendPID(handle)) }

    /// The server version as an integer, e.g. 150018 for 15.18.
    package var serverVersion: Int { Int(PQserverVersion(handle)) }

    /// The database name of the connection.
    package var database: String { PQdb(handle).map { String(cString: $0) } ?? "" }

    /// The user name of the connection.
    package var user: String { PQuser(handle).map { String(cString: $0) } ?? "" }

    /// "socket /path (port 5432), database "x" as user "y"", for messages; never the password.
    package var target: String {
        Self.describeTarget(host: PQhost(handle), port: PQport(handle), database: PQdb(handle), user: PQuser(handle))
    }

    /// Checks that the server answers (`SELECT 1`), updating ``status``.
    ///
    /// - Returns: `true` when the server answered; `false` when the connection is broken.
    @discardableResult
    package func ping() -> Bool {
        (try? execute("SELECT 1")) != nil
    }

    /// Closes and reopens the connection with the same parameters (`PQreset`).
    ///
    /// Session state is lost: prepared statements, session advisory locks, `SET`s, temporary
    /// tables. The session settings this layer needs are applied again.
    ///
    /// - Throws: ``PostgresError`` of kind `.connectionFailed` when the server still cannot be reached.
    package func reset() throws(PostgresError) {
        logger.info("resetting connection", metadata: ["postgres.target": "\(target)"])
        PQreset(handle)
        cachedStatements.removeAll()
        guard PQstatus(handle) == CONNECTION_OK else {
            throw Self.connectFailure(handle, configuration: configuration)
        }
        try configureSession()
    }
}
