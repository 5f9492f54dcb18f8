import Foundation
import Postgres
import Testing

private struct ProducerFailed: Error {}

/// COPY FROM STDIN and COPY TO STDOUT stream rows with correct escaping.
@Suite struct CopyTests {
    let schema: TestSchema
    var connection: Connection { schema.connection }

    init() throws { schema = try TestSchema() }

    @Test func aMillionRowsInAndOut() throws {
        try connection.execute("CREATE TABLE big (id bigint, label text, amount numeric(12,2), note text)")
        let rowCount = 1_000_000
        var expectedChecksum: UInt64 = 0
        let copied = try connection.copyIn("COPY big (id, label, amount, note) FROM STDIN") { writer in
            for id in 1...rowCount {
                let label = "row-\(id)"
                try writer.appendField(Int64(id))
                try writer.appendField(label)
                try writer.appendField(PostgresNumeric(minorUnits: Int64(id % 100_000), scale: 2).text)
                try writer.appendField(id % 10 == 0 ? nil : (id % 7 == 0 ? "tab\there" : "n"))
                try writer.endRow()
                expectedChecksum &+= UInt64(id) &* 31 &+ UInt64(label.utf8.count)
            }
            #expect(writer.rowsWritten == rowCount)
        }
        #expect(copied == rowCount)

        let stats = try connection.execute("""
            SELECT count(*), sum(id), sum(amount), count(*) FILTER (WHERE note IS NULL),
                   count(*) FILTER (WHERE note = E'tab\\there')
            FROM big
            """)
        #expect(try stats[0].decode(Int.self, at: 0) == rowCount)
        #expect(try stats[0].decode(Int64.self, at: 1) == Int64(rowCount) * Int64(rowCount + 1) / 2)
        var expectedAmount: Int64 = 0
        for id in 1...rowCount { expectedAmount += Int64(id % 100_000) }
        #expect(try stats[0].decode(PostgresNumeric.self, at: 2).minorUnits(scale: 2) == expectedAmount)
        #expect(try stats[0].decode(Int.self, at: 3) == rowCount / 10)
        #expect(try stats[0].decode(Int.self, at: 4) == (1...rowCount).count { $0 % 7 == 0 && $0 % 10 != 0 })

        var received = 0
        var checksum: UInt64 = 0
        var previous: Int64 = 0
        var nulls = 0
        let count = try connection.copyOut("COPY (SELECT id, label, note FROM big ORDER BY id) TO STDOUT") { fields in
            received += 1
            let id = Int64(fields[0]!)!
            #expect(id == previous + 1)
            previous = id
            checksum &+= UInt64(id) &* 31 &+ UInt64(fields[1]!.utf8.count)
            if fields[2] == nil { nulls += 1 }
        }
        #expect(count == rowCount)
        #expect(received == rowCount)
        #expect(checksum == expectedChecksum)
        #expect(nulls == rowCount / 10)
    }

    @Test func escapingSurvivesTheRoundTrip() throws {
        try connection.execute("CREATE TABLE texts (id int, value text)")
        let values: [String?] = [
            "tab\there", "new\nline", "carriage\rreturn", "back\\slash", "\\N", "\\\\N", "N", "\\.", ".",
            "", nil, "trailing backslash\\", "é 🙂 日本", "'); DROP TABLE clients; --", "\u{8}\u{C}\u{B}", "a\r\n\tb",
        ]
        try connection.copyIn("COPY texts (id, value) FROM STDIN") { writer in
            for (index, value) in values.enumerated() { try writer.writeRow([String(index), value]) }
        }
        // What the server stored is exactly what was sent.
        let stored = try connection.execute("SELECT value FROM texts ORDER BY id")
        #expect(try stored.map { try $0.decode(String?.self, at: 0) } == values)
        // And COPY TO gives it back unchanged.
        var outgoing: [String?] = []
        try connection.copyOut("COPY (SELECT value FROM texts ORDER BY id) TO STDOUT") { outgoing.append($0[0]) }
        #expect(outgoing == values)
    }

