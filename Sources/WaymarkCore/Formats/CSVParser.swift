/// A streaming RFC 4180 CSV parser.
///
/// Feed it bytes in chunks of any size with ``parse(_:onRecord:)`` and call ``finish(onRecord:)``
/// at the end; it hands out one ``CSVRecord`` at a time, so memory stays bounded by the longest
/// record, not by the file. Quoted fields may hold commas, quotes (`""`) and line breaks. Lines end
/// with LF or CRLF; a UTF-8 byte-order mark at the start is skipped; a blank line is skipped.
///
/// ```swift
/// var parser = CSVParser()
/// try parser.parse(chunk) { record in print(record.line, record.fields) }
/// try parser.finish { record in … }
/// ```
///
/// ``parseRaw(_:onRecord:)`` and ``finishRaw(onRecord:)`` hand out each record as the parser holds
/// it (``CSVRawRecord``: the field bytes, no `String` made), for readers that validate bytes.
package struct CSVParser: Sendable {
    private enum State: Sendable { case fieldStart, unquoted, quoted, quoteInQuoted }

    private var state: State = .fieldStart
    /// The unescaped bytes of the current record's fields, back to back.
    private var recordBytes: [UInt8] = []
    /// Where each completed field of the current record ends in `recordBytes`.
    private var fieldEnds: [Int] = []
    /// The line the current record started on (1-based).
    private var recordLine = 1
    /// The current physical line (1-based).
    private var line = 1
    private var column = 1
    private var atStart = true
    private var bomCheck: [UInt8] = []
    private var pendingCR = false
    /// The most bytes one record (and so one field) may hold; a longer one is an error, so a
    /// file without line breaks (`/dev/zero`) cannot grow the parser's memory without bound.
    package let maximumRecordBytes: Int

    /// The default ``maximumRecordBytes``: 1 MiB.
    package static let defaultMaximumRecordBytes = 1 << 20

    package init(maximumRecordBytes: Int = CSVParser.defaultMaximumRecordBytes) {
        self.maximumRecordBytes = maximumRecordBytes
    }

    /// Parses the next chunk of bytes, handing out every record it completes.
    /// - Throws: ``CSVError`` for a stray quote; whatever `onRecord` throws.
    package mutating func parse(
        _ bytes: [UInt8],
        onRecord: (CSVRecord) throws -> Void
    ) throws {
        try bytes.withUnsafeBufferPointer { try parseRaw($0) { try onRecord($0.record) } }
    }

    /// Parses the next chunk of bytes, handing out every record it completes.
    package mutating func parse(
        _ bytes: ArraySlice<UInt8>,
        onRecord: (CSVRecord) throws -> Void
    ) throws {
        try bytes.withUnsafeBufferPointer { try parseRaw($0) { try onRecord($0.record) } }
    }

    /// Parses the next chunk of bytes, handing out every record it completes.
    package mutating func parse(
        _ buffer: UnsafeBufferPointer<UInt8>,
        onRecord: (CSVRecord) throws -> Void
    ) throws {
        try parseRaw(buffer) { try onRecord($0.record) }
    }

    /// Ends the input: completes the last record (which may lack a final line break).
    /// - Throws: ``CSVError/unterminatedQuote`` when a quoted field is still open.
    package mutating func finish(onRecord: (CSVRecord) throws -> Void) throws {
        try finishRaw { try onRecord($0.record) }
    }

    /// Parses the next chunk of bytes, handing out every record it completes as the parser holds
    /// it; the record is valid only during the call.
    /// - Throws: ``CSVError`` for a stray quote; whatever `onRecord` throws.
    package mutating func parseRaw(
        _ buffer: UnsafeBufferPointer<UInt8>,
        onRecord: (CSVRawRecord) throws -> Void
    ) throws {
        var index = 0
        let count = buffer.count
        while index < count {
            if atStart {
                let byte = buffer[index]
                index += 1
                // Skip a UTF-8 byte-order mark (EF BB BF).
                bomCheck.append(byte)
                let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
                if bomCheck == Array(bom.prefix(bomCheck.count)) {
                    if bomCheck.count == 3 { atStart = false; bomCheck = [] }
                    continue
                }
                atStart = false
                let replay = bomCheck
                bomCheck = []
                for b in replay { try consume(b, onRecord: onRecord) }
                continue
            }
            // Fast path: a run of plain bytes inside an unquoted or quoted field goes in at once.
            if state == .unquoted || state == .quoted, !pendingCR {
                var end = index
                if state == .unquoted {
                    while end < count {
                        let b = buffer[end]
                        if b == 0x2C || b == 0x0A || b == 0x0D || b == 0x22 { break }
                        end += 1
                    }
                } else {
                    while end < count {
                        let b = buffer[end]
                        if b == 0x22 || b == 0x0A { break }
                        end += 1
                    }
                }
                if end > index {
                    if recordBytes.count + (end - index) > maximumRecordBytes {
                        throw CSVError(line: recordLine, column: nil, reason: .recordTooLong(maximumRecordBytes))
                    }
                    recordBytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[index..<end]))
                    column += end - index
                    index = end
                    continue
                }
            }
            try consume(buffer[index], onRecord: onRecord)
            index += 1
        }
    }

    /// Ends the input: completes the last record (which may lack a final line break), handed out
    /// as the parser holds it.
    /// - Throws: ``CSVError/unterminatedQuote`` when a quoted field is still open.
    package mutating func finishRaw(onRecord: (CSVRawRecord) throws -> Void) throws {
        if atStart, !bomCheck.isEmpty {
            atStart = false
            let replay = bomCheck
            bomCheck = []
            for b in replay { try consume(b, onRecord: onRecord) }
        }
        switch state {
        case .quoted:
            throw CSVError(line: recordLine, column: nil, reason: .unterminatedQuote)
        case .fieldStart where fieldEnds.isEmpty && recordBytes.isEmpty:
            return
        default:
            try endRecord(onRecord: onRecord)
        }
    }

    @inline(__always)
    private mutating func consume(_ byte: UInt8, onRecord: (CSVRawRecord) throws -> Void) throws {
        let quote: UInt8 = 0x22, comma: UInt8 = 0x2C, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D
        if recordBytes.count > maximumRecordBytes {
            throw CSVError(line: recordLine, column: nil, reason: .recordTooLong(maximumRecordBytes))
        }
        if pendingCR {
            pendingCR = false
            if byte == lf { return }  // CRLF: the record already ended at CR
        }
        switch state {
        case .fieldStart:
            switch byte {
            case quote: state = .quoted
            case comma: endField()
            case lf, cr:
                if fieldEnds.isEmpty && recordBytes.isEmpty {
                    // A blank line: skip it.
                    nextLine(byte)
                    recordLine = line
                } else {
                    try endRecord(onRecord: onRecord)
                    nextLine(byte)
                    recordLine = line
                }
                return
            default: recordBytes.append(byte); state = .unquoted
            }
        case .unquoted:
            switch byte {
            case comma: endField(); state = .fieldStart
            case lf, cr:
                try endRecord(onRecord: onRecord)
                nextLine(byte)
                recordLine = line
                return
            case quote:
                throw CSVError(line: line, column: column, reason: .quoteInUnquotedField)
            default: recordBytes.append(byte)
            }
        case .quoted:
            if byte == quote {
                state = .quoteInQuoted
            } else {
                recordBytes.append(byte)
                if byte == lf { line += 1; column = 0 }
            }
        case .quoteInQuoted:
            switch byte {
            case quote: recordBytes.append(quote); state = .quoted
            case comma: endField(); state = .fieldStart
            case lf, cr:
                try endRecord(onRecord: onRecord)
                nextLine(byte)
                recordLine = line
                return
            default:
                throw CSVError(line: line, column: column, reason: .textAfterClosingQuote)
            }
        }
        column += 1
    }

    private mutating func nextLine(_ byte: UInt8) {
        line += 1
        column = 1
        if byte == 0x0D { pendingCR = true }
    }

    private mutating func endField() {
        fieldEnds.append(recordBytes.count)
    }

    private mutating func endRecord(onRecord: (CSVRawRecord) throws -> Void) throws {
        endField()
        state = .fieldStart
        defer {
            recordBytes.removeAll(keepingCapacity: true)
            fieldEnds.removeAll(keepingCapacity: true)
        }
        let line = recordLine
        try recordBytes.withUnsafeBufferPointer { bytes in
            try fieldEnds.withUnsafeBufferPointer { ends in
                try onRecord(CSVRawRecord(line: line, bytes: bytes, fieldEnds: ends))
            }
        }
    }
}

