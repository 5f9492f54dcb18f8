internal import CLibPQ
import Logging

extension Connection {
    /// Streams rows into `COPY table (columns) FROM STDIN` (text format) with bounded memory.
    ///
    /// The body writes rows; they are escaped into about 64 KiB chunks, each sent as soon as it
    /// fills, so the whole data never sits in memory.
    ///
    /// ```swift
    /// let copied = try connection.copyIn("COPY staging_purchases (client_id, amount) FROM STDIN") { writer in
    ///     for purchase in purchases {
    ///         try writer.writeRow([purchase.clientID, purchase.amount.text])
    ///     }
    /// }
    /// ```
    ///
    /// When the body throws, the COPY is aborted (`PQputCopyEnd` with a message), so the server
    /// discards every row of it, and the body's error is rethrown.
    ///
    /// - Parameters:
    ///   - sql: A `COPY … FROM STDIN` statement in text format (no parameters).
    ///   - body: Writes the rows.
    /// - Returns: The number of rows the server copied.
    /// - Throws: The body's error; ``PostgresError`` for a bad statement, a row the server
    ///   rejects (`.server`, e.g. `invalidTextRepresentation`, with the COPY line in `context`),
    ///   or a statement that is not `COPY … FROM STDIN` (`.clientMisuse`).
    @discardableResult
    package func copyIn(_ sql: String, _ body: (inout CopyInWriter) throws -> Void) throws -> Int {
        try runCopyIn(sql, writer: CopyInWriter(handle: rawHandle), body)
    }

    /// Streams rows into `COPY table (columns) FROM STDIN (FORMAT binary)` with bounded memory:
    /// as ``copyIn(_:_:)``, with values in PostgreSQL's binary formats (see ``BinaryCopyInWriter``).
    ///
    /// - Parameters:
    ///   - sql: A `COPY … FROM STDIN (FORMAT binary)` statement (no parameters).
    ///   - body: Writes the rows.
    /// - Returns: The number of rows the server copied.
    /// - Throws: As ``copyIn(_:_:)``.
    @discardableResult
    package func copyInBinary(_ sql: String, _ body: (inout BinaryCopyInWriter) throws -> Void) throws -> Int {
        try runCopyIn(sql, writer: BinaryCopyInWriter(handle: rawHandle), body)
    }

    /// Runs a COPY FROM STDIN: starts it, lets `body` write through `writer`, ends or aborts it.
    private func runCopyIn<Writer: CopyInSink>(
        _ sql: String, writer makeWriter: @autoclosure () -> Writer, _ body: (inout Writer) throws -> Void
    ) throws -> Int {
        logger.trace("copy in", metadata: ["postgres.statement": "\(sql)"])
        try startCopy(sql, expecting: PGRES_COPY_IN)
        var writer = makeWriter()
        do {
            try body(&writer)
            try writer.finish()
        } catch {
            if writer.sendFailed {
                // The server already ended the COPY with an error: report that one.
                throw finishCopy(statement: sql).error ?? (error as? PostgresError) ?? connectionError(statement: sql)
            }
            _ = PQputCopyEnd(rawHandle, "COPY aborted by the client because producing the rows failed")
            _ = finishCopy(statement: sql)
            logger.debug("copy in aborted", metadata: ["postgres.statement": "\(sql)", "postgres.error": "\(error)"])
            throw error
        }
        guard PQputCopyEnd(rawHandle, nil) == 1 else {
            throw finishCopy(statement: sql).error ?? connectionError(statement: sql)
        }
        let outcome = finishCopy(statement: sql)
        if let error = outcome.error { throw error }
        logger.debug("copy in done", metadata: ["postgres.rows": "\(outcome.rows)"])
        return outcome.rows
    }

    /// Streams the rows of `COPY (query) TO STDOUT` (text format), one row at a time, unescaped.
    ///
    /// ```swift
    /// try connection.copyOut("COPY (SELECT client_id, email FROM clients ORDER BY client_id) TO STDOUT") { fields in
    ///     let clientID = fields[0]!, email = fields[1]   // nil is NULL
    /// }
    /// ```
    ///
    /// Memory is bounded by one row: each row libpq receives is handed over, then freed.
    ///
    /// - Parameters:
    ///   - sql: A `COPY … TO STDOUT` statement in text format (no parameters).
    ///   - onRow: Called with each row's fields; `nil` is NULL. Throwing stops the COPY (the
    ///     server query is cancelled) and the error is rethrown.
    /// - Returns: The number of rows received.
    /// - Throws: `onRow`'s error; ``PostgresError`` when the statement fails or is not a
    ///   `COPY … TO STDOUT`.
    @discardableResult
    package func copyOut(_ sql: String, _ onRow: ([String?]) throws -> Void) throws -> Int {
        try copyOutLines(sql) { line in try onRow(CopyText.decodeRow(line)) }
    }

