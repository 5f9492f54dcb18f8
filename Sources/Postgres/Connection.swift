// # Postgres — a small, safe, synchronous Swift layer over libpq
//
// This module wraps the C client library (libpq, through `CLibPQ`) and knows nothing of the
// application above it. Only this module imports `CLibPQ`, and no C type appears in its API.
//
// - `Connection` owns one `PGconn` (freed exactly once, in `deinit`, also after a failed connect).
//   It is synchronous and not `Sendable`: one owner, one thread at a time. Connect with a
//   `ConnectionConfiguration`: libpq's environment (`PG*`, `~/.pgpass`), a `postgresql://` URL or
//   a conninfo string, always through `PQconnectdbParams`.
// - Statements take bound parameters only (`$1`, `$2`, … → `PQexecParams` / `PQexecPrepared`):
//   no API splices text into SQL. The one exception, `executeScript(unsafeSQL:)`, runs trusted,
//   parameterless multi-statement text such as migration files.
// - `executeCached(sql, parameters)` prepares a statement once per session and remembers its
//   name itself (as GRDB's `cachedStatement(sql:)`): callers pass SQL text, never names.
// - `PostgresValue` / `PostgresEncodable` encode parameters (integers, doubles, text, bool,
//   `Date` as timestamptz, `PostgresDate`, exact `PostgresNumeric`, jsonb, text/int arrays).
// - `QueryResult` owns the `PGresult` and decodes values on demand (`PostgresDecodable`):
//   `row.decode(Int64.self, at: 0)`, `row.decode(String?.self, column: "email")`. `NULL`
//   decodes to `nil` for optionals and is an error naming the column otherwise.
// - `transaction { connection in … }` commits, or rolls back and rethrows; nested calls use
//   savepoints. Session advisory locks: `tryAdvisoryLock`, `advisoryUnlock`, `withAdvisoryLock`.
// - `copyIn` / `copyOut` stream COPY text format with bounded memory (64 KiB chunks in, one row
//   at a time out), escaping and unescaping correctly.
// - Every failure is a `PostgresError` with a `kind`, the SQLSTATE `code`, message, detail,
//   hint and statement. Its `description` never shows bound values or passwords.
// - Logging goes to an optional swift-log `Logger` (no-op by default); server notices go there
//   too, never to stderr.
//
// Session settings made on connect (and after `reset()`): `client_encoding=UTF8`,
// `DateStyle=ISO, MDY`, `IntervalStyle=postgres`, `extra_float_digits=3`, which the decoders
// rely on. The session time zone is left alone: timestamps are sent in UTC and read with their
// offset, so it does not matter.

internal import CLibPQ
import Foundation
package import Logging

