import Foundation
import Postgres
import Logging

extension Importer {
    /// The fast path of a first load: when the kind's table is empty, COPY the rows straight into
    /// it with its unique constraints and indexes dropped, check references against the distinct
    /// ids the file named, and build the indexes once at the end (PostgreSQL's "Populating a
    /// Database" advice). Far cheaper than staging and upserting a million rows one index probe at
    /// a time.
    ///
    /// Runs in a savepoint and holds an ACCESS EXCLUSIVE lock on the table until the import
    /// commits (readers of that table wait; acceptable for a first load). When the table is not
    /// empty, the lock is not granted within a moment, the file repeats an id, or a reference is
    /// unknown, everything it did is rolled back, `input` is rewound and nil is returned: the
    /// staged path then imports the file with its usual semantics and messages.
    ///
    /// - Returns: The summary, or nil when the staged path must do the import.
    /// - Throws: ``StoreError`` `.invalidRows` for bad rows (nothing stored), as the staged path would;
    ///   ``PostgresError`` when the database fails.
    func bulkLoad(reader: ImportRowReader, input: inout some ChunkedInput) throws -> ImportSummary? {
        let kind = reader.kind
        let table = kind.table
        guard try connection.execute("SELECT NOT EXISTS (SELECT 1 FROM \(table))").scalar(Bool.self) else { return nil }
        var clock = PhaseClock(logger: logger, kind: kind)
        var bytesRead = 0
        do {
            let summary = try connection.transaction { connection in
                try connection.execute("SET LOCAL lock_timeout = '2s'")
                try connection.execute("LOCK TABLE \(table) IN ACCESS EXCLUSIVE MODE")
                try connection.execute("SET LOCAL lock_timeout = 0")
                guard try connection.execute("SELECT NOT EXISTS (SELECT 1 FROM \(table))").scalar(Bool.self) else {
                    throw StoreError.bulkLoadDeclined("the table filled up meanwhile")
                }
                let rebuild = try dropUniqueConstraintsAndIndexes(of: table)

                let columns = kind.columns
                let references = try kind.references.map { reference in
                    ReferenceCheck(reference: reference, column: columns.firstIndex { $0.name == reference.column }!,
                                   known: try knownIDs(of: reference))
                }
                var counts = ImportRowReader.Counts()
                let inMemory = InMemoryReferenceCheck(references)
                let columnList = columns.map(\.name).joined(separator: ", ")
                if kind.hasOnlyPlainColumns {
                    // Binary: the server parses no timestamps or numerics (a third of its COPY time).
                    try connection.copyInBinary("COPY \(table) (\(columnList)) FROM STDIN (FORMAT binary)") { writer in
                        counts = try reader.read(&input) { row in
                            try inMemory.check(row, columns: columns)
                            writer.beginRow(fieldCount: columns.count)
                            try row.appendBinaryFields(columns: columns, to: &writer)
                            try writer.endRow()
                        }
                    }
                } else {
                    try connection.copyIn("COPY \(table) (\(columnList)) FROM STDIN") { writer in
                        counts = try reader.read(&input) { row in
                            try inMemory.check(row, columns: columns)
                            try row.appendFields(to: &writer)
                            try writer.endRow()
                        }
                    }
                }
                bytesRead = counts.bytesRead
                clock.lap("parsed, validated and copied \(counts.rowsRead) rows into \(table)")

                // References to tables too big to hold in memory: checked set-based. The table was
                // empty, so every row in it is new.
                for check in references where check.known == nil {
                    let reference = check.reference
                    let anyUnknown = try connection.execute("""
                        SELECT EXISTS (SELECT 1 FROM \(table) s
                                       WHERE NOT EXISTS (SELECT 1 FROM \(reference.table) t WHERE t.\(reference.tableColumn) = s.\(reference.column)))
                        """).scalar(Bool.self)
                    if anyUnknown { throw StoreError.bulkLoadDeclined("the file names an unknown \(reference.what)") }
                    clock.lap("checked references to \(reference.table)")
                }

                try connection.execute("SET LOCAL maintenance_work_mem = '256MB'")
                for statement in rebuild {
                    do {
                        try connection.execute(statement)
                    } catch let error as PostgresError where error.code == .uniqueViolation {
                        throw StoreError.bulkLoadDeclined("the file repeats an id")
                    }
                }
                clock.lap("built the indexes of \(table)")
                return ImportSummary(kind: kind.rawValue, file: reader.name, rowsRead: counts.rowsRead, inserted: counts.rowsRead,
                                     updated: 0, unchanged: 0, rejected: 0, method: .bulk)
            }
            reader.progress?(ImportProgress(rows: summary.rowsRead, bytes: bytesRead))
            return summary
        } catch let declined as StoreError where declined.code == .bulkLoadDeclined {
            logger.debug("bulk load declined: importing through staging", metadata: ["kind": "\(kind.rawValue)", "reason": "\(declined.message)"])
        } catch let error as PostgresError where error.code.map(Self.bulkLoadRefusals.contains) == true {
            // The table is in use (another import's first load waits for it too: each holds the
            // emptiness check's share lock, so one of them is told of a deadlock, the other of a
            // lock timeout, and both take the staged path, one after the other), or this role may
            // not drop its indexes (not the owner), or another table's foreign key depends on them.
            logger.debug("bulk load declined", metadata: ["kind": "\(kind.rawValue)", "reason": "\(error.message)"])
        }
        try input.rewind()
        return nil
    }

