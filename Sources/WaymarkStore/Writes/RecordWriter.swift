package import Postgres

/// What a single-row upsert did.
package enum RecordOutcome: String, Sendable, Equatable, Codable {
    /// A new row.
    case inserted
    /// The row existed with other values and now has these.
    case updated
    /// The row existed with exactly these values: nothing was written.
    case unchanged
}

/// Writes one validated row of an import kind, idempotently, by its natural id.
///
/// The same columns, types, defaults and upsert rule as ``Importer``: the row is inserted, or
/// the stored row with the same key is updated when any value differs, or left alone when all
/// are equal. References (the client, a purchase's product) are checked in the same statement.
/// One round trip per row; the statement of each kind is prepared once per session.
package struct RecordWriter {
    package init() {}

    /// Each kind's statement, built once (the connection prepares it once per session).
    private static let statements: [ImportKind: String] = Dictionary(
        uniqueKeysWithValues: ImportKind.allCases.map { ($0, statement($0)) })

    /// The statement of `kind`: parameters in the kind's column order, as normalised text; it
    /// returns one boolean per reference (known or not), then `inserted` (true: inserted, false:
    /// updated, NULL: nothing written).
    package static func statement(_ kind: ImportKind) -> String {
        let columns = kind.columns
        let names = columns.map(\.name)
        let types = kind.sqlTypes
        let values = columns.enumerated().map { index, column in "$\(index + 1)::\(types[column.name] ?? "text")" }
            + kind.stampColumns.map(\.value)
        let references = kind.references.map { reference in
            let index = names.firstIndex(of: reference.column)! + 1
            return "EXISTS (SELECT 1 FROM \(reference.table) WHERE \(reference.tableColumn) = $\(index)::text) AS \(reference.column)_known"
        }
        let checks = references.isEmpty ? "true" : kind.references.map { "\($0.column)_known" }.joined(separator: " AND ")
        let nonKey = names.filter { !kind.key.contains($0) }
        let assignments = (nonKey + kind.stampColumns.map(\.name)).map { "\($0) = EXCLUDED.\($0)" }
        let changed = "(\(nonKey.map { "\(kind.table).\($0)" }.joined(separator: ", "))) IS DISTINCT FROM (\(nonKey.map { "EXCLUDED.\($0)" }.joined(separator: ", ")))"
        let referenceColumns = kind.references.map { "refs.\($0.column)_known, " }.joined()
        return """
            WITH refs AS (SELECT \(references.isEmpty ? "true AS nothing" : references.joined(separator: ", "))),
            upserted AS (
                INSERT INTO \(kind.table) (\((names + kind.stampColumns.map(\.name)).joined(separator: ", ")))
                SELECT \(values.joined(separator: ", ")) FROM refs WHERE \(checks)
                ON CONFLICT (\(kind.key.joined(separator: ", "))) DO UPDATE SET \(assignments.joined(separator: ", "))
                WHERE \(changed)
                RETURNING (xmax = 0) AS inserted
            )
            SELECT \(referenceColumns)(SELECT inserted FROM upserted) FROM refs
            """
    }

    /// Upserts one row.
    ///
    /// - Parameters:
    ///   - kind: Which table (the import kind's columns and key).
    ///   - values: The row in the kind's column order, each normalised with
    ///     ``RowValidator/normalise(_:as:)``; nil stores the column's default (or NULL).
    ///   - connection: Where to write.
    /// - Returns: What was done.
    /// - Throws: ``StoreError`` `.missingReference` for an unknown client or product (nothing written);
    ///   ``PostgresError`` when the database fails.
    package func upsert(_ kind: ImportKind, values: [String?], on connection: Connection) throws -> RecordOutcome {
        let columns = kind.columns
        precondition(values.count == columns.count, "one value per column of \(kind)")
        let parameters: [PostgresValue?] = zip(columns, values).map { column, value in
            (value ?? column.defaultValue).map { PostgresValue.text($0) }
        }
        let result = try connection.executeCached(Self.statements[kind] ?? Self.statement(kind), parameters)
        for (index, reference) in kind.references.enumerated() where try !result.decode(Bool.self, row: 0, column: index) {
            let position = columns.firstIndex { $0.name == reference.column }!
            let value = values[position] ?? ""
            var error = StoreError(.missingReference, "unknown \(reference.what) '\(value)'")
            error.reference = StoreError.Reference(column: reference.column, what: reference.what, value: value)
            throw error
        }
        switch try result.decode(Bool?.self, row: 0, column: kind.references.count) {
        case true?: return .inserted
        case false?: return .updated
        case nil: return .unchanged
        }
    }
}
