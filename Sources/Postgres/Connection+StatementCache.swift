internal import CLibPQ

// Prepared statements the connection caches itself: callers pass SQL text, never names.

extension Connection {
    /// Runs a statement through a prepared statement this connection keeps for `sql`.
    ///
    /// The first call with a given SQL text prepares it on the session (`PQprepare`) under a
    /// name the connection chooses and remembers; later calls with the same text only execute
    /// it (`PQexecPrepared`), saving the server the parse and plan. The cache lives as long as
    /// the session: ``reset()`` empties it, and a statement the server no longer knows (after a
    /// `DEALLOCATE ALL`, say) is prepared again once.
    ///
    /// ```swift
    /// let row = try connection.executeCached("SELECT name FROM clients WHERE client_id = $1", [.text(id)])
    /// ```
    ///
    /// - Parameters:
    ///   - sql: Exactly one SQL statement, as for ``execute(_:_:)``; the text is the cache key.
    ///   - parameters: The values of `$1`, `$2`, …; `nil` is `NULL`.
    /// - Returns: The result, as ``execute(_:_:)`` returns it.
    /// - Throws: ``PostgresError`` as ``execute(_:_:)``; a statement that fails to prepare is not cached.
    @discardableResult
    package func executeCached(_ sql: String, _ parameters: [PostgresValue?] = []) throws(PostgresError) -> QueryResult {
        if let name = cachedStatements[sql] {
            do {
                return try executePrepared(name: name, parameters)
            } catch where error.code == .invalidSqlStatementName {
                cachedStatements[sql] = nil
            }
        }
        let name = "swift_postgres_cached_\(nextCachedStatementNumber())"
        try prepare(name: name, sql: sql)
        cachedStatements[sql] = name
        return try executePrepared(name: name, parameters)
    }

    /// How many statements ``executeCached(_:_:)`` holds on this session.
    package var cachedStatementCount: Int { cachedStatements.count }
}