/// One record as ``CSVParser`` holds it: the unescaped bytes of its fields back to back and where
/// each field ends. It points into the parser's buffers: valid only during the callback.
package struct CSVRawRecord {
    /// The 1-based line number where the record starts.
    package let line: Int
    private let bytes: UnsafeBufferPointer<UInt8>
    private let fieldEnds: UnsafeBufferPointer<Int>

    init(line: Int, bytes: UnsafeBufferPointer<UInt8>, fieldEnds: UnsafeBufferPointer<Int>) {
        self.line = line
        self.bytes = bytes
        self.fieldEnds = fieldEnds
    }

    /// The number of fields.
    package var count: Int { fieldEnds.count }

    /// The bytes of field `index` (0-based).
    @inline(__always)
    package func field(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let start = index == 0 ? 0 : fieldEnds[index - 1]
        return UnsafeBufferPointer(rebasing: bytes[start..<fieldEnds[index]])
    }

    /// Every field as a `String` (invalid UTF-8 repaired with U+FFFD).
    package var fields: [String] {
        (0..<count).map { String(decoding: field($0), as: UTF8.self) }
    }

    /// Every field as a `String`, or where the first invalid UTF-8 is: the field's index and the
    /// 1-based byte within it.
    package var validatedFields: Result<[String], CSVInvalidUTF8> {
        var strings: [String] = []
        strings.reserveCapacity(count)
        for index in 0..<count {
            let bytes = field(index)
            guard let text = String(validating: bytes, as: UTF8.self) else {
                return .failure(CSVInvalidUTF8(field: index, byte: CSVInvalidUTF8.firstInvalidByte(bytes)))
            }
            strings.append(text)
        }
        return .success(strings)
    }

    /// A copy that outlives the callback.
    package var record: CSVRecord { CSVRecord(line: line, fields: fields) }
}

