import Foundation
import Postgres
import WaymarkCore

/// A valid row on its way to COPY, as ``ImportRowReader`` hands it to its sink: the parser's
/// bytes as they stand, or normalised text fields. Valid only during the sink's call.
struct ImportRow {
    /// The line the row starts on.
    let line: Int
    private let fields: Fields

    private enum Fields {
        case asItStands(CSVRawRecord, RowValidator)
        case normalised([String?])
    }

    init(line: Int, normalised values: [String?]) {
        self.line = line
        fields = .normalised(values)
    }

    init(_ record: CSVRawRecord, acceptedBy validator: RowValidator) {
        line = record.line
        fields = .asItStands(record, validator)
    }

    /// Appends the row's fields, in the kind's column order, to the current COPY row.
    func appendFields(to writer: inout CopyInWriter) throws {
        switch fields {
        case .asItStands(let record, let validator):
            for index in validator.columns.indices {
                try validator.withFieldBytes(index, of: record) { bytes in
                    if let bytes { try writer.appendField(bytes: bytes) } else { try writer.appendField(nil as String?) }
                }
            }
        case .normalised(let values): for value in values { try writer.appendField(value) }
        }
    }

    /// Appends the row's fields, in the order and binary formats of `columns` (the kind's), to
    /// the current binary COPY row.
    func appendBinaryFields(columns: [ImportColumn], to writer: inout BinaryCopyInWriter) throws {
        switch fields {
        case .asItStands(let record, let validator):
            try validator.appendBinaryFields(of: record, to: &writer)
        case .normalised(let values):
            for (value, column) in zip(values, columns) { try ImportColumn.appendBinary(normalised: value, as: column, to: &writer) }
        }
    }

    /// Calls `body` with the UTF-8 bytes of column `index` (of ``ImportKind/columns``), nil for NULL.
    func withFieldBytes<T>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>?) throws -> T) rethrows -> T {
        switch fields {
        case .asItStands(let record, let validator):
            return try validator.withFieldBytes(index, of: record, body)
        case .normalised(let values):
            guard var value = values[index] else { return try body(nil) }
            return try value.withUTF8 { try body($0) }
        }
    }
}

/// Reads the rows of an import file (CSV with a header, or JSON Lines), validates each against its
/// kind, and hands every valid row to a sink as an ``ImportRow``.
///
/// A bad row goes to the reject file when there is one; otherwise it is collected as an issue
/// (the first ``issueLimit``), no later row reaches the sink, and reading goes on to the end so the
/// failure counts every bad row.
struct ImportRowReader {
    let kind: ImportKind
    let format: ImportFormat
    /// The file's name for messages (`-` for standard input).
    let name: String
    let rejectFile: RejectWriter?
    let issueLimit: Int
    let progress: ((ImportProgress) -> Void)?
    /// The longest line (CSV record, JSON Lines line) read, in bytes; a longer one stops the
    /// import (exit 2) before it is held in memory.
    var maximumLineBytes = CSVParser.defaultMaximumRecordBytes

    /// What a pass over the input counted.
    struct Counts {
        /// Data rows read (the header not counted).
        var rowsRead = 0
        /// Rows written to the reject file.
        var rejected = 0
        var bytesRead = 0
    }

