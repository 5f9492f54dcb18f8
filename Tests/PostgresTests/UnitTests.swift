import Foundation
@testable import Postgres
import Testing

/// Pure value tests: no database needed.
@Suite struct ValueTests {
    @Test func numericMinorUnitsAreExact() throws {
        #expect(PostgresNumeric(minorUnits: 124_990, scale: 2).text == "1249.90")
        #expect(PostgresNumeric(minorUnits: 1, scale: 2).text == "0.01")
        #expect(PostgresNumeric(minorUnits: -10, scale: 2).text == "-0.10")
        #expect(PostgresNumeric(minorUnits: 0, scale: 2).text == "0.00")
        #expect(PostgresNumeric(minorUnits: 42, scale: 0).text == "42")
        #expect(try PostgresNumeric("1249.90")!.minorUnits(scale: 2) == 124_990)
        #expect(try PostgresNumeric("-0.1")!.minorUnits(scale: 2) == -10)
        #expect(try PostgresNumeric("1.500")!.minorUnits(scale: 2) == 150)
        #expect(try PostgresNumeric("-9223372036854775808")!.minorUnits(scale: 0) == Int64.min)
        #expect(throws: PostgresError.self) { try PostgresNumeric("1.005")!.minorUnits(scale: 2) }
        #expect(throws: PostgresError.self) { try PostgresNumeric("92233720368547758.08")!.minorUnits(scale: 3) }
        #expect(throws: PostgresError.self) { try PostgresNumeric.nan.minorUnits(scale: 2) }
    }

    @Test func numericParsingAndComparison() {
        #expect(PostgresNumeric("1e3") == nil)
        #expect(PostgresNumeric("12,5") == nil)
        #expect(PostgresNumeric("") == nil)
        #expect(PostgresNumeric("-") == nil)
        #expect(PostgresNumeric(".5")?.text == "0.5")
        #expect(PostgresNumeric("+7")?.text == "7")
        #expect(PostgresNumeric("1249.9") == PostgresNumeric("1249.90"))
        #expect(PostgresNumeric("-0.00") == PostgresNumeric("0"))
        #expect(Set([PostgresNumeric("1.10")!, PostgresNumeric("1.1")!]).count == 1)
        #expect(PostgresNumeric("-2")! < PostgresNumeric("-1.5")!)
        #expect(PostgresNumeric("0.45")! < PostgresNumeric("0.5")!)
        #expect(PostgresNumeric("99.99")! < PostgresNumeric("100")!)
        #expect(PostgresNumeric("100")! < PostgresNumeric.nan)
    }

    @Test func datesConvertBothWays() throws {
        let leap = try #require(PostgresDate(year: 2024, month: 2, day: 29))
        #expect(leap.description == "2024-02-29")
        #expect(PostgresDate(year: 2023, month: 2, day: 29) == nil)
        #expect(PostgresDate(year: 1970, month: 1, day: 1)?.daysSinceEpoch == 0)
        #expect(PostgresDate(year: 1969, month: 12, day: 31)?.daysSinceEpoch == -1)
        #expect(PostgresDate("0044-03-15 BC") == PostgresDate(year: -43, month: 3, day: 15))
        #expect(PostgresDate(year: -43, month: 3, day: 15)?.description == "0044-03-15 BC")
        #expect(PostgresDate("2024-13-01") == nil)
        #expect(PostgresDate("infinity") == nil)
        #expect(leap.adding(days: 1).description == "2024-03-01")
    }

    @Test func timestampsEncodeInUTCWithMicroseconds() throws {
        let date = Date(timeIntervalSince1970: 1_700_000_000.123456)
        #expect(PostgresTimestamp.encode(date) == "2023-11-14 22:13:20.123456+00")
        #expect(PostgresTimestamp.encode(Date(timeIntervalSince1970: -0.5)) == "1969-12-31 23:59:59.500000+00")
        var text = "2024-03-10 12:34:56.789+05:30"
        let decoded = try #require(text.withUTF8 { PostgresTimestamp.decode($0) })
        #expect(abs(decoded.timeIntervalSince1970 - 1_710_054_296.789) < 1e-6)
    }

    @Test func copyTextEscapesAndUnescapes() {
        let fields: [String?] = ["a\tb", "line1\nline2", "back\\slash", "\\N", nil, "", "cr\r", "é🙂"]
        let line = CopyText.encodeRow(fields)
        #expect(line == "a\\tb\tline1\\nline2\tback\\\\slash\t\\\\N\t\\N\t\tcr\\r\té🙂\n")
        #expect(CopyText.decodeRow(line!) == fields)
        #expect(CopyText.encodeRow(["nul\u{0}"]) == nil)
        #expect(CopyText.decodeRow("\\101\\x42\\b\\q\n") == ["AB\u{8}q"])
    }

    @Test func arrayLiteralsRoundTrip() {
        let values: [String?] = ["plain", "with space", "com,ma", "quo\"te", "back\\slash", "", nil, "NULL", "{}"]
        let text = PostgresArray.encode(values)
        var bytes = text
        #expect(bytes.withUTF8 { PostgresArray.decode($0) }.map { $0 } == values)
        var other = "[0:1]={1,NULL}"
        #expect(other.withUTF8 { PostgresArray.decode($0) }.map { $0 } == ["1", nil])
        var nested = "{{1,2},{3,4}}"
        #expect(nested.withUTF8 { PostgresArray.decode($0) } == nil)
    }

    @Test func configurationRedactsPasswords() {
        let url = ConnectionConfiguration.url("postgresql://alice:s3cr3t-pw@db.example:5433/shop?sslmode=disable")
        #expect(!url.redactedDescription.contains("s3cr3t-pw"))
        #expect(url.redactedDescription.contains("db.example"))
        #expect(url.redactedDescription.contains("password=****"))
        let conninfo = ConnectionConfiguration.conninfo("host=/tmp dbname=shop password='s3cr3t-pw'")
        #expect(!conninfo.redactedDescription.contains("s3cr3t-pw"))
        #expect(!"\(conninfo)".contains("s3cr3t-pw"))
    }

    @Test func malformedConninfoErrorDoesNotQuoteInput() {
        let configuration = ConnectionConfiguration.conninfo("host=/tmp s3cr3t-pw")
        #expect {
            try configuration.validate()
        } throws: { error in
            let description = "\(error)"
            return !description.contains("s3cr3t-pw") && description.contains("invalid database connection string")
        }
    }

    @Test func errorCodesKeepUnknownValues() {
        let code = PostgresError.Code(rawValue: "ZZ999")
        #expect(code.rawValue == "ZZ999")
        #expect(code.name == nil)
        #expect(PostgresError.Code.uniqueViolation == "23505")
        #expect(PostgresError.Code.uniqueViolation.class == "23")
        #expect(PostgresError.Code.adminShutdown.rawValue == "57P01")
        #expect(PostgresError.Code.connectionFailure.rawValue == "08006")
    }
}
