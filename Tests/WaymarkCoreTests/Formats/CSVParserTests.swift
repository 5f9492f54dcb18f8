import Testing
@testable import WaymarkCore

@Suite("Formats: CSV")
struct CSVParserTests {
    func parse(_ text: String, chunkSize: Int = 3) throws -> [CSVRecord] {
        var parser = CSVParser()
        var records: [CSVRecord] = []
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count {
            let end = min(index + chunkSize, bytes.count)
            try parser.parse(bytes[index..<end]) { records.append($0) }
            index = end
        }
        try parser.finish { records.append($0) }
        return records
    }

    @Test("RFC 4180: quotes, commas, line breaks inside fields, CRLF, BOM, blank lines, no final newline")
    func rfc4180() throws {
        let text = "\u{FEFF}a,b,c\r\n1,\"x, \"\"y\"\"\",\"two\nlines\"\r\n\n3,,\"\""
        let records = try parse(text)
        #expect(records == [
            CSVRecord(line: 1, fields: ["a", "b", "c"]),
            CSVRecord(line: 2, fields: ["1", "x, \"y\"", "two\nlines"]),
            CSVRecord(line: 5, fields: ["3", "", ""]),
        ])
    }

    @Test("the same records whatever the chunk size")
    func chunking() throws {
        let text = "id,name\n1,\"Zoë, \"\"the\"\" one\"\n2,plain\n"
        let whole = try parse(text, chunkSize: 1 << 20)
        for size in 1...9 { #expect(try parse(text, chunkSize: size) == whole) }
    }

    @Test("errors say where")
    func errors() throws {
        #expect(throws: CSVError(line: 2, column: nil, reason: .unterminatedQuote)) { _ = try parse("a\n\"open,b\n") }
        #expect(throws: CSVError(line: 1, column: 3, reason: .quoteInUnquotedField)) { _ = try parse("ab\"c\n") }
        #expect(throws: CSVError(line: 1, column: 4, reason: .textAfterClosingQuote)) { _ = try parse("\"a\"b,c\n") }
    }

    @Test("the writer quotes only what needs it and round-trips")
    func writer() throws {
        var out = ""
        CSVWriter.appendRecord(["plain", "a,b", "say \"hi\"", "two\nlines", ""], to: &out)
        #expect(out == "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\n")
        #expect(try parse(out).first?.fields == ["plain", "a,b", "say \"hi\"", "two\nlines", ""])
    }
}

@Suite("Formats: fields")
struct FieldFormatsTests {
    @Test("timestamps need a zone and normalise to UTC")
    func timestamps() {
        #expect(FieldFormats.parseTimestamp("2024-03-01T10:15:00Z")?.postgresText == "2024-03-01 10:15:00+00")
        #expect(FieldFormats.parseTimestamp("2024-03-01T11:15:00+01:00")?.postgresText == "2024-03-01 10:15:00+00")
        #expect(FieldFormats.parseTimestamp("2024-03-01 05:15-0500")?.postgresText == "2024-03-01 10:15:00+00")
        #expect(FieldFormats.parseTimestamp("2024-03-01T10:15:00.25Z")?.postgresText == "2024-03-01 10:15:00.250000+00")
        #expect(FieldFormats.parseTimestamp("1969-12-31T23:59:59Z")?.seconds == -1)
        #expect(FieldFormats.parseTimestamp("2024-03-01T10:15:00") == nil)
        #expect(FieldFormats.parseTimestamp("2024-02-30T10:15:00Z") == nil)
        #expect(FieldFormats.parseTimestamp("2024-03-01T24:00:00Z") == nil)
        #expect(FieldFormats.parseTimestamp("yesterday") == nil)
    }