    /// Reads `input` to the end.
    /// - Parameter sink: Receives each valid row.
    /// - Throws: ``StoreError`` `.invalidRows` for bad rows without a reject file, a bad header, an empty file
    ///   or a CSV syntax error; whatever `sink` or the input throws.
    func read(_ input: inout some ChunkedInput, into sink: (ImportRow) throws -> Void) throws -> Counts {
        var counts = Counts()
        var issues: [ImportIssue] = []
        var errorRows = 0
        var validator: RowValidator?
        var lastProgress = 0
        var lastProgressTime = ContinuousClock.now
        let columns = kind.columns

        /// Reports progress every 50,000 rows, or every second when rows come slowly (the clock
        /// is read once per 1,000 rows), so a log line can follow at its own interval.
        func reportProgress() {
            guard let progress else { return }
            let rows = counts.rowsRead
            guard rows - lastProgress >= 50_000
                || (rows % 1_000 == 0 && ContinuousClock.now - lastProgressTime >= .seconds(1)) else { return }
            lastProgress = rows
            lastProgressTime = .now
            progress(ImportProgress(rows: rows, bytes: counts.bytesRead))
        }

        func handle(_ fields: [String], line: Int) throws {
            guard let current = validator else {
                validator = try RowValidator(kind: kind, file: name, header: fields)
                rejectFile?.begin(header: fields)
                return
            }
            counts.rowsRead += 1
            switch current.validate(fields, line: line) {
            case .success(let values):
                if errorRows == 0 || rejectFile != nil { try sink(ImportRow(line: line, normalised: values)) }
            case .failure(let error):
                if let rejectFile {
                    try rejectFile.reject(line: line, reason: error.issues.map(\.shortDescription).joined(separator: "; "), fields: fields)
                    counts.rejected += 1
                } else {
                    errorRows += 1
                    for issue in error.issues where issues.count < issueLimit { issues.append(issue) }
                }
            }
            reportProgress()
        }

        /// A CSV record: byte for byte when it is valid as it stands, through `String`s otherwise.
        func handle(_ record: CSVRawRecord) throws {
            if let current = validator, current.kind.hasOnlyPlainColumns, current.acceptsAsItStands(record) {
                counts.rowsRead += 1
                if errorRows == 0 || rejectFile != nil { try sink(ImportRow(record, acceptedBy: current)) }
                reportProgress()
            } else {
                switch record.validatedFields {
                case .success(let fields): try handle(fields, line: record.line)
                case .failure(let invalid): try refuse(invalid, in: record)
                }
            }
        }

        /// A record with invalid UTF-8: refused by position, never repaired.
        func refuse(_ invalid: CSVInvalidUTF8, in record: CSVRawRecord) throws {
            let name = validator.map { current in
                current.positions.firstIndex(of: invalid.field).map { current.columns[$0].name } ?? "#\(invalid.field + 1)"
            } ?? "#\(invalid.field + 1)"
            let issue = ImportIssue(file: self.name, line: record.line, column: name,
                                    message: "invalid UTF-8 at byte \(invalid.byte) of the field (the file must be UTF-8)")
            guard validator != nil else {
                throw StoreError.invalidRows(issues: [issue], errorCount: 1)
            }
            counts.rowsRead += 1
            if let rejectFile {
                try rejectFile.reject(line: record.line, reason: issue.shortDescription, fields: record.fields)
                counts.rejected += 1
            } else {
                errorRows += 1
                if issues.count < issueLimit { issues.append(issue) }
            }
        }

        switch format {
        case .csv:
            var parser = CSVParser(maximumRecordBytes: maximumLineBytes)
            do {
                while let chunk = try input.next() {
                    counts.bytesRead += chunk.count
                    try chunk.withUnsafeBufferPointer { bytes in try parser.parseRaw(bytes, onRecord: handle) }
                }
                try parser.finishRaw(onRecord: handle)
            } catch let error as CSVError {
                throw StoreError.invalidRows(issues: issues + [ImportIssue(file: name, line: error.line, message: error.descriptionWithoutLine)],
                                    errorCount: errorRows + 1)
            }
        case .jsonl:
            var lines = LineSplitter(maximumLineBytes: maximumLineBytes)
            let header = columns.map(\.name)
            try handle(header, line: 0)
            func handleLine(_ bytes: ArraySlice<UInt8>, line: Int) throws {
                // A UTF-8 byte-order mark (EF BB BF) before the first line is skipped, as for CSV
                // (editors on Windows write one).
                let bytes = line == 1 && bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes
                switch JSONLinesRow.fields(bytes, header: header, file: name, line: line) {
                case .none: return  // a blank line
                case .some(.fields(let fields)): try handle(fields, line: line)
                case .some(.issue(let issue)):
                    counts.rowsRead += 1
                    if let rejectFile {
                        try rejectFile.reject(line: line, reason: issue.shortDescription, fields: [String(decoding: bytes, as: UTF8.self)])
                        counts.rejected += 1
                    } else {
                        errorRows += 1
                        if issues.count < issueLimit { issues.append(issue) }
                    }
                }
            }
            do {
                while let chunk = try input.next() {
                    counts.bytesRead += chunk.count
                    try lines.feed(chunk, handleLine)
                }
                try lines.finish(handleLine)
            } catch let error as LineTooLong {
                throw StoreError.invalidRows(issues: issues + [ImportIssue(file: name, line: error.line,
                    message: "the line is longer than \(error.limit) bytes (the limit is set with --max-line-bytes)")],
                                             errorCount: errorRows + 1)
            }
        }
        if validator == nil {
            throw StoreError.invalidRows(issues: [ImportIssue(file: name, line: 1, message: "the file is empty: expected a header row naming the columns (\(columns.map(\.name).joined(separator: ",")))")], errorCount: 1)
        }
        if errorRows > 0 {
            throw StoreError.invalidRows(issues: issues, errorCount: errorRows)
        }
        return counts
    }
}
