internal import CLibPQ

/// Writes rows into a running `COPY … FROM STDIN (FORMAT binary)`, in chunks of about 64 KiB.
///
/// Given to the body of ``Connection/copyInBinary(_:_:)``. Each row is ``beginRow(fieldCount:)``,
/// one `append…` per column in the statement's column order, then ``endRow()``. The values go in
/// PostgreSQL's binary wire formats, so the server parses nothing: far cheaper than text for
/// timestamps and numerics. Each `append…` must match its column's type (`appendText` for
/// `text`, `appendTimestamp` for `timestamptz`, …); a mismatch makes the server refuse the COPY.
package struct BinaryCopyInWriter {
    /// Bytes buffered before a chunk is sent.
    package static var chunkSize: Int { CopyChunkBuffer.chunkSize }
    /// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC).
    package static let postgresEpochMicroseconds: Int64 = 946_684_800 * 1_000_000

    private var chunks: CopyChunkBuffer
    private var fieldsExpected = 0
    private var fieldsInRow = 0
    private var rowStart = 0
    /// Rows completed so far.
    package private(set) var rowsWritten = 0
    /// Set when sending a chunk failed; the server's error is read by the connection.
    var sendFailed: Bool { chunks.sendFailed }

    init(handle: OpaquePointer) {
        chunks = CopyChunkBuffer(handle: handle)
        // Signature, flags (no OIDs), header extension length.
        chunks.bytes.append(contentsOf: [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00])
        appendBigEndian(Int32(0))
        appendBigEndian(Int32(0))
    }

    /// Starts a row of `fieldCount` fields.
    package mutating func beginRow(fieldCount: Int) {
        rowStart = chunks.bytes.count
        fieldsExpected = fieldCount
        fieldsInRow = 0
        appendBigEndian(Int16(fieldCount))
    }

    /// Forgets the row begun last (nothing of it is sent), e.g. when a value turns out invalid.
    package mutating func discardRow() {
        chunks.bytes.removeSubrange(rowStart...)
        fieldsInRow = 0
        fieldsExpected = 0
    }

    /// Appends NULL.
    package mutating func appendNull() {
        fieldsInRow += 1
        appendBigEndian(Int32(-1))
    }

    /// Appends a `text` value given as UTF-8 bytes (validated by the server).
    /// - Throws: ``PostgresError`` (`.clientMisuse`) when the bytes hold a NUL, which text cannot store.
    package mutating func appendText(bytes: UnsafeBufferPointer<UInt8>) throws(PostgresError) {
        if bytes.contains(0) {
            throw PostgresError(kind: .clientMisuse,
                                message: "field \(fieldsInRow + 1) of COPY row \(rowsWritten + 1) contains a NUL character (U+0000), which PostgreSQL text cannot store")
        }
        fieldsInRow += 1
        appendBigEndian(Int32(bytes.count))
        chunks.bytes.append(contentsOf: bytes)
    }

    /// Appends a `text` value.
    package mutating func appendText(_ value: String) throws(PostgresError) {
        var value = value
        let outcome: Result<Void, PostgresError> = value.withUTF8 { bytes in
            do throws(PostgresError) { try appendText(bytes: bytes); return .success(()) } catch { return .failure(error) }
        }
        try outcome.get()
    }

    /// Appends an `integer` (int4) value.
    package mutating func appendInt32(_ value: Int32) {
        fieldsInRow += 1
        appendBigEndian(Int32(4))
        appendBigEndian(value)
    }

    /// Appends a `bigint` (int8) value.
    package mutating func appendInt64(_ value: Int64) {
        fieldsInRow += 1
        appendBigEndian(Int32(8))
        appendBigEndian(value)
    }

    /// Appends a `timestamptz` (or `timestamp`) value: microseconds since 1970-01-01 UTC.
    package mutating func appendTimestamp(microsecondsSinceUnixEpoch micros: Int64) {
        appendInt64(micros - Self.postgresEpochMicroseconds)
    }

    /// Appends a `numeric` value of `units` minor units at `scale` decimals (`124990`, scale 2,
    /// is 1249.90), exactly.
    package mutating func appendNumeric(units: Int64, scale: Int) {
        precondition((0...4).contains(scale), "appendNumeric supports 0 to 4 decimals")
        // Base-10000 digits, most significant first: the whole part's groups (at most five for
        // an Int64), then one group holding the decimals; trailing zero groups are dropped.
        let magnitude = units.magnitude
        var divisor: UInt64 = 1
        for _ in 0..<scale { divisor *= 10 }
        var whole = magnitude / divisor
        var fraction = magnitude % divisor
        for _ in scale..<4 { fraction *= 10 }
        var groups: (UInt16, UInt16, UInt16, UInt16, UInt16, UInt16) = (0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &groups) { raw in
            let digits = raw.bindMemory(to: UInt16.self)
            var reversed = 0
            while whole > 0 {
                digits[reversed] = UInt16(whole % 10_000)
                whole /= 10_000
                reversed += 1
            }
            digits[0..<reversed].reverse()
            count = reversed
            if fraction > 0 {
                digits[count] = UInt16(fraction)
                count += 1
            }
        }
        let wholeCount = count - (fraction > 0 ? 1 : 0)
        var weight = Int16(wholeCount - 1)  // -1 when there is no whole part
        withUnsafeBytes(of: groups) { raw in
            let digits = raw.bindMemory(to: UInt16.self)
            while count > 0, digits[count - 1] == 0 { count -= 1 }
        }
        if count == 0 { weight = 0 }
        fieldsInRow += 1
        appendBigEndian(Int32(8 + 2 * count))
        appendBigEndian(Int16(count))
        appendBigEndian(weight)
        appendBigEndian(units < 0 ? Int16(0x4000) : Int16(0))
        appendBigEndian(Int16(scale))
        withUnsafeBytes(of: groups) { raw in
            let digits = raw.bindMemory(to: UInt16.self)
            for index in 0..<count { appendBigEndian(digits[index]) }
        }
    }

    /// Ends the current row, sending a chunk when the buffer is full.
    /// - Throws: ``PostgresError`` (`.clientMisuse`) when the row has a different number of
    ///   fields than begun with; the server's error when sending a chunk fails.
    package mutating func endRow() throws(PostgresError) {
        guard fieldsInRow == fieldsExpected else {
            throw PostgresError(kind: .clientMisuse,
                                message: "COPY row \(rowsWritten + 1) has \(fieldsInRow) fields, begun with \(fieldsExpected)")
        }
        rowsWritten += 1
        try chunks.flushIfFull()
    }

    /// Appends the trailer and sends what is buffered.
    mutating func finish() throws(PostgresError) {
        appendBigEndian(Int16(-1))
        try flush()
    }

    /// Sends what is buffered.
    mutating func flush() throws(PostgresError) { try chunks.flush() }

    @inline(__always)
    private mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        var shift = T.bitWidth - 8
        while shift >= 0 {
            chunks.bytes.append(UInt8(truncatingIfNeeded: value >> shift))
            shift -= 8
        }
    }
}
