import Foundation
import Postgres
import Testing
import WaymarkCore
@testable import WaymarkStore

/// The byte-for-byte path of the importer must never accept what the `String` path refuses, and
/// must store exactly what the `String` path would.
@Suite("Row validator on bytes")
struct RowValidatorBytesTests {
    static let header = ["purchase_id", "client_id", "product_id", "purchased_at", "amount", "quantity", "channel"]
    static let plain = ["P1", "C1", "fund-index", "2024-03-01T10:15:00Z", "12.50", "2", "web"]

    /// Runs `fields` through the parser and asks both paths about it.
    func judge(_ fields: [String]) throws -> (bytes: Bool, strings: [String?]?) {
        let validator = try RowValidator(kind: .purchases, file: "p.csv", header: Self.header)
        var parser = CSVParser()
        var accepted = false
        var records = 0
        var csv = ""
        CSVWriter.appendRecord(fields, to: &csv)
        try Array(csv.utf8).withUnsafeBufferPointer { bytes in
            try parser.parseRaw(bytes) { record in
                records += 1
                accepted = validator.acceptsAsItStands(record)
            }
        }
        #expect(records == 1)
        let strings = try? validator.validate(fields, line: 2).get()
        return (accepted, strings)
    }

    @Test("a plain row goes byte for byte")
    func plainRow() throws {
        let verdict = try judge(Self.plain)
        #expect(verdict.bytes)
        #expect(verdict.strings == Self.plain.map(Optional.some) + [nil])  // order_id, not in the header: NULL
    }

    @Test("rows that need rewriting or are wrong take the String path", arguments: [
        (3, "2024-03-01T10:15:00,5Z"),  // decimal comma: rewritten
        (3, "2024-03-01 10:15"),  // no zone: refused
        (3, "2024-02-30T10:15:00Z"),  // no such day
        (4, "+12.50"),  // explicit plus: rewritten
        (4, "-1"), (4, "1.234"), (4, "1e3"),
        (5, "007"), (5, "0"), (5, "2147483648"), (5, "-3"),
        (6, "WEB"), (6, "fax"),
        (0, "P 1"), (0, ""), (1, String(repeating: "x", count: 65)),
    ])
    func declined(column: Int, value: String) throws {
        var fields = Self.plain
        fields[column] = value
        let verdict = try judge(fields)
        #expect(!verdict.bytes)
    }

    @Test("an optional empty field takes its default on both paths")
    func defaults() throws {
        var fields = Self.plain
        fields[5] = ""
        fields[6] = ""
        let verdict = try judge(fields)
        #expect(verdict.bytes)
        #expect(verdict.strings?[5] == "1" && verdict.strings?[6] == nil)
    }

    @Test("a file mixing plain rows and rows to rewrite stores what the String path would")
    func mixedFile() throws {
        let db = try StoreTestDatabase()
        _ = try Importer(connection: db.connection).importRows(
            kind: .clients, format: .csv, input: BytesInput("client_id,first_seen\nC1,2020-01-01T00:00:00Z\n"), name: "c.csv")
        _ = try Importer(connection: db.connection).importRows(
            kind: .products, format: .csv, input: BytesInput("product_id,name,category,list_price\nfund-index,Fund,investment,1\n"), name: "p.csv")
        let text = """
            purchase_id,client_id,product_id,purchased_at,amount,quantity,channel
            P1,C1,fund-index,2024-03-01T10:15:00Z,12.50,2,web
            P2,C1,fund-index,"2024-03-01T10:15:00,5+01:00",+3,007,APP
            P3,C1,fund-index,2024-03-01T10:15:00Z,4,,

            """
        let summary = try Importer(connection: db.connection).importRows(
            kind: .purchases, format: .csv, input: BytesInput(text), name: "purchases.csv")
        #expect(summary.inserted == 3)
        let rows = try db.connection.execute("""
            SELECT purchase_id, to_char(purchased_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS'), amount::text, quantity, coalesce(channel, '-')
            FROM purchases ORDER BY purchase_id
            """).map { row in
            try (0..<5).map { try row.decode(String.self, at: $0) }.joined(separator: " ")
        }
        #expect(rows == [
            "P1 2024-03-01 10:15:00.000 12.50 2 web",
            "P2 2024-03-01 09:15:00.500 3.00 7 app",
            "P3 2024-03-01 10:15:00.000 4.00 1 -",
        ])
    }
}