/// One open connection to a PostgreSQL server.
///
/// Create one per thread of work (a connection is not `Sendable`); it closes when released.
///
/// ```swift
/// let connection = try Connection(configuration: .environment)
/// let count = try connection.execute("SELECT count(*) FROM clients WHERE segment = $1", [.text("retail")])
///     .scalar(Int.self)
/// ```
package final class Connection {
    let handle: OpaquePointer
    private let noticeSink: NoticeSink
    private var savepointCounter = 0
    /// The statements prepared by ``executeCached(_:_:)`` on this session, by SQL text.
    var cachedStatements: [String: String] = [:]
    private var cachedStatementCounter = 0
    /// The configuration the connection was opened with.
    package let configuration: ConnectionConfiguration

    /// The logger for statements (at `trace`), connection events (`debug`/`info`) and server
    /// notices (`debug` for NOTICE, `warning` for WARNING).
    package var logger: Logger {
        get { noticeSink.logger }
        set { noticeSink.logger = newValue }
    }

    /// Opens a connection.
    ///
    /// - Parameters:
    ///   - configuration: Where to connect; libpq's environment by default.
    ///   - logger: Where to log; nothing is logged by default.
    /// - Throws: ``PostgresError`` of kind `.connectionFailed` saying which host or socket,
    ///   port, database and user were tried and libpq's reason (refused, authentication failed,
    ///   database does not exist, …). It never contains the password.
    package init(
        configuration: ConnectionConfiguration = .environment,
        logger: Logger = Logger(label: "postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws(PostgresError) {
        try configuration.validate()
        let pairs = configuration.keywordsAndValues
        let expand: Int32 = if case .environment = configuration.source { 0 } else { 1 }
        let connection = Self.withCStringArrays(pairs) { keywords, values in
            PQconnectdbParams(keywords, values, expand)
        }
        guard let connection else {
            throw PostgresError(kind: .connectionFailed, code: .sqlclientUnableToEstablishSqlconnection,
                                message: "could not allocate a libpq connection (out of memory)")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let error = Self.connectFailure(connection, configuration: configuration)
            PQfinish(connection)
            logger.debug("connection failed", metadata: ["postgres.error": "\(error)"])
            throw error
        }
        handle = connection
        self.configuration = configuration
        noticeSink = NoticeSink(logger: logger)
        PQsetNoticeReceiver(handle, noticeReceiver, Unmanaged.passUnretained(noticeSink).toOpaque())
        try configureSession()
        logger.debug("connected", metadata: [
            "postgres.target": "\(target)", "postgres.backend_pid": "\(backendPID)",
        ])
    }

    deinit { PQfinish(handle) }

    // MARK: - Statements

    /// Runs one statement with bound parameters (`$1`, `$2`, …) and returns its rows.
    ///
    /// ```swift
    /// try connection.execute("UPDATE clients SET stage = $1 WHERE client_id = $2", [.text("loyal"), .int(id)])
    /// ```
    ///
    /// - Parameters:
    ///   - sql: Exactly one SQL statement; values go in `parameters`, never in this text.
    ///   - parameters: The values of `$1`, `$2`, …; `nil` is `NULL`.
    /// - Returns: The result (rows for a query; ``QueryResult/affectedRows`` for a change).
    /// - Throws: ``PostgresError``: `.server` with the SQLSTATE for anything the server rejects,
    ///   `.connectionLost` when the connection breaks, `.clientMisuse` for a parameter containing
    ///   a NUL character or a COPY statement (use ``copyIn(_:_:)`` / ``copyOut(_:_:)``).
    @discardableResult
    package func execute(_ sql: String, _ parameters: [PostgresValue?] = []) throws(PostgresError) -> QueryResult {
        logger.trace("execute", metadata: ["postgres.statement": "\(sql)", "postgres.parameters": "\(parameters.count)"])
        let encoded = try Self.encode(parameters, statement: sql)
        let result = Self.withParameters(encoded) { count, types, values in
            PQexecParams(handle, sql, count, types, values, nil, nil, 0)
        }
        return try check(result, statement: sql, parameters: parameters)
    }

    /// Prepares a named statement on this session for repeated ``executePrepared(name:_:)``.
    ///
    /// Parameter types are inferred by the server from the statement. The statement lives until
    /// the session ends (or ``reset()``).
    ///
    /// - Throws: ``PostgresError``: `.server` for SQL errors, or code
    ///   `duplicatePreparedStatement` (42P05) when `name` is already prepared on this session.
    package func prepare(name: String, sql: String) throws(PostgresError) {
        logger.trace("prepare", metadata: ["postgres.statement": "\(sql)", "postgres.name": "\(name)"])
        try checkNoNUL(name, statement: sql, what: "the statement name")
        let result = PQprepare(handle, name, sql, 0, nil)
        _ = try check(result, statement: sql, parameters: nil)
    }

    /// Runs a statement prepared with ``prepare(name:sql:)``.
    ///
    /// - Throws: ``PostgresError`` as ``execute(_:_:)``; code `invalidSqlStatementName` (26000)
    ///   when no statement of that name was prepared on this session.
    @discardableResult
    package func executePrepared(name: String, _ parameters: [PostgresValue?] = []) throws(PostgresError) -> QueryResult {
        logger.trace("execute prepared", metadata: ["postgres.name": "\(name)", "postgres.parameters": "\(parameters.count)"])
        let statement = "EXECUTE \(name)"
        try checkNoNUL(name, statement: statement, what: "the statement name")
        let encoded = try Self.encode(parameters, statement: statement)
        let result = Self.withParameters(encoded) { count, _, values in
            PQexecPrepared(handle, name, count, values, nil, nil, 0)
        }
        return try check(result, statement: statement, parameters: parameters)
    }

    /// Runs trusted, parameterless SQL text that may hold several statements (`PQexec`), such as
    /// a migration file.
    ///
    /// Never pass text that contains input: there are no parameters here. Statements run in one
    /// implicit transaction unless the script has its own `BEGIN`/`COMMIT`.
    ///
    /// - Throws: ``PostgresError`` for the first statement that fails (the rest do not run).
    package func executeScript(unsafeSQL sql: String) throws(PostgresError) {
        logger.trace("execute script", metadata: ["postgres.statement": "\(PostgresError.abbreviate(sql, limit: 200))"])
        try checkNoNUL(sql, statement: "<script>", what: "the script")
        _ = try check(PQexec(handle, sql), statement: sql, parameters: nil)
    }

    // MARK: - Internals

    func configureSession() throws(PostgresError) {
        let setup = "SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 3"
        _ = try check(PQexec(handle, setup), statement: setup, parameters: nil)
    }

    /// Turns a `PGresult` into a ``QueryResult`` or throws its error, and never leaves the
    /// connection in a COPY state.
    func check(_ result: OpaquePointer?, statement: String, parameters: [PostgresValue?]?) throws(PostgresError) -> QueryResult {
        guard let result else { throw connectionError(statement: statement, parameters: parameters) }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return QueryResult(handle: result, statement: statement)
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            PQclear(result)
            abandonCopy()
            throw PostgresError(
                kind: .clientMisuse,
                message: "the statement started a COPY; run COPY … FROM STDIN with copyIn and COPY … TO STDOUT with copyOut",
                statement: statement
            )
        default:
            var error = serverError(result, statement: statement)
            error.parameters = parameters.map { $0.map { $0?.text } }
            PQclear(result)
            throw error
        }
    }

    /// The error of a failed `PGresult` (not freed here).
    func serverError(_ result: OpaquePointer, statement: String?) -> PostgresError {
        func field(_ code: Character) -> String? {
            PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
        }
        let lost = PQstatus(handle) != CONNECTION_OK
        let code = field("C").map(PostgresError.Code.init(rawValue:))
        let message = field("M")
            ?? Self.clean(String(cString: PQresultErrorMessage(result)))
            .nonEmpty ?? Self.clean(String(cString: PQerrorMessage(handle)))
        var error = PostgresError(
            kind: lost ? .connectionLost : .server,
            code: code ?? (lost ? .connectionFailure : nil),
            message: message,
            detail: field("D"),
            hint: field("H"),
            statement: statement
        )
        error.severity = field("V") ?? field("S")
        error.position = field("P").flatMap { Int($0) }
        error.schemaName = field("s")
        error.tableName = field("t")
        error.columnName = field("c")
        error.dataTypeName = field("d")
        error.constraintName = field("n")
        error.context = field("W")
        if lost { logger.warning("connection lost", metadata: ["postgres.target": "\(target)", "postgres.error": "\(message)"]) }
        return error
    }

    /// The error of a call that returned no result or failed on the client side.
    func connectionError(statement: String?, parameters: [PostgresValue?]? = nil) -> PostgresError {
        let lost = PQstatus(handle) != CONNECTION_OK
        var error = PostgresError(
            kind: lost ? .connectionLost : .server,
            code: lost ? .connectionFailure : nil,
            message: Self.clean(String(cString: PQerrorMessage(handle))).nonEmpty ?? "no result from libpq",
            statement: statement
        )
        error.parameters = parameters.map { $0.map { $0?.text } }
        if lost { logger.warning("connection lost", metadata: ["postgres.target": "\(target)"]) }
        return error
    }

    /// Ends an unexpected COPY and consumes every pending result, so the connection is usable.
    func abandonCopy() {
        while let result = PQgetResult(handle) {
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_COPY_IN {
                _ = PQputCopyEnd(handle, "COPY must be run with copyIn")
            } else if status == PGRES_COPY_OUT {
                var buffer: UnsafeMutablePointer<CChar>?
                while PQgetCopyData(handle, &buffer, 0) > 0 {
                    PQfreemem(buffer)
                    buffer = nil
                }
            } else if status == PGRES_COPY_BOTH {
                return
            }
        }
    }

    /// Runs `body` with the handle, for the COPY and lock extensions.
    var rawHandle: OpaquePointer { handle }

    func nextCachedStatementNumber() -> Int {
        cachedStatementCounter += 1
        return cachedStatementCounter
    }

    func nextSavepointName() -> String {
        savepointCounter += 1
        return "swift_postgres_savepoint_\(savepointCounter)"
    }

    private func checkNoNUL(_ text: String, statement: String, what: String) throws(PostgresError) {
        if text.utf8.contains(0) {
            throw PostgresError(kind: .clientMisuse, message: "\(what) contains a NUL character (U+0000), which PostgreSQL cannot accept", statement: statement)
        }
    }

}

@available(*, unavailable)
extension Connection: Sendable {}

/// Holds the logger for libpq's notice callback, which gets it through an opaque pointer.
private final class NoticeSink {
    var logger: Logger
    init(logger: Logger) { self.logger = logger }
}

/// Forwards server notices (NOTICE, WARNING, …) to the connection's logger instead of stderr.
private func noticeReceiver(_ context: UnsafeMutableRawPointer?, _ result: OpaquePointer?) {
    guard let context, let result else { return }
    let sink = Unmanaged<NoticeSink>.fromOpaque(context).takeUnretainedValue()
    let severity = PQresultErrorField(result, Int32(Character("V").asciiValue!)).map { String(cString: $0) } ?? "NOTICE"
    let message = PQresultErrorField(result, Int32(Character("M").asciiValue!)).map { String(cString: $0) } ?? ""
    let level: Logger.Level = severity == "WARNING" ? .warning : .debug
    sink.logger.log(level: level, "server \(severity.lowercased()): \(message)")
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}

