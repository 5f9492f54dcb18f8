internal import CLibPQ

/// The rows of one statement, owned until the last reference goes away.
///
/// A `QueryResult` owns libpq's `PGresult` and frees it (`PQclear`) in `deinit`; values are read
/// from it on demand, so memory is libpq's one copy of the rows. It is a collection of ``Row``s:
///
/// ```swift
/// let result = try connection.execute("SELECT id, email FROM clients WHERE segment = $1", [.text(segment)])
/// for row in result {
///     let id = try row.decode(Int64.self, at: 0)
///     let email = try row.decode(String?.self, column: "email")
/// }
/// ```
///
/// A `PGresult` is read-only once created, so a result may be read from any thread.
package final class QueryResult: @unchecked Sendable {
    private let handle: OpaquePointer
    /// The SQL text of the statement, for error messages.
    package let statement: String
    /// The number of rows returned.
    package let rowCount: Int
    /// The number of columns returned.
    package let columnCount: Int
    /// The column names, in order.
    package let columnNames: [String]
    /// The column types, in order.
    package let columnTypes: [PostgresDataType]

    init(handle: OpaquePointer, statement: String) {
        self.handle = handle
        self.statement = statement
        rowCount = Int(PQntuples(handle))
        columnCount = Int(PQnfields(handle))
        columnNames = (0..<Int32(columnCount)).map { String(cString: PQfname(handle, $0)) }
        columnTypes = (0..<Int32(columnCount)).map { PostgresDataType(PQftype(handle, $0)) }
    }

    deinit { PQclear(handle) }

    /// The command tag, e.g. `INSERT 0 3`, `UPDATE 2`, `SELECT 10`, `CREATE TABLE`.
    package var commandTag: String { String(cString: PQcmdStatus(handle)) }

    /// Rows affected by `INSERT`, `UPDATE`, `DELETE`, `MERGE`, `SELECT`, `COPY`, `MOVE`, `FETCH`;
    /// 0 for other commands (`PQcmdTuples`).
    package var affectedRows: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

    /// The index of the column with this name (the first one, if several share it).
    package func columnIndex(named name: String) -> Int? { columnNames.firstIndex(of: name) }

    /// Whether the value at `row`, `column` is SQL `NULL`.
    package func isNull(row: Int, column: Int) -> Bool {
        checkBounds(row: row, column: column)
        return PQgetisnull(handle, Int32(row), Int32(column)) == 1
    }

    /// The raw text of a value, or `nil` for `NULL`.
    package subscript(row: Int, column: Int) -> String? {
        if isNull(row: row, column: column) { return nil }
        return String(cString: PQgetvalue(handle, Int32(row), Int32(column)))
    }

    /// The raw text of a value as bytes, or `nil` for `NULL`: no `String` is made. The bytes
    /// belong to the result and stay valid while it lives (read them before it is released).
    package func bytes(row: Int, column: Int) -> UnsafeBufferPointer<UInt8>? {
        if isNull(row: row, column: column) { return nil }
        let pointer = PQgetvalue(handle, Int32(row), Int32(column))!
        let length = Int(PQgetlength(handle, Int32(row), Int32(column)))
        return UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: length)
    }

    /// Decodes the value at `row`, `column`.
    ///
    /// - Throws: ``PostgresError`` of kind `.decoding` naming the column, its type and the row
    ///   when the value is `NULL` and `T` is not optional, or when its text is not a `T`.
    package func decode<T: PostgresDecodable>(_ type: T.Type, row: Int, column: Int) throws(PostgresError) -> T {
        checkBounds(row: row, column: column)
        let columnType = columnTypes[column]
        if PQgetisnull(handle, Int32(row), Int32(column)) == 1 {
            if let null = T.postgresNull { return null }
            var error = PostgresError(
                kind: .decoding,
                message: "column \"\(columnNames[column])\" (\(columnType)) is NULL in row \(row); decode it as \(T.self)? to accept NULL",
                statement: statement
            )
            error.columnName = columnNames[column]
            throw error
        }
        let pointer = PQgetvalue(handle, Int32(row), Int32(column))!
        let length = Int(PQgetlength(handle, Int32(row), Int32(column)))
        let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: length)
        do {
            return try T.decode(postgresText: bytes, type: columnType)
        } catch {
            var failure = PostgresError(
                kind: .decoding,
                message: "cannot decode column \"\(columnNames[column])\" (\(columnType)) in row \(row) as \(T.self): \(error)",
                statement: statement
            )
            failure.columnName = columnNames[column]
            failure.parameters = [String(decoding: bytes, as: UTF8.self)]
            throw failure
        }
    }

    /// Decodes the value at `row` in the column named `column`.
    ///
    /// - Throws: ``PostgresError`` (`.clientMisuse`) when no column has that name, or as
    ///   ``decode(_:row:column:)-(_,_,Int)``.
    package func decode<T: PostgresDecodable>(_ type: T.Type, row: Int, column name: String) throws(PostgresError) -> T {
        guard let column = columnIndex(named: name) else {
            throw PostgresError(
                kind: .clientMisuse,
                message: "no column named \"\(name)\"; the result has \(columnNames.map { "\"\($0)\"" }.joined(separator: ", "))",
                statement: statement
            )
        }
        return try decode(type, row: row, column: column)
    }

    /// The single value of a one-row, one-column result (`SELECT count(*) …`).
    ///
    /// - Throws: ``PostgresError`` (`.clientMisuse`) unless there is exactly one row and at
    ///   least one column; as ``decode(_:row:column:)-(_,_,Int)`` otherwise.
    package func scalar<T: PostgresDecodable>(_ type: T.Type) throws(PostgresError) -> T {
        guard rowCount == 1, columnCount >= 1 else {
            throw PostgresError(
                kind: .clientMisuse,
                message: "expected exactly one row with a value, got \(rowCount) rows and \(columnCount) columns",
                statement: statement
            )
        }
        return try decode(type, row: 0, column: 0)
    }

    private func checkBounds(row: Int, column: Int) {
        precondition(row >= 0 && row < rowCount, "row \(row) out of range 0..<\(rowCount)")
        precondition(column >= 0 && column < columnCount, "column \(column) out of range 0..<\(columnCount)")
    }
}

extension QueryResult: RandomAccessCollection {
    package var startIndex: Int { 0 }
    package var endIndex: Int { rowCount }
    package subscript(position: Int) -> Row { Row(result: self, index: position) }
}

/// One row of a ``QueryResult``.
package struct Row: @unchecked Sendable {
    /// The result this row belongs to (kept alive by the row).
    package let result: QueryResult
    /// The row's index in the result.
    package let index: Int

    /// Decodes the value in column `column` (0-based).
    package func decode<T: PostgresDecodable>(_ type: T.Type, at column: Int) throws(PostgresError) -> T {
        try result.decode(type, row: index, column: column)
    }

    /// Decodes the value in the column named `column`.
    package func decode<T: PostgresDecodable>(_ type: T.Type, column: String) throws(PostgresError) -> T {
        try result.decode(type, row: index, column: column)
    }

    /// The raw text of column `column`, or `nil` for `NULL`.
    package subscript(column: Int) -> String? { result[index, column] }

    /// The raw text of the column named `name`, or `nil` for `NULL` or an unknown name.
    package subscript(name: String) -> String? {
        result.columnIndex(named: name).flatMap { result[index, $0] }
    }
}