    @Test("dates are real calendar dates")
    func dates() {
        #expect(FieldFormats.parseDate("2024-02-29")?.isoText == "2024-02-29")
        #expect(FieldFormats.parseDate("2023-02-29") == nil)
        #expect(FieldFormats.parseDate("2024-2-01") == nil)
        #expect(CivilDate(year: 1970, month: 1, day: 1).daysSinceEpoch == 0)
        #expect(CivilDate(daysSinceEpoch: 19_783).isoText == "2024-03-01")
    }

    @Test("amounts are exact, with at most two decimals")
    func amounts() {
        #expect(FieldFormats.parseAmount("1249.90") == 124_990)
        #expect(FieldFormats.parseAmount("0.01") == 1)
        #expect(FieldFormats.parseAmount("12.5") == 1250)
        #expect(FieldFormats.parseAmount("7") == 700)
        #expect(FieldFormats.parseAmount("-0.10") == -10)
        #expect(FieldFormats.parseAmount("1.234") == nil)
        #expect(FieldFormats.parseAmount("1e3") == nil)
        #expect(FieldFormats.parseAmount("1,000") == nil)
        #expect(FieldFormats.parseAmount("12.") == nil)
        #expect(FieldFormats.parseAmount("99999999999999999999") == nil)
        #expect(FieldFormats.formatAmount(124_990) == "1249.90")
        #expect(FieldFormats.formatAmount(-10) == "-0.10")
    }

    @Test("ids and booleans")
    func idsAndBools() {
        #expect(FieldFormats.isValidID("C0000042"))
        #expect(FieldFormats.isValidID("fund-index.v2:eu@x_1"))
        #expect(!FieldFormats.isValidID(""))
        #expect(!FieldFormats.isValidID("has space"))
        #expect(!FieldFormats.isValidID(String(repeating: "x", count: 65)))
        #expect(FieldFormats.parseBool("Yes") == true)
        #expect(FieldFormats.parseBool("0") == false)
        #expect(FieldFormats.parseBool("maybe") == nil)
    }

