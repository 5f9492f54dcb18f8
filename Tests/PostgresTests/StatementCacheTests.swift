import Foundation
import Postgres
import Testing

/// `executeCached` prepares a statement once per session and keeps its name itself.
@Suite struct StatementCacheTests {
    let schema: TestSchema
    var connection: Connection { schema.connection }

    init() throws { schema = try TestSchema() }

    func preparedCount() throws -> Int64 {
        try connection.execute("SELECT count(*) FROM pg_prepared_statements").scalar(Int64.self)
    }

    @Test func preparesOnceAndReuses() throws {
        let sql = "SELECT $1::int8 + 1"
        #expect(try connection.executeCached(sql, [.int(1)]).scalar(Int64.self) == 2)
        #expect(try connection.executeCached(sql, [.int(41)]).scalar(Int64.self) == 42)
        #expect(connection.cachedStatementCount == 1)
        #expect(try preparedCount() == 1)
        try connection.executeCached("SELECT $1::text", [.text("other")])
        #expect(connection.cachedStatementCount == 2)
        #expect(try preparedCount() == 2)
    }

    @Test func preparesAgainWhenTheServerForgot() throws {
        let sql = "SELECT $1::text || '!'"
        #expect(try connection.executeCached(sql, [.text("a")]).scalar(String.self) == "a!")
        try connection.execute("DEALLOCATE ALL")
        #expect(try connection.executeCached(sql, [.text("b")]).scalar(String.self) == "b!")
        #expect(try preparedCount() == 1)
    }

    @Test func aStatementThatFailsToPrepareIsNotCached() throws {
        #expect {
            try connection.executeCached("SELECT * FROM no_such_table WHERE id = $1", [.int(1)])
        } throws: { ($0 as? PostgresError)?.code == .undefinedTable }
        #expect(connection.cachedStatementCount == 0)
    }
}