    @Test func rawLinesInAndOut() throws {
        try connection.execute("CREATE TABLE raw (a text, b text)")
        let rows = try connection.copyIn("COPY raw FROM STDIN") { writer in
            try writer.writeRawLine("x\\ty\t\\N")
            try writer.writeRawLine("plain\tvalue\n")
        }
        #expect(rows == 2)
        var lines: [String] = []
        try connection.copyOutLines("COPY (SELECT a, b FROM raw ORDER BY a) TO STDOUT") { bytes in
            lines.append(String(decoding: bytes, as: UTF8.self))
        }
        #expect(lines == ["plain\tvalue\n", "x\\ty\t\\N\n"])
        #expect(CopyText.decodeRow(lines[1]) == ["x\ty", nil])
    }

    @Test func anAbortedCopyLeavesNothing() throws {
        try connection.execute("CREATE TABLE target (id int)")
        #expect(throws: ProducerFailed.self) {
            try connection.copyIn("COPY target (id) FROM STDIN") { writer in
                // Enough rows for several chunks to reach the server before the failure.
                for id in 0..<100_000 { try writer.writeRow([String(id)]) }
                throw ProducerFailed()
            }
        }
        #expect(connection.transactionStatus == .idle)
        #expect(try connection.execute("SELECT count(*) FROM target").scalar(Int.self) == 0)
    }

    @Test func aRejectedRowFailsTheWholeCopy() throws {
        try connection.execute("CREATE TABLE numbers (n int)")
        do {
            try connection.copyIn("COPY numbers (n) FROM STDIN") { writer in
                for n in 0..<200_000 { try writer.writeRow([n == 5 ? "five" : String(n)]) }
            }
            Issue.record("a bad value must fail the COPY")
        } catch let error as PostgresError {
            #expect(error.code == .invalidTextRepresentation)
            #expect(error.context?.contains("line 6") == true, "\(String(reflecting: error))")
        }
        #expect(try connection.execute("SELECT count(*) FROM numbers").scalar(Int.self) == 0)
    }

    @Test func aThrowingReaderStopsCopyOutAndTheConnectionStaysUsable() throws {
        var seen = 0
        #expect(throws: ProducerFailed.self) {
            try connection.copyOut("COPY (SELECT generate_series(1, 5000000)) TO STDOUT") { _ in
                seen += 1
                if seen == 10 { throw ProducerFailed() }
            }
        }
        #expect(seen == 10)
        #expect(connection.transactionStatus == .idle)
        #expect(try connection.execute("SELECT 7").scalar(Int.self) == 7)
    }

    @Test func wrongDirectionAndBadStatementsAreErrors() throws {
        try connection.execute("CREATE TABLE t (x int)")
        #expect {
            try connection.copyIn("COPY t TO STDOUT") { _ in }
        } throws: { ($0 as? PostgresError)?.kind == .clientMisuse }
        #expect {
            try connection.copyOut("COPY t FROM STDIN") { _ in }
        } throws: { ($0 as? PostgresError)?.kind == .clientMisuse }
        #expect {
            try connection.copyIn("COPY missing_table FROM STDIN") { _ in }
        } throws: { ($0 as? PostgresError)?.code == .undefinedTable }
        #expect {
            try connection.copyIn("SELECT 1") { _ in }
        } throws: { ($0 as? PostgresError)?.kind == .clientMisuse }
        #expect(try connection.execute("SELECT 1").scalar(Int.self) == 1)
    }

    @Test func copyInsideATransactionRollsBackWithIt() throws {
        try connection.execute("CREATE TABLE t (x int)")
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try connection.transaction { connection in
                try connection.copyIn("COPY t FROM STDIN") { writer in
                    for x in 0..<10 { try writer.writeRow([String(x)]) }
                }
                #expect(try connection.execute("SELECT count(*) FROM t").scalar(Int.self) == 10)
                throw Stop()
            }
        }
        #expect(try connection.execute("SELECT count(*) FROM t").scalar(Int.self) == 0)
    }

    @Test func nulInACopyFieldIsRejected() throws {
        try connection.execute("CREATE TABLE t (x text)")
        #expect {
            try connection.copyIn("COPY t FROM STDIN") { writer in try writer.writeRow(["bad\u{0}"]) }
        } throws: { ($0 as? PostgresError)?.kind == .clientMisuse }
        #expect(try connection.execute("SELECT count(*) FROM t").scalar(Int.self) == 0)
    }
}
