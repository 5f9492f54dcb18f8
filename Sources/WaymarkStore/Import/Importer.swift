import Foundation
package import Logging
package import Postgres
import WaymarkCore

/// The format of an import file.
package enum ImportFormat: String, CaseIterable, Sendable {
    case csv, jsonl

    /// The format a file name implies (`.csv`, `.jsonl`, `.ndjson`), nil when it implies none.
    package static func inferred(from path: String) -> ImportFormat? {
        let lowered = path.lowercased()
        if lowered.hasSuffix(".csv") { return .csv }
        if lowered.hasSuffix(".jsonl") || lowered.hasSuffix(".ndjson") { return .jsonl }
        return nil
    }
}

/// How an import went.
package struct ImportSummary: Sendable, Equatable, Codable {
    package var kind: String
    package var file: String
    /// Data rows read (the header not counted).
    package var rowsRead: Int
    package var inserted: Int
    package var updated: Int
    /// Rows identical to what was stored already (a re-import).
    package var unchanged: Int
    /// Rows written to the reject file.
    package var rejected: Int
    /// How the rows went in.
    package var method: ImportMethod = .upsert

    /// Rows that are now in the table as the file says.
    package var imported: Int { inserted + updated + unchanged }
}

/// How an import wrote its rows.
package enum ImportMethod: String, Sendable, Codable {
    /// COPY into a staging table, then one set-based upsert: the general path.
    case upsert
    /// COPY straight into the empty table, its indexes built afterwards: the fast path of a first load.
    case bulk
}

/// Progress of a running import, for a progress line.
package struct ImportProgress: Sendable {
    package var rows: Int
    package var bytes: Int
}