    @Test("a refused timestamp as real exports write them says what to write instead; nothing is assumed")
    func timestampHints() {
        #expect(FieldFormats.timestampHint("2024-03-01T10:15:00Z") == nil)
        #expect(FieldFormats.timestampHint("yesterday") == nil)
        #expect(FieldFormats.timestampHint("2010-02-30") == nil)
        #expect(FieldFormats.timestampHint("2010-12-01") == "a date without a time: write e.g. 2010-12-01T00:00:00Z for midnight UTC, or the time with its zone")
        #expect(FieldFormats.timestampHint("2010-12-01 08:26:00")
            == "no zone: write e.g. 2010-12-01T08:26:00Z if the time is UTC, or with its offset, 2010-12-01T08:26:00+01:00")
        #expect(FieldFormats.timestampHint("2010-12-01T08:26") == "no zone: write e.g. 2010-12-01T08:26:00Z if the time is UTC, or with its offset, 2010-12-01T08:26:00+01:00")
        #expect(FieldFormats.timestampHint("12/1/2010 8:26") == "not ISO 8601: write year-month-day with a time and zone, e.g. "
            + "2010-12-01T08:26:00Z if the date is month/day/year, 2010-01-12T08:26:00Z if day/month/year (Z: UTC)")
        #expect(FieldFormats.timestampHint("13/1/2010") == "not ISO 8601: write year-month-day with a time and zone, e.g. 2010-01-13T00:00:00Z (Z: UTC)")
        #expect(FieldFormats.timestampHint("1/1/2010 23:59:59") == "not ISO 8601: write year-month-day with a time and zone, e.g. 2010-01-01T23:59:59Z (Z: UTC)")
        #expect(FieldFormats.timestampHint("13/13/2010") == nil)
        // Every timestamp offered is one the importer takes.
        for text in ["2010-12-01", "2010-12-01 08:26:00", "2010-12-01T08:26", "12/1/2010 8:26", "13/1/2010", "1/1/2010 23:59:59"] {
            let hint = FieldFormats.timestampHint(text) ?? ""
            let offered = hint.split(separator: "e.g. ").last?.split(separator: " ").first.map(String.init) ?? ""
            #expect(FieldFormats.parseTimestamp(offered) != nil, "\(text): \(hint)")
        }
    }

    @Test("a refused amount as real exports write them says what to write instead; nothing is rounded")
    func amountHints() {
        #expect(FieldFormats.amountHint("12.50") == nil)
        #expect(FieldFormats.amountHint("abc") == nil)
        #expect(FieldFormats.amountHint("15.299999") == "more than 2 decimals: Waymark does not round, write it rounded to cents, e.g. 15.30")
        #expect(FieldFormats.amountHint("0.004") == "more than 2 decimals: Waymark does not round, write it rounded to cents, e.g. 0.00")
        #expect(FieldFormats.amountHint("-3.50") == "a negative amount: a refund or a cancellation is not a purchase, leave the line out")
        #expect(FieldFormats.amountHint("1,249.90") == "write it without the thousands separator: 1249.90")
        #expect(FieldFormats.amountHint("12,50") == "write it with a decimal point, not a comma: 12.50")
        #expect(FieldFormats.amountHint("$1,249.90") == "write it without the currency, without the thousands separator: 1249.90")
        #expect(FieldFormats.amountHint("12.50 EUR") == "write it without the currency: 12.50")
        #expect(FieldFormats.amountHint("€ 3,5") == "write it without the currency, with a decimal point, not a comma: 3.5")
        #expect(FieldFormats.amountHint("1,250") == "write it 1250 if the comma separates thousands, 1.250 if it is a decimal comma (then rounded to cents: at most 2 decimals)")
        #expect(FieldFormats.amountHint("12345,678") == "more than 2 decimals: Waymark does not round, write it with a decimal point, not a comma, rounded to cents, e.g. 12345.68")
        #expect(FieldFormats.amountHint("1,2,3") == nil)
        #expect(FieldFormats.amountHint("1.249,90") == "write it without the thousands separator, with a decimal point: 1249.90")
        // Every amount offered is one the importer takes.
        for text in ["15.299999", "1,249.90", "12,50", "$1,249.90", "12.50 EUR", "€ 3,5", "12345,678", "1.249,90"] {
            let hint = FieldFormats.amountHint(text) ?? ""
            let offered = hint.split(separator: " ").last.map(String.init) ?? ""
            #expect(FieldFormats.parseAmount(offered).map { $0 >= 0 } == true, "\(text): \(hint)")
        }
    }

    @Test("a refused id says which character breaks the rule and how to write it")
    func idHints() {
        #expect(FieldFormats.idHint("C0000042") == nil)
        #expect(FieldFormats.idHint("") == nil)
        #expect(FieldFormats.idHint("BANK CHARGES") == "a space at character 5: write it e.g. BANK-CHARGES, the same way wherever it is named")
        #expect(FieldFormats.idHint("BEER/ALE & CIDER") == "'/' at character 5: write it e.g. BEER-ALE-CIDER, the same way wherever it is named")
        #expect(FieldFormats.idHint(" lead\ttab ") == "a space at character 1: write it e.g. lead-tab, the same way wherever it is named")
        #expect(FieldFormats.idHint("Café") == "'é' at character 4: ids are ASCII")
        #expect(FieldFormats.idHint("  ") == "a space at character 1")
        #expect(FieldFormats.idHint(String(repeating: "x", count: 65)) == "65 bytes: at most 64")
        // The rewrite offered is itself an id.
        for text in ["BANK CHARGES", "a//b", "x y z", "(note)"] {
            let hint = FieldFormats.idHint(text) ?? ""
            let offered = hint.split(separator: "e.g. ").last?.split(separator: ",").first.map(String.init) ?? ""
            #expect(FieldFormats.isValidID(offered), "\(text): \(hint)")
        }
    }
}
