import Foundation

/// The one error type of the `Postgres` module.
///
/// Every failure of this layer is a `PostgresError`: a connection that could not be opened or
/// was lost, an error reported by the server (with its SQLSTATE ``Code``, message, detail and
/// hint), a value that could not be decoded, a COPY that failed, or a misuse of the API.
///
/// Tell errors apart by ``code`` (the server's SQLSTATE) and ``kind``:
///
/// ```swift
/// do {
///     try connection.execute("INSERT INTO clients (id) VALUES ($1)", [.text(id)])
/// } catch let error as PostgresError where error.code == .uniqueViolation {
///     // already there
/// }
/// ```
///
/// `description` is safe to log: it never shows bound parameter values, the server's `detail`
/// (which may quote row values, e.g. `Key (email)=(…) already exists`) or a password.
/// `debugDescription` (`String(reflecting: error)`) shows everything, including the parameters.
package struct PostgresError: Error, Sendable {
    /// What went wrong, in broad terms.
    package var kind: Kind
    /// The SQLSTATE, when the server sent one (or this layer assigned one, e.g. `08006`
    /// for a lost connection).
    package var code: Code?
    /// The primary, human-readable message.
    package var message: String
    /// The server's detail line; may quote data values, so it appears only in `debugDescription`.
    package var detail: String?
    /// The server's hint, if any.
    package var hint: String?
    /// The server's severity (`ERROR`, `FATAL`, `PANIC`), not localized.
    package var severity: String?
    /// The 1-based character position in ``statement`` where the server located the error.
    package var position: Int?
    /// The SQL text of the statement that failed (never contains bound values).
    package var statement: String?
    /// The schema, table, column, data type and constraint the server named, if any.
    package var schemaName: String?
    package var tableName: String?
    package var columnName: String?
    package var dataTypeName: String?
    package var constraintName: String?
    /// The server's context lines (e.g. the COPY line number).
    package var context: String?
    /// The bound parameter values, kept for `debugDescription` only.
    package var parameters: [String?]?
    /// A lower-level error this one wraps (e.g. the error thrown inside a COPY body).
    package var underlying: (any Error & Sendable)?

    package init(
        kind: Kind,
        code: Code? = nil,
        message: String,
        detail: String? = nil,
        hint: String? = nil,
        statement: String? = nil,
        underlying: (any Error & Sendable)? = nil
    ) {
        self.kind = kind
        self.code = code
        self.message = message
        self.detail = detail
        self.hint = hint
        self.statement = statement
        self.underlying = underlying
    }

    /// True when the connection is unusable or could not be made: the caller should report
    /// "database unavailable", or ``Connection/reset()`` and retry.
    ///
    /// Covers a failed connect, a lost connection, SQLSTATE class 08 (connection exception) and
    /// the server shutting down or refusing connections (57P01, 57P02, 57P03).
    package var isConnectionProblem: Bool {
        if kind == .connectionFailed || kind == .connectionLost { return true }
        guard let code else { return false }
        return code.class == "08" || code == .adminShutdown || code == .crashShutdown
            || code == .cannotConnectNow
    }

    /// True for errors that a retry of the whole transaction may cure:
    /// serialization failure (40001) and deadlock (40P01).
    package var isRetryableTransactionFailure: Bool {
        code == .serializationFailure || code == .deadlockDetected
    }
}

extension PostgresError {
    /// The broad category of a ``PostgresError``.
    package struct Kind: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case connectionFailed = "connection failed"
            case connectionLost = "connection lost"
            case server = "server error"
            case decoding = "decoding error"
            case copy = "COPY failed"
            case lockNotAcquired = "lock not acquired"
            case clientMisuse = "client misuse"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Opening a connection failed (bad host, refused, authentication, missing database…).
        package static let connectionFailed = Kind(.connectionFailed)
        /// An open connection broke (server restart, network, backend terminated).
        package static let connectionLost = Kind(.connectionLost)
        /// The server rejected a statement; see ``PostgresError/code``.
        package static let server = Kind(.server)
        /// A value from the server could not be decoded into the requested Swift type.
        package static let decoding = Kind(.decoding)
        /// A COPY stream failed on the client side (the server's own errors are `.server`).
        package static let copy = Kind(.copy)
        /// A non-waiting advisory lock is held by another session.
        package static let lockNotAcquired = Kind(.lockNotAcquired)
        /// The API was used in a way it does not support (e.g. NUL bytes in text, COPY via `execute`).
        package static let clientMisuse = Kind(.clientMisuse)

        package var description: String { base.rawValue }
    }
}

extension PostgresError: CustomStringConvertible {
    /// A redacted one-paragraph description: kind, SQLSTATE, message, hint and statement.
    /// Never bound values, the server's detail, or a password.
    package var description: String {
        var text = "PostgreSQL \(kind)"
        if let code { text += " [\(code.rawValue)\(code.name.map { " " + $0 } ?? "")]" }
        text += ": \(redactedMessage)"
        if let constraintName, kind == .server { text += " (constraint \"\(constraintName)\")" }
        if let hint { text += "\nHint: \(hint)" }
        if let statement { text += "\nStatement: \(Self.abbreviate(statement))" }
        if let underlying { text += "\nCaused by: \(underlying)" }
        return text
    }

    /// What a user is shown: kind, SQLSTATE, message and hint, without the statement (SQL is for
    /// the logs, not for the person running a command).
    package var userDescription: String {
        var text = "PostgreSQL \(kind)"
        if let code { text += " [\(code.rawValue)\(code.name.map { " " + $0 } ?? "")]" }
        text += ": \(redactedMessage)"
        if let constraintName, kind == .server { text += " (constraint \"\(constraintName)\")" }
        if let hint { text += "\nHint: \(hint)" }
        return text
    }

    /// The message with any bound parameter value the server quoted in it (as in
    /// `invalid input syntax for type integer: "twelve"`) replaced by its placeholder.
    package var redactedMessage: String {
        guard let parameters, message.contains("\"") else { return message }
        var text = message
        for (index, value) in parameters.enumerated() {
            guard let value, !value.isEmpty else { continue }
            text = text.replacingOccurrences(of: "\"\(value)\"", with: "\"<$\(index + 1)>\"")
        }
        return text
    }

    static func abbreviate(_ sql: String, limit: Int = 500) -> String {
        let flat = sql.split(whereSeparator: { $0.isNewline }).map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: " ")
        return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    }
}

extension PostgresError: CustomDebugStringConvertible {
    /// Everything known, including the server's detail and the bound parameter values.
    package var debugDescription: String {
        var lines = [description]
        if redactedMessage != message { lines.append("Message: \(message)") }
        if let detail { lines.append("Detail: \(detail)") }
        if let severity { lines.append("Severity: \(severity)") }
        if let position { lines.append("Position: \(position)") }
        let names = [("schema", schemaName), ("table", tableName), ("column", columnName),
                     ("type", dataTypeName), ("constraint", constraintName)]
            .compactMap { label, value in value.map { "\(label)=\($0)" } }
        if !names.isEmpty { lines.append("Names: " + names.joined(separator: " ")) }
        if let context { lines.append("Context: \(context)") }
        if let parameters {
            let shown = parameters.enumerated().map { index, value in
                "$\(index + 1)=" + (value.map { "'\($0)'" } ?? "NULL")
            }
            lines.append("Parameters: " + shown.joined(separator: ", "))
        }
        if let underlying { lines.append("Underlying: \(String(reflecting: underlying))") }
        return lines.joined(separator: "\n")
    }
}
