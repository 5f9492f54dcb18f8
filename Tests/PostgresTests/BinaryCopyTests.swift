import Foundation
import Postgres
import Testing

/// COPY FROM STDIN in binary format: every value the writer encodes reads back exactly.
@Suite struct BinaryCopyTests {
    let schema: TestSchema
    var connection: Connection { schema.connection }

    init() throws { schema = try TestSchema() }

    @Test("numerics of every shape read back exactly", arguments: [
        (Int64(0), 2, "0.00"), (1, 2, "0.01"), (10, 2, "0.10"), (124_990, 2, "1249.90"), (100_000_000, 2, "1000000.00"),
        (12_345_678_901_234, 2, "123456789012.34"), (-550, 2, "-5.50"), (-1, 2, "-0.01"), (10_000, 0, "10000"),
        (7, 0, "7"), (12_345, 4, "1.2345"), (100_010, 4, "10.0010"), (99_990_000, 2, "999900.00"),
    ])
    func numerics(units: Int64, scale: Int, text: String) throws {
        try connection.execute("CREATE TABLE n (v numeric)")
        try connection.copyInBinary("COPY n (v) FROM STDIN (FORMAT binary)") { writer in
            writer.beginRow(fieldCount: 1)
            writer.appendNumeric(units: units, scale: scale)
            try writer.endRow()
        }
        #expect(try connection.execute("SELECT v::text FROM n").scalar(String.self) == text)
    }

    @Test func everyTypeAndNullRoundTrips() throws {
        try connection.execute("CREATE TABLE t (id text, n int, big bigint, at timestamptz, amount numeric(14,2), note text)")
        let hostile = "'); DROP TABLE t; --\\N\t\n ü 東京 🚀"
        let micros: Int64 = 1_709_288_100_500_000  // 2024-03-01T10:15:00.5Z
        let copied = try connection.copyInBinary("COPY t (id, n, big, at, amount, note) FROM STDIN (FORMAT binary)") { writer in
            writer.beginRow(fieldCount: 6)
            try writer.appendText("a")
            writer.appendInt32(-7)
            writer.appendInt64(Int64.max)
            writer.appendTimestamp(microsecondsSinceUnixEpoch: micros)
            writer.appendNumeric(units: 124_990, scale: 2)
            try writer.appendText(hostile)
            try writer.endRow()
            writer.beginRow(fieldCount: 6)
            try writer.appendText("b")
            for _ in 0..<5 { writer.appendNull() }
            try writer.endRow()
            // A row begun and discarded is never sent.
            writer.beginRow(fieldCount: 6)
            try writer.appendText("discarded")
            writer.discardRow()
        }
        #expect(copied == 2)
        let row = try connection.execute("""
            SELECT n, big, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), amount::text, note FROM t WHERE id = 'a'
            """)[0]
        #expect(try row.decode(Int.self, at: 0) == -7)
        #expect(try row.decode(Int64.self, at: 1) == Int64.max)
        #expect(try row.decode(String.self, at: 2) == "2024-03-01T10:15:00.500000")
        #expect(try row.decode(String.self, at: 3) == "1249.90")
        #expect(try row.decode(String.self, at: 4) == hostile)
        #expect(try connection.execute("SELECT count(*) FROM t WHERE id = 'b' AND n IS NULL AND at IS NULL AND note IS NULL").scalar(Int.self) == 1)
        #expect(try connection.execute("SELECT count(*) FROM t").scalar(Int.self) == 2)
    }

    @Test func aNulOrAWrongFieldCountIsRefusedAndNothingIsCopied() throws {
        try connection.execute("CREATE TABLE t (a text, b text)")
        #expect(throws: PostgresError.self) {
            try connection.copyInBinary("COPY t (a, b) FROM STDIN (FORMAT binary)") { writer in
                writer.beginRow(fieldCount: 2)
                try writer.appendText("fine")
                try writer.appendText("nul\u{0}inside")
                try writer.endRow()
            }
        }
        #expect(throws: PostgresError.self) {
            try connection.copyInBinary("COPY t (a, b) FROM STDIN (FORMAT binary)") { writer in
                writer.beginRow(fieldCount: 2)
                try writer.appendText("only one")
                try writer.endRow()
            }
        }
        #expect(try connection.execute("SELECT count(*) FROM t").scalar(Int.self) == 0)
    }

    @Test func aTypeMismatchIsTheServersErrorNotACrash() throws {
        try connection.execute("CREATE TABLE t (n int)")
        #expect {
            try connection.copyInBinary("COPY t (n) FROM STDIN (FORMAT binary)") { writer in
                writer.beginRow(fieldCount: 1)
                writer.appendInt64(1)  // eight bytes for a four-byte column
                try writer.endRow()
            }
        } throws: { error in
            (error as? PostgresError)?.code != nil
        }
        // The connection is still usable.
        #expect(try connection.execute("SELECT 1").scalar(Int.self) == 1)
    }
}
