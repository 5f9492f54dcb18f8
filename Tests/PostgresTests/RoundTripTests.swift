import Foundation
import Postgres
import Testing

/// Every supported type goes to the server as a bound parameter and comes back unchanged.
@Suite struct RoundTripTests {
    let schema: TestSchema
    var connection: Connection { schema.connection }

    init() throws { schema = try TestSchema() }

    /// Sends `value` cast to `sqlType` and decodes what the server returns.
    func roundTrip<T: PostgresDecodable>(_ value: PostgresValue?, _ sqlType: String, as type: T.Type) throws -> T {
        try connection.execute("SELECT $1::\(sqlType) AS value", [value]).scalar(T.self)
    }

    @Test func integers() throws {
        for value in [Int64.min, Int64.max, 0, -1, 1, 9_007_199_254_740_993] {
            #expect(try roundTrip(.int(value), "bigint", as: Int64.self) == value)
        }
        for value in [Int32.min, Int32.max, 0] {
            #expect(try roundTrip(.int(value), "integer", as: Int32.self) == value)
            #expect(try roundTrip(.int(value), "integer", as: Int.self) == Int(value))
        }
        #expect(try roundTrip(.int(Int(Int16.min)), "smallint", as: Int16.self) == Int16.min)
        #expect(try roundTrip(42, "bigint", as: Int.self) == 42)
        #expect(try roundTrip(Int64(7).postgresValue, "bigint", as: Int64.self) == 7)
        // Untyped parameters fit integer arguments and operators as well as bigint ones.
        #expect(try connection.execute("SELECT make_date($1, $2, $3)", [.int(2024), .int(2), .int(29)]).scalar(PostgresDate.self)
            == PostgresDate(year: 2024, month: 2, day: 29))
        #expect(try connection.execute("SELECT substr($1, $2)", [.text("héllo"), .int(2)]).scalar(String.self) == "éllo")
        #expect(try connection.execute("SELECT round($1, 1)", [.double(2.25)]).scalar(PostgresNumeric.self).text == "2.3")
    }

    @Test func integerOverflowIsADecodingError() throws {
        #expect {
            try roundTrip(.int(Int64.max), "bigint", as: Int32.self)
        } throws: { error in
            let error = error as? PostgresError
            return error?.kind == .decoding && error?.columnName == "value"
        }
    }

    @Test func doubles() throws {
        for value in [0.1, -2.5, 1e300, -1e-300, Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude, 1.0 / 3.0] {
            #expect(try roundTrip(.double(value), "double precision", as: Double.self) == value)
        }
        #expect(try roundTrip(.double(.infinity), "double precision", as: Double.self) == .infinity)
        #expect(try roundTrip(.double(-.infinity), "double precision", as: Double.self) == -.infinity)
        #expect(try roundTrip(.double(.nan), "double precision", as: Double.self).isNaN)
        let negativeZero = try roundTrip(.double(-0.0), "double precision", as: Double.self)
        #expect(negativeZero == 0 && negativeZero.sign == .minus)
        #expect(try roundTrip(.double(0.5), "real", as: Double.self) == 0.5)
    }

    @Test func booleans() throws {
        #expect(try roundTrip(.bool(true), "boolean", as: Bool.self) == true)
        #expect(try roundTrip(false, "boolean", as: Bool.self) == false)
    }

    @Test func textWithUnicode() throws {
        for value in ["", "plain", "Ça été l'été à Zürich", "emoji 🙂👨‍👩‍👧‍👦 flags 🇫🇷", "日本語テキスト", "tab\tnew\nline\\back", "'); DROP TABLE clients; --"] {
            #expect(try roundTrip(.text(value), "text", as: String.self) == value)
        }
    }

    @Test func hostileTextIsStoredVerbatim() throws {
        try connection.execute("CREATE TABLE clients (id bigint PRIMARY KEY, name text NOT NULL)")
        let hostile = "'); DROP TABLE clients; --"
        let inserted = try connection.execute("INSERT INTO clients (id, name) VALUES ($1, $2)", [.int(1), .text(hostile)])
        #expect(inserted.affectedRows == 1)
        let found = try connection.execute("SELECT name FROM clients WHERE name = $1", [.text(hostile)])
        #expect(found.rowCount == 1)
        #expect(try found[0].decode(String.self, column: "name") == hostile)
        #expect(try connection.execute("SELECT count(*) FROM clients").scalar(Int.self) == 1)
    }

    @Test func nulCharacterInParameterIsRejected() throws {
        #expect {
            try connection.execute("SELECT $1::text", [.text("a\u{0}b")])
        } throws: { error in
            let error = error as? PostgresError
            return error?.kind == .clientMisuse && error?.message.contains("$1") == true
        }
        #expect(try connection.execute("SELECT 1").scalar(Int.self) == 1)
    }

    @Test func exactNumerics() throws {
        for text in ["1249.90", "0.01", "-0.10", "0", "123456789012345678901234567890.123456789", "NaN"] {
            let value = try #require(PostgresNumeric(text))
            let back = try roundTrip(.numeric(value), "numeric", as: PostgresNumeric.self)
            #expect(back.text == text)
        }
        try connection.execute("CREATE TABLE prices (amount numeric(12,2))")
        try connection.execute("INSERT INTO prices VALUES ($1), ($2), ($3)", [
            .numeric(PostgresNumeric(minorUnits: 124_990, scale: 2)), .numeric(PostgresNumeric("0.01")!), .numeric(PostgresNumeric("-0.1")!),
        ])
        let result = try connection.execute("SELECT amount FROM prices ORDER BY amount")
        #expect(try result.map { try $0.decode(PostgresNumeric.self, at: 0).text } == ["-0.10", "0.01", "1249.90"])
        #expect(try result.map { try $0.decode(PostgresNumeric.self, at: 0).minorUnits(scale: 2) } == [-10, 1, 124_990])
        let sum = try connection.execute("SELECT sum(amount) FROM prices").scalar(PostgresNumeric.self)
        #expect(sum.text == "1249.81")
        #expect(try connection.execute("SELECT 0.1::numeric + 0.2::numeric").scalar(PostgresNumeric.self).text == "0.3")
    }

    @Test func dates() throws {
        for date in [PostgresDate(year: 2024, month: 2, day: 29), PostgresDate(year: 1, month: 1, day: 1),
                     PostgresDate(year: 9999, month: 12, day: 31), PostgresDate(year: 1969, month: 12, day: 31),
                     PostgresDate(year: -43, month: 3, day: 15)] {
            let date = try #require(date)
            #expect(try roundTrip(.date(date), "date", as: PostgresDate.self) == date)
        }
        let day = try connection.execute("SELECT DATE '2024-05-01' + 30").scalar(PostgresDate.self)
        #expect(day == PostgresDate(year: 2024, month: 5, day: 31))
        #expect(throws: PostgresError.self) { try connection.execute("SELECT 'infinity'::date").scalar(PostgresDate.self) }
    }

    @Test func timestampsWithZones() throws {
        let instant = Date(timeIntervalSince1970: 1_700_000_000.123456)
        let back = try roundTrip(.timestamp(instant), "timestamptz", as: Date.self)
        #expect(abs(back.timeIntervalSince1970 - instant.timeIntervalSince1970) < 0.000_001)

        // The session time zone does not change the instant that is read back.
        for zone in ["UTC", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham", "Europe/Amsterdam"] {
            try connection.execute("SELECT set_config('TimeZone', $1, false)", [.text(zone)])
            let fromText = try connection.execute("SELECT '2024-03-10 12:34:56.789012+05:30'::timestamptz").scalar(Date.self)
            #expect(abs(fromText.timeIntervalSince1970 - 1_710_054_296.789012) < 0.000_001, "zone \(zone)")
            let sent = try roundTrip(.timestamp(instant), "timestamptz", as: Date.self)
            #expect(abs(sent.timeIntervalSince1970 - instant.timeIntervalSince1970) < 0.000_001, "zone \(zone)")
        }
        // A historical zone offset with seconds: Amsterdam in 1900 was +00:19:32.
        try connection.execute("SET TimeZone = 'Europe/Amsterdam'")
        let text = try connection.execute("SELECT '1900-06-01 12:00:00'::timestamptz::text").scalar(String.self)
        #expect(text == "1900-06-01 12:00:00+00:19:32")
        let old = try connection.execute("SELECT '1900-06-01 12:00:00'::timestamptz").scalar(Date.self)
        #expect(old.timeIntervalSince1970 == -2_195_900_372)
        let plain = try connection.execute("SELECT TIMESTAMP '2024-01-02 03:04:05'").scalar(Date.self)
        #expect(plain.timeIntervalSince1970 == 1_704_164_645)
        #expect(throws: PostgresError.self) { try connection.execute("SELECT 'infinity'::timestamptz").scalar(Date.self) }
    }

    @Test func jsonb() throws {
        let json = #"{"name": "Zoë 🙂", "tags": ["a", "b"], "n": 1.5, "nested": {"ok": true}}"#
        let text = try roundTrip(.jsonb(json), "jsonb", as: String.self)
        let expected = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? NSDictionary
        let actual = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary
        #expect(actual == expected)
        let data = try roundTrip(.jsonb(Data(json.utf8)), "jsonb", as: Data.self)
        #expect(try JSONSerialization.jsonObject(with: data) as? NSDictionary == expected)
        #expect(try connection.execute("SELECT ($1::jsonb)->>'name'", [.jsonb(json)]).scalar(String.self) == "Zoë 🙂")
        #expect(throws: PostgresError.self) { try roundTrip(.jsonb("{not json"), "jsonb", as: String.self) }
    }

    @Test func arrays() throws {
        let texts: [String?] = ["plain", "with space", "com,ma", "quo\"te", "back\\slash", "", nil, "NULL", "{}", "🙂"]
        #expect(try roundTrip(.textArray(texts), "text[]", as: [String?].self) == texts)
        #expect(try roundTrip(.textArray(["a", "b"]), "text[]", as: [String].self) == ["a", "b"])
        #expect(try roundTrip(.textArray([String]()), "text[]", as: [String].self) == [])
        #expect(try roundTrip(.intArray([1, -2, Int(Int64.max)]), "bigint[]", as: [Int64].self) == [1, -2, Int64.max])
        #expect(try roundTrip(.intArray([3, nil, 5]), "integer[]", as: [Int?].self) == [3, nil, 5])
        #expect(throws: PostgresError.self) { try roundTrip(.intArray([3, nil]), "integer[]", as: [Int].self) }
        let found = try connection.execute("SELECT 2 = ANY($1)", [.intArray([1, 2, 3])]).scalar(Bool.self)
        #expect(found)
    }

    @Test func uuids() throws {
        let id = UUID()
        #expect(try roundTrip(.uuid(id), "uuid", as: UUID.self) == id)
    }

    @Test func nullsDecodeToOptionals() throws {
        let result = try connection.execute("SELECT $1::text AS email, $2::bigint AS n, $3::date AS d", [nil, nil, .text("2024-01-01")])
        let row = try #require(result.first)
        #expect(try row.decode(String?.self, column: "email") == nil)
        #expect(try row.decode(Int64?.self, at: 1) == nil)
        #expect(try row.decode(PostgresDate?.self, column: "d") == PostgresDate(year: 2024, month: 1, day: 1))
        #expect(row["email"] == nil)
        #expect(result.isNull(row: 0, column: 0))
        #expect(result.columnNames == ["email", "n", "d"])
        #expect(result.columnTypes == [.text, .int8, .date])
    }

    @Test func nullIntoNonOptionalNamesTheColumn() throws {
        let result = try connection.execute("SELECT NULL::text AS email")
        #expect {
            try result[0].decode(String.self, column: "email")
        } throws: { error in
            let error = error as? PostgresError
            return error?.kind == .decoding && error?.columnName == "email"
                && error?.description.contains("\"email\"") == true && error?.description.contains("NULL") == true
        }
    }

    @Test func decodingErrorsDoNotShowValuesInDescription() throws {
        let result = try connection.execute("SELECT $1::text AS token", [.text("secret-value")])
        do {
            _ = try result[0].decode(Int.self, column: "token")
            Issue.record("decoding text as Int should fail")
        } catch {
            #expect(!error.description.contains("secret-value"))
            #expect(error.description.contains("token"))
            #expect(String(reflecting: error).contains("secret-value"))
        }
    }

    @Test func unknownColumnNameIsAClearError() throws {
        let result = try connection.execute("SELECT 1 AS a")
        #expect {
            try result[0].decode(Int.self, column: "b")
        } throws: { error in
            (error as? PostgresError)?.kind == .clientMisuse && "\(error)".contains("\"a\"")
        }
    }

    @Test func affectedRowsAndCommandTags() throws {
        try connection.execute("CREATE TABLE t (n int)")
        let insert = try connection.execute("INSERT INTO t SELECT generate_series(1, 5)")
        #expect(insert.affectedRows == 5)
        #expect(insert.commandTag == "INSERT 0 5")
        let update = try connection.execute("UPDATE t SET n = n + 1 WHERE n > $1", [.int(2)])
        #expect(update.affectedRows == 3)
        let select = try connection.execute("SELECT n FROM t ORDER BY n")
        #expect(select.rowCount == 5)
        #expect(try select.map { try $0.decode(Int.self, at: 0) } == [1, 2, 4, 5, 6])
        #expect(try connection.execute("CREATE INDEX ON t (n)").affectedRows == 0)
    }

    @Test func preparedStatements() throws {
        try connection.execute("CREATE TABLE kv (k text PRIMARY KEY, v numeric)")
        try connection.prepare(name: "put", sql: "INSERT INTO kv (k, v) VALUES ($1, $2)")
        for index in 1...3 {
            try connection.executePrepared(name: "put", [.text("key\(index)"), .numeric(PostgresNumeric(minorUnits: Int64(index), scale: 2))])
        }
        try connection.prepare(name: "get", sql: "SELECT v FROM kv WHERE k = $1")
        #expect(try connection.executePrepared(name: "get", [.text("key3")]).scalar(PostgresNumeric.self).text == "0.03")
        #expect {
            try connection.prepare(name: "put", sql: "SELECT 1")
        } throws: { ($0 as? PostgresError)?.code == .duplicatePreparedStatement }
        #expect {
            try connection.executePrepared(name: "missing")
        } throws: { ($0 as? PostgresError)?.code == .invalidSqlStatementName }
    }

    @Test func scriptsRunSeveralStatements() throws {
        try connection.executeScript(unsafeSQL: """
            CREATE TABLE a (x int);
            INSERT INTO a VALUES (1), (2);
            CREATE TABLE b AS SELECT x * 10 AS y FROM a;
            """)
        #expect(try connection.execute("SELECT sum(y) FROM b").scalar(Int.self) == 30)
    }

    @Test func applicationNameAndSessionFacts() throws {
        #expect(try connection.execute("SELECT current_setting('application_name')").scalar(String.self) == "PostgresTests")
        #expect(try connection.execute("SELECT pg_backend_pid()").scalar(Int.self) == connection.backendPID)
        #expect(connection.isHealthy)
        #expect(connection.status == .ok)
        #expect(connection.serverVersion >= 120_000)
        #expect(connection.transactionStatus == .idle)
    }
}