    /// Streams the raw lines of `COPY … TO STDOUT`: each row's bytes exactly as the server sent
    /// them (still escaped, with the final newline), valid only during the call.
    ///
    /// Use it to pass rows on without decoding them (to a file, to another COPY), or with
    /// ``CopyText/decodeRow(_:)-(UnsafeRawBufferPointer)`` to decode only some rows.
    ///
    /// - Returns: The number of rows received.
    /// - Throws: As ``copyOut(_:_:)``.
    @discardableResult
    package func copyOutLines(_ sql: String, _ onLine: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        logger.trace("copy out", metadata: ["postgres.statement": "\(sql)"])
        try startCopy(sql, expecting: PGRES_COPY_OUT)
        var rows = 0
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(rawHandle, &buffer, 0)
            if length > 0, let buffer {
                defer { PQfreemem(buffer) }
                do {
                    try onLine(UnsafeRawBufferPointer(start: buffer, count: Int(length)))
                } catch {
                    cancelCopyOut()
                    throw error
                }
                rows += 1
            } else {
                if let buffer { PQfreemem(buffer) }
                break
            }
        }
        let outcome = finishCopy(statement: sql)
        if let error = outcome.error { throw error }
        return rows
    }

    /// Sends a COPY statement and checks that the server entered the expected COPY mode.
    private func startCopy(_ sql: String, expecting expected: ExecStatusType) throws(PostgresError) {
        guard let result = PQexecParams(rawHandle, sql, 0, nil, nil, nil, nil, 0) else {
            throw connectionError(statement: sql)
        }
        let status = PQresultStatus(result)
        if status == expected {
            PQclear(result)
            return
        }
        if status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH {
            PQclear(result)
            abandonCopy()
        } else if status != PGRES_COMMAND_OK, status != PGRES_TUPLES_OK, status != PGRES_EMPTY_QUERY {
            let error = serverError(result, statement: sql)
            PQclear(result)
            throw error
        } else {
            PQclear(result)
        }
        let wanted = expected == PGRES_COPY_IN ? "COPY … FROM STDIN (use copyOut for TO STDOUT)" : "COPY … TO STDOUT (use copyIn for FROM STDIN)"
        throw PostgresError(kind: .clientMisuse, message: "the statement is not a \(wanted)", statement: sql)
    }

    /// Reads every result after a COPY; the first error wins, the command result gives the rows.
    private func finishCopy(statement: String) -> (rows: Int, error: PostgresError?) {
        var rows = 0
        var firstError: PostgresError?
        while let result = PQgetResult(rawHandle) {
            let status = PQresultStatus(result)
            if status == PGRES_COMMAND_OK {
                rows = Int(String(cString: PQcmdTuples(result))) ?? 0
            } else if status == PGRES_COPY_IN {
                _ = PQputCopyEnd(rawHandle, "COPY ended by the client")
            } else if status == PGRES_COPY_OUT {
                drainCopyOut()
            } else if firstError == nil {
                firstError = serverError(result, statement: statement)
            }
            PQclear(result)
        }
        if firstError == nil, PQstatus(rawHandle) != CONNECTION_OK {
            firstError = connectionError(statement: statement)
        }
        return (rows, firstError)
    }

    /// Asks the server to cancel the running COPY TO and discards what is still in flight.
    private func cancelCopyOut() {
        if let cancel = PQgetCancel(rawHandle) {
            var message = [CChar](repeating: 0, count: 256)
            _ = PQcancel(cancel, &message, Int32(message.count))
            PQfreeCancel(cancel)
        }
        drainCopyOut()
        _ = finishCopy(statement: "")
    }

    private func drainCopyOut() {
        var buffer: UnsafeMutablePointer<CChar>?
        while PQgetCopyData(rawHandle, &buffer, 0) > 0 {
            PQfreemem(buffer)
            buffer = nil
        }
        if let buffer { PQfreemem(buffer) }
    }
}

/// What ``Connection`` needs of a COPY FROM STDIN writer.
protocol CopyInSink {
    /// Whether sending a chunk failed (the server's error is then read from the connection).
    var sendFailed: Bool { get }
    /// Sends what is left (and any trailer the format has).
    mutating func finish() throws(PostgresError)
}

extension CopyInWriter: CopyInSink {
    mutating func finish() throws(PostgresError) { try flush() }
}

extension BinaryCopyInWriter: CopyInSink {}