    /// Database errors that mean "not this way" rather than "the import failed".
    static let bulkLoadRefusals: Set<PostgresError.Code> = [.lockNotAvailable, .deadlockDetected, .insufficientPrivilege,
                                                                  .dependentObjectsStillExist]

    /// The most ids of a referenced table held in memory to check references while reading.
    static let referencePreloadLimit = 2_000_000

    /// Every id of the table `reference` points to, or nil when there are more than
    /// ``referencePreloadLimit`` (then the check runs in the database after the COPY).
    private func knownIDs(of reference: ImportReference) throws -> Set<String>? {
        let count = try connection.execute(
            "SELECT count(*) FROM (SELECT 1 FROM \(reference.table) LIMIT \(Self.referencePreloadLimit + 1)) AS bounded").scalar(Int.self)
        guard count <= Self.referencePreloadLimit else { return nil }
        var ids = Set<String>(minimumCapacity: count)
        try connection.copyOutLines("COPY \(reference.table) (\(reference.tableColumn)) TO STDOUT") { line in
            let bytes = line.bindMemory(to: UInt8.self)
            if bytes.contains(UInt8(ascii: "\\")) {  // escaped (or NULL): decode properly
                if let id = CopyText.decodeRow(line)[0] { ids.insert(id) }
            } else {
                ids.insert(String(decoding: UnsafeBufferPointer(rebasing: bytes.dropLast()), as: UTF8.self))
            }
        }
        return ids
    }

    /// Drops the unique and primary-key constraints and the other indexes of `table`.
    /// - Returns: The statements that create them again, in order.
    private func dropUniqueConstraintsAndIndexes(of table: String) throws -> [String] {
        var rebuild: [String] = []
        let constraints = try connection.execute("""
            SELECT quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint
            WHERE conrelid = $1::regclass AND contype IN ('p', 'u', 'x') ORDER BY contype, conname
            """, [.text(table)])
        let indexes = try connection.execute("""
            SELECT format('%I.%I', n.nspname, c.relname), pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE i.indrelid = $1::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)
            ORDER BY c.relname
            """, [.text(table)])
        for row in constraints {
            let name = try row.decode(String.self, at: 0)
            try connection.execute("ALTER TABLE \(table) DROP CONSTRAINT \(name)")
            rebuild.append("ALTER TABLE \(table) ADD CONSTRAINT \(name) \(try row.decode(String.self, at: 1))")
        }
        for row in indexes {
            try connection.execute("DROP INDEX \(try row.decode(String.self, at: 0))")
            rebuild.append(try row.decode(String.self, at: 1))
        }
        return rebuild
    }
}

/// A reference column of the rows being loaded, and the ids it may name when they fit in memory.
private struct ReferenceCheck {
    let reference: ImportReference
    /// The column's position in ``ImportKind/columns``.
    let column: Int
    let known: Set<String>?
}

/// Checks each row's references whose ids are in memory, while the rows stream by.
///
/// Each checked column keeps a small direct-mapped cache of ids it verified (slot chosen by a
/// cheap FNV-1a hash of the bytes): files group a client's rows and name few products, so most
/// rows need neither a `String` nor a full hash lookup.
private struct InMemoryReferenceCheck {
    private let columns: [Int]
    private let known: [ByteKeySet]

    init(_ references: [ReferenceCheck]) {
        let checked = references.filter { $0.known != nil }
        columns = checked.map(\.column)
        known = checked.compactMap { $0.known.map(ByteKeySet.init) }
    }

    /// - Throws: ``StoreError`` `.bulkLoadDeclined` when the row names an id that does not exist.
    func check(_ row: ImportRow, columns names: [ImportColumn]) throws {
        for index in columns.indices {
            try row.withFieldBytes(columns[index]) { bytes in
                guard let bytes else { return }  // NULL names nothing
                guard known[index].contains(bytes) else {
                    throw StoreError.bulkLoadDeclined("the file names an unknown \(names[columns[index]].name) '\(String(decoding: bytes, as: UTF8.self))'")
                }
            }
        }
    }
}

extension StoreError.Code {
    /// The bulk path stepped aside for the staged one (never leaves the importer).
    fileprivate static let bulkLoadDeclined = StoreError.Code(name: "bulk load declined")
}

extension StoreError {
    /// Why the bulk path stepped aside for the staged one (logged at debug level).
    fileprivate static func bulkLoadDeclined(_ reason: String) -> StoreError {
        StoreError(.bulkLoadDeclined, reason)
    }
}