/// Where a CSV record holds invalid UTF-8: the field (0-based) and the byte within it (1-based).
package struct CSVInvalidUTF8: Error, Sendable, Equatable {
    package var field: Int
    package var byte: Int

    /// The 1-based position of the first byte that does not start a valid UTF-8 sequence.
    static func firstInvalidByte(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return offset + 1
            case .error: return offset + 1
            }
        }
    }
}

/// One CSV record: its fields and the line it starts on.
package struct CSVRecord: Sendable, Equatable {
    /// The 1-based line number where the record starts.
    package var line: Int
    package var fields: [String]

    package init(line: Int, fields: [String]) {
        self.line = line
        self.fields = fields
    }
}

/// A CSV syntax error, with its position.
package struct CSVError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Reason: Sendable, Equatable {
        case unterminatedQuote
        case quoteInUnquotedField
        case textAfterClosingQuote
        /// A record longer than the parser's limit (the limit, in bytes).
        case recordTooLong(Int)
    }

    package var line: Int
    package var column: Int?
    package var reason: Reason

    package var description: String {
        let position = column.map { "line \(line), column \($0)" } ?? "line \(line)"
        switch reason {
        case .unterminatedQuote:
            return "\(position): a quoted field is never closed (expected a closing '\"'; a quote inside a quoted field is written '\"\"')"
        case .quoteInUnquotedField:
            return "\(position): a '\"' inside an unquoted field (quote the whole field and write the quote as '\"\"')"
        case .textAfterClosingQuote:
            return "\(position): text after a closing quote (expected ',' or the end of the line)"
        case .recordTooLong(let limit):
            return "\(position): the record is longer than \(limit) bytes (the limit is set with --max-line-bytes)"
        }
    }
}

/// Writes CSV fields, quoting them only when they need it (RFC 4180).
package enum CSVWriter {
    /// Appends one record (fields joined by commas, ended by `\n`) to `output`.
    package static func appendRecord(_ fields: [String], to output: inout String) {
        for (index, field) in fields.enumerated() {
            if index > 0 { output.append(",") }
            appendField(field, to: &output)
        }
        output.append("\n")
    }

    /// Whether a field must be quoted: it holds a comma, a quote, CR or LF.
    package static func needsQuotes(_ utf8: some Sequence<UInt8>) -> Bool {
        utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
    }

    /// Appends one field given as UTF-8 bytes, quoted (quotes doubled) when it needs it.
    @inline(__always)
    package static func appendField(_ field: some Collection<UInt8>, to output: inout [UInt8]) {
        guard needsQuotes(field) else {
            output.append(contentsOf: field)
            return
        }
        output.append(0x22)
        for byte in field {
            if byte == 0x22 { output.append(byte) }
            output.append(byte)
        }
        output.append(0x22)
    }

    /// Appends one field, quoted when it holds a comma, a quote or a line break.
    package static func appendField(_ field: String, to output: inout String) {
        guard needsQuotes(field.utf8) else { output.append(field); return }
        output.append("\"")
        output.append(field.replacingQuotes())
        output.append("\"")
    }
}

extension String {
    fileprivate func replacingQuotes() -> String {
        var result = ""
        result.reserveCapacity(utf8.count + 2)
        for character in self {
            if character == "\"" { result.append("\"\"") } else { result.append(character) }
        }
        return result
    }
}
