internal import CLibPQ

/// Writes rows into a running `COPY … FROM STDIN` (text format), in chunks of about 64 KiB.
///
/// Given to the body of ``Connection/copyIn(_:_:)``. Write whole rows with ``writeRow(_:)``,
/// or field by field with ``appendField(_:)-(String?)`` and ``endRow()`` (no array per row), or
/// already escaped lines with ``writeRawLine(_:)``. Values are escaped for COPY text format
/// (backslash, tab, newline, carriage return); `nil` is written as `\N` (NULL).
package struct CopyInWriter {
    /// Bytes buffered before a chunk is sent.
    package static var chunkSize: Int { CopyChunkBuffer.chunkSize }

    private var chunks: CopyChunkBuffer
    private var fieldsInRow = 0
    /// Rows completed so far.
    package private(set) var rowsWritten = 0
    /// Set when sending a chunk failed; the server's error is read by the connection.
    var sendFailed: Bool { chunks.sendFailed }

    init(handle: OpaquePointer) {
        chunks = CopyChunkBuffer(handle: handle)
    }

    /// Writes one row; `nil` fields are NULL.
    ///
    /// - Throws: ``PostgresError``: `.clientMisuse` when a field contains a NUL character; the
    ///   server's error when sending a chunk fails (e.g. a bad value in an earlier chunk).
    package mutating func writeRow(_ fields: [String?]) throws(PostgresError) {
        for field in fields { try appendField(field) }
        try endRow()
    }

    /// Appends one field (escaped) to the current row; `nil` is NULL.
    ///
    /// - Throws: ``PostgresError`` (`.clientMisuse`) when the value contains a NUL character.
    package mutating func appendField(_ value: String?) throws(PostgresError) {
        if fieldsInRow > 0 { chunks.bytes.append(UInt8(ascii: "\t")) }
        fieldsInRow += 1
        guard let value else {
            chunks.bytes.append(UInt8(ascii: "\\"))
            chunks.bytes.append(UInt8(ascii: "N"))
            return
        }
        guard CopyText.appendEscaped(value, to: &chunks.bytes) else {
            throw PostgresError(
                kind: .clientMisuse,
                message: "field \(fieldsInRow) of COPY row \(rowsWritten + 1) contains a NUL character (U+0000), which PostgreSQL text cannot store"
            )
        }
    }

    /// Appends one field given as UTF-8 bytes (escaped) to the current row.
    ///
    /// The bytes must be valid UTF-8 (the server refuses the COPY otherwise).
    /// - Throws: ``PostgresError`` (`.clientMisuse`) when the bytes contain a NUL.
    package mutating func appendField(bytes: UnsafeBufferPointer<UInt8>) throws(PostgresError) {
        if fieldsInRow > 0 { chunks.bytes.append(UInt8(ascii: "\t")) }
        fieldsInRow += 1
        guard CopyText.appendEscaped(bytes: bytes, to: &chunks.bytes) else {
            throw PostgresError(
                kind: .clientMisuse,
                message: "field \(fieldsInRow) of COPY row \(rowsWritten + 1) contains a NUL character (U+0000), which PostgreSQL text cannot store"
            )
        }
    }

    /// Appends an integer field to the current row.
    package mutating func appendField(_ value: Int64) throws(PostgresError) {
        if fieldsInRow > 0 { chunks.bytes.append(UInt8(ascii: "\t")) }
        fieldsInRow += 1
        chunks.bytes.append(contentsOf: String(value).utf8)
    }

    /// Ends the current row, sending a chunk when the buffer is full.
    package mutating func endRow() throws(PostgresError) {
        chunks.bytes.append(UInt8(ascii: "\n"))
        fieldsInRow = 0
        rowsWritten += 1
        try chunks.flushIfFull()
    }

    /// Writes one line already in COPY text format (fields escaped, separated by tabs), with or
    /// without its final newline.
    ///
    /// - Throws: ``PostgresError`` (`.clientMisuse`) when a field of the current row was
    ///   appended but not ended, or the line contains a newline or NUL before its end.
    package mutating func writeRawLine(_ line: String) throws(PostgresError) {
        guard fieldsInRow == 0 else {
            throw PostgresError(kind: .clientMisuse, message: "writeRawLine called in the middle of a row; call endRow() first")
        }
        var bytes = Substring(line).utf8
        if bytes.last == UInt8(ascii: "\n") { bytes = bytes.dropLast() }
        if bytes.contains(UInt8(ascii: "\n")) || bytes.contains(0) {
            throw PostgresError(
                kind: .clientMisuse,
                message: "raw COPY line \(rowsWritten + 1) contains a newline or NUL inside it; escape fields as \\n, or use writeRow"
            )
        }
        chunks.bytes.append(contentsOf: bytes)
        chunks.bytes.append(UInt8(ascii: "\n"))
        rowsWritten += 1
        try chunks.flushIfFull()
    }

    /// Sends what is buffered.
    mutating func flush() throws(PostgresError) { try chunks.flush() }
}
