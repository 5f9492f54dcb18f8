import Foundation
import Postgres
import Testing

private struct Abort: Error, Equatable { var reason: String }

/// Transactions commit or roll back; advisory locks exclude other sessions.
@Suite struct TransactionTests {
    let schema: TestSchema
    var connection: Connection { schema.connection }

    init() throws {
        schema = try TestSchema()
        try schema.connection.execute("CREATE TABLE items (id int PRIMARY KEY)")
    }

    func count() throws -> Int { try connection.execute("SELECT count(*) FROM items").scalar(Int.self) }

    @Test func commitsWhenTheClosureReturns() throws {
        let value = try connection.transaction { connection in
            try connection.execute("INSERT INTO items VALUES (1), (2)")
            #expect(connection.transactionStatus == .inTransaction)
            return "done"
        }
        #expect(value == "done")
        #expect(connection.transactionStatus == .idle)
        #expect(try count() == 2)
        // Visible from another session: it was committed.
        #expect(try schema.secondConnection().execute("SELECT count(*) FROM items").scalar(Int.self) == 2)
    }

    @Test func rollsBackAndRethrowsWhenTheClosureThrows() throws {
        #expect(throws: Abort(reason: "changed my mind")) {
            try connection.transaction { connection in
                try connection.execute("INSERT INTO items VALUES (1)")
                throw Abort(reason: "changed my mind")
            }
        }
        #expect(connection.transactionStatus == .idle)
        #expect(try count() == 0)
    }

    @Test func rollsBackWhenAStatementFails() throws {
        #expect {
            try connection.transaction { connection in
                try connection.execute("INSERT INTO items VALUES (1)")
                try connection.execute("INSERT INTO items VALUES (1)")
            }
        } throws: { ($0 as? PostgresError)?.code == .uniqueViolation }
        #expect(try count() == 0)
    }

    @Test func aSwallowedErrorRollsBackInsteadOfCommitting() throws {
        #expect {
            try connection.transaction { connection in
                try connection.execute("INSERT INTO items VALUES (1)")
                _ = try? connection.execute("INSERT INTO items VALUES (1)")
            }
        } throws: { ($0 as? PostgresError)?.code == .inFailedSqlTransaction }
        #expect(connection.transactionStatus == .idle)
        #expect(try count() == 0)
    }

    @Test func nestedTransactionsUseSavepoints() throws {
        try connection.transaction { connection in
            try connection.execute("INSERT INTO items VALUES (1)")
            // The inner part fails and rolls back alone; the outer one goes on.
            _ = try? connection.transaction { connection in
                try connection.execute("INSERT INTO items VALUES (2)")
                try connection.execute("INSERT INTO items VALUES (1)")
            }
            try connection.transaction { connection in
                try connection.execute("INSERT INTO items VALUES (3)")
            }
        }
        #expect(try connection.execute("SELECT array_agg(id ORDER BY id) FROM items").scalar([Int].self) == [1, 3])
    }

    @Test func isolationLevelAndReadOnly() throws {
        let level = try connection.transaction(isolation: .serializable, readOnly: true) { connection in
            try connection.execute("SELECT current_setting('transaction_isolation')").scalar(String.self)
        }
        #expect(level == "serializable")
        #expect {
            try connection.transaction(readOnly: true) { connection in
                try connection.execute("INSERT INTO items VALUES (9)")
            }
        } throws: { ($0 as? PostgresError)?.code == .readOnlySqlTransaction }
    }

    @Test func advisoryLockContentionBetweenTwoConnections() throws {
        let other = try schema.secondConnection()
        let key = Int64.random(in: 1...Int64.max)
        #expect(try connection.tryAdvisoryLock(key: key))
        #expect(try !other.tryAdvisoryLock(key: key))
        #expect {
            try other.withAdvisoryLock(key: key) { Issue.record("must not run without the lock") }
        } throws: { error in
            let error = error as? PostgresError
            return error?.kind == .lockNotAcquired && error?.code == .lockNotAvailable
        }
        #expect(try connection.advisoryUnlock(key: key))
        #expect(try !connection.advisoryUnlock(key: key))
        let ran = try other.withAdvisoryLock(key: key) { () throws -> Bool in
            // Held by `other` now; `connection` cannot take it.
            #expect(try !connection.tryAdvisoryLock(key: key))
            return true
        }
        #expect(ran)
        #expect(try connection.tryAdvisoryLock(key: key))
        try connection.advisoryUnlock(key: key)
    }

    @Test func advisoryLockIsReleasedWhenTheBodyThrows() throws {
        let other = try schema.secondConnection()
        let key = Int64.random(in: Int64.min ... -1)
        #expect(throws: Abort(reason: "x")) {
            try connection.withAdvisoryLock(key: key) { throw Abort(reason: "x") }
        }
        #expect(try other.tryAdvisoryLock(key: key))
        try other.advisoryUnlock(key: key)
    }

    @Test func advisoryLockIsReleasedWhenTheSessionEnds() throws {
        let key = Int64.random(in: 1...Int64.max)
        do {
            let holder = try schema.secondConnection()
            #expect(try holder.tryAdvisoryLock(key: key))
            #expect(try !connection.tryAdvisoryLock(key: key))
        }
        // `holder` was released and closed: the server frees its locks (eventually).
        var acquired = false
        for _ in 0..<100 where !acquired {
            acquired = try connection.tryAdvisoryLock(key: key)
            if !acquired { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(acquired)
    }
}