/// Imports one file of one kind: COPY into a staging table, set-based checks, one upsert; or,
/// when the table is still empty, COPY straight into it (see ``bulkLoad(reader:input:)``).
///
/// All or nothing by default: one bad row and nothing is stored (``StoreError`` `.invalidRows` lists the first
/// problems with file, line, column, value and what was expected). With a reject file, good rows
/// are imported and each bad row is written there with its reason. Re-importing a file changes
/// nothing: rows are upserted by their natural id, and a row equal to the stored one is not
/// rewritten. Rows of one file with the same id: the last one wins.
package struct Importer {
    package var connection: Connection
    package var logger: Logger
    /// How many problems an all-or-nothing failure lists.
    package var issueLimit = 20
    /// The longest line (a CSV record, a JSON Lines line) read, in bytes: a longer one stops the
    /// import with `.invalidRows` naming its line, before it is held in memory.
    package var maximumLineBytes = CSVParser.defaultMaximumRecordBytes

    package init(connection: Connection, logger: Logger = Logger(label: "waymark.import", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.connection = connection
        self.logger = logger
    }

    /// Imports `input` as rows of `kind`.
    ///
    /// - Parameters:
    ///   - input: The bytes of the file, read in chunks.
    ///   - name: The file's name for messages (`-` for standard input).
    ///   - rejectFile: Where to write bad rows; nil for all-or-nothing.
    ///   - progress: Called now and then with the rows and bytes read so far.
    /// - Throws: ``StoreError`` `.invalidRows` (nothing stored) for bad rows without a reject file, a bad
    ///   header or a CSV syntax error; ``PostgresError`` when the database fails.
    package func importRows(
        kind: ImportKind,
        format: ImportFormat,
        input: some ChunkedInput,
        name: String,
        rejectFile: RejectWriter? = nil,
        progress: ((ImportProgress) -> Void)? = nil
    ) throws -> ImportSummary {
        var input = input
        var reader = ImportRowReader(kind: kind, format: format, name: name, rejectFile: rejectFile,
                                     issueLimit: issueLimit, progress: progress)
        reader.maximumLineBytes = maximumLineBytes
        return try connection.transaction { connection in
            try connection.execute("SET LOCAL work_mem = '256MB'")
            if rejectFile == nil, input.isRewindable, let summary = try bulkLoad(reader: reader, input: &input) {
                return summary
            }
            return try stagedImport(reader: reader, input: &input)
        }
    }

    /// The general path: COPY into a staging table, check references, upsert.
    private func stagedImport(reader: ImportRowReader, input: inout some ChunkedInput) throws -> ImportSummary {
        let kind = reader.kind
        let name = reader.name
        let rejectFile = reader.rejectFile
        let columns = kind.columns
        let staging = "waymark_staging_\(kind.rawValue)"
        let definitions = columns.map { "\($0.name) \(kind.sqlTypes[$0.name] ?? "text")" }.joined(separator: ", ")
        try connection.execute("CREATE TEMP TABLE \(staging) (line bigint NOT NULL, \(definitions)) ON COMMIT DROP")

        var clock = PhaseClock(logger: logger, kind: kind)
        let copySQL = "COPY \(staging) (line, \(columns.map(\.name).joined(separator: ", "))) FROM STDIN"
        var counts = ImportRowReader.Counts()
        if kind.hasOnlyPlainColumns {
            // Binary, as in the bulk path: the server parses no timestamps or numerics.
            try connection.copyInBinary(copySQL + " (FORMAT binary)") { writer in
                counts = try reader.read(&input) { row in
                    writer.beginRow(fieldCount: columns.count + 1)
                    writer.appendInt64(Int64(row.line))
                    try row.appendBinaryFields(columns: columns, to: &writer)
                    try writer.endRow()
                }
            }
        } else {
            try connection.copyIn(copySQL) { writer in
                counts = try reader.read(&input) { row in
                    try writer.appendField(Int64(row.line))
                    try row.appendFields(to: &writer)
                    try writer.endRow()
                }
            }
        }
        let rowsRead = counts.rowsRead
        var rejected = counts.rejected

        clock.lap("parsed, validated and copied \(rowsRead) rows into staging")
        // References to other tables: the distinct ids the file names, looked up in the referenced
        // table (no join of the staging table with it: on Citus a temporary table cannot join a
        // distributed one); the rows naming an unknown one are then found in the staging table.
        for reference in kind.references {
            let unknown = try unknownIDs(of: reference, in: staging)
            guard !unknown.isEmpty else { continue }
            let missing = "FROM \(staging) s WHERE s.\(reference.column) = ANY($1::text[])"
            let parameters: [PostgresValue?] = [.textArray(unknown)]
            if let rejectFile {
                let header = rejectFile.header
                let returned = header.map { columns.map(\.name).contains($0) ? "\($0)::text" : "NULL::text" }
                let deleted = try connection.execute("""
                    DELETE FROM \(staging) WHERE line IN (SELECT s.line \(missing))
                    RETURNING line, \(reference.column), \(returned.joined(separator: ", "))
                    """, parameters)
                for row in deleted {
                    let line = try row.decode(Int.self, at: 0)
                    let value = try row.decode(String.self, at: 1)
                    let fields = try (0..<header.count).map { try row.decode(String?.self, at: $0 + 2) ?? "" }
                    try rejectFile.reject(line: line, reason: "column \(reference.column): unknown \(reference.what) '\(value)'", fields: fields)
                    rejected += 1
                }
            } else {
                let count = try connection.execute("SELECT count(*) \(missing)", parameters).scalar(Int.self)
                var found: [ImportIssue] = []
                for row in try connection.execute("SELECT s.line, s.\(reference.column) \(missing) ORDER BY s.line LIMIT \(issueLimit)", parameters) {
                    let value = try row.decode(String.self, at: 1)
                    found.append(ImportIssue(file: name, line: try row.decode(Int.self, at: 0), column: reference.column, value: value,
                                             message: "unknown \(reference.what): import the \(reference.table) first"))
                }
                throw StoreError.invalidRows(issues: found, errorCount: count)
            }
        }

        clock.lap("checked references")
        // One set-based upsert; rows equal to the stored ones are left alone.
        let names = columns.map(\.name)
        let nonKey = names.filter { !kind.key.contains($0) }
        let assignments = (nonKey + kind.stampColumns.map(\.name)).map { "\($0) = EXCLUDED.\($0)" }
        let insertedColumns = (names + kind.stampColumns.map(\.name)).joined(separator: ", ")
        let selected = (names + kind.stampColumns.map(\.value)).joined(separator: ", ")
        let keyList = kind.key.joined(separator: ", ")
        let changed = "(\(nonKey.map { "\(kind.table).\($0)" }.joined(separator: ", "))) IS DISTINCT FROM (\(nonKey.map { "EXCLUDED.\($0)" }.joined(separator: ", ")))"
        func upsertSQL(deduplicate: Bool) -> String {
            let source = deduplicate
                ? "SELECT DISTINCT ON (\(keyList)) \(selected) FROM \(staging) ORDER BY \(keyList), line DESC"
                : "SELECT \(selected) FROM \(staging)"
            return """
                WITH upserted AS (
                    INSERT INTO \(kind.table) (\(insertedColumns))
                    \(source)
                    ON CONFLICT (\(keyList)) DO UPDATE SET \(assignments.joined(separator: ", "))
                    WHERE \(changed)
                    RETURNING (xmax = 0) AS inserted
                )
                SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted),
                       (SELECT count(*) FROM (\(source)) AS source)
                FROM upserted
                """
        }
        // Files rarely repeat an id, so try without the sort that removes repeats; a repeated id
        // makes ON CONFLICT fail (cardinality violation), and then the last row of each id wins.
        // Two imports upserting overlapping rows in different orders would deadlock: the upsert
        // takes the table in SHARE ROW EXCLUSIVE mode (it conflicts with itself, not with readers),
        // so imports of one kind upsert one after the other, each after its file was read.
        try connection.execute("LOCK TABLE \(kind.table) IN SHARE ROW EXCLUSIVE MODE")
        let upserted: QueryResult
        do {
            upserted = try connection.transaction { connection in try connection.execute(upsertSQL(deduplicate: false)) }
        } catch let error as PostgresError where error.code == .cardinalityViolation {
            logger.debug("the file repeats ids: keeping the last row of each", metadata: ["kind": "\(kind.rawValue)"])
            upserted = try connection.execute(upsertSQL(deduplicate: true))
        }
        let inserted = try upserted.decode(Int.self, row: 0, column: 0)
        let updated = try upserted.decode(Int.self, row: 0, column: 1)
        let staged = try upserted.decode(Int.self, row: 0, column: 2)
        clock.lap("upserted into \(kind.table)")
        reader.progress?(ImportProgress(rows: rowsRead, bytes: counts.bytesRead))
        return ImportSummary(kind: kind.rawValue, file: name, rowsRead: rowsRead, inserted: inserted, updated: updated,
                             unchanged: staged - inserted - updated, rejected: rejected)
    }
}

extension Importer {
    /// How many ids one lookup in a referenced table sends.
    static let referenceLookupBatch = 10_000

    /// The ids the staging table's `reference.column` names that `reference.table` does not
    /// have, in byte order: the distinct ids are read from the staging table and looked up in
    /// batches (an index probe each; on Citus, routed to the shards).
    func unknownIDs(of reference: ImportReference, in staging: String) throws -> [String] {
        let named = try connection.execute("SELECT DISTINCT \(reference.column) FROM \(staging) WHERE \(reference.column) IS NOT NULL")
            .map { try $0.decode(String.self, at: 0) }
        var unknown: [String] = []
        var start = 0
        while start < named.count {
            let batch = Array(named[start..<min(start + Self.referenceLookupBatch, named.count)])
            let known = Set(try connection.execute("""
                SELECT \(reference.tableColumn) FROM \(reference.table) WHERE \(reference.tableColumn) = ANY($1::text[])
                """, [.textArray(batch)]).map { try $0.decode(String.self, at: 0) })
            unknown += batch.filter { !known.contains($0) }
            start += Self.referenceLookupBatch
        }
        return unknown.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}

extension ImportIssue {
    /// The issue without the file and line (for a reject file, which has its own line column).
    var shortDescription: String {
        var text = ""
        if let character { text += "byte \(character): " }
        if let column { text += "column \(column): " }
        if let value { text += "\(ImportIssue.quote(value)): " }
        return text + message
    }
}

extension CSVError {
    var descriptionWithoutLine: String {
        let text = description
        guard let colon = text.firstIndex(of: ":") else { return text }
        return String(text[text.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
    }
}

/// Logs how long each phase of an import took (at debug level).
struct PhaseClock {
    let logger: Logger
    let kind: ImportKind
    var last = ContinuousClock.now

    init(logger: Logger, kind: ImportKind) {
        self.logger = logger
        self.kind = kind
    }

    mutating func lap(_ what: String) {
        let now = ContinuousClock.now
        logger.debug("import phase", metadata: ["kind": "\(kind.rawValue)", "phase": "\(what)", "elapsed": "\(now - last)"])
        last = now
    }
}
