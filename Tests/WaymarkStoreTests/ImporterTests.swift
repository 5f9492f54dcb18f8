import Foundation
import Postgres
import Testing
@testable import WaymarkStore

@Suite("Importer")
struct ImporterTests {
    static let clients = """
        client_id,first_seen,birth_date,segment,region,consents,attributes
        C1,2020-01-01T00:00:00Z,1980-05-01,mass,north,email;sms,"{""vip"": true, ""note"": ""a,b""}"
        C2,2021-03-04T10:00:00+02:00,,affluent,south,,
        C3,2022-06-30T23:59:59.5Z,,mass,"Zürich, ""old town""
        second line",app,

        """
    static let products = """
        product_id,name,category,list_price,repeatable
        fund-index,"Index fund, global",investment,100.00,true
        ins-home,Home insurance,insurance,250,false

        """

    func importText(_ db: StoreTestDatabase, _ kind: ImportKind, _ text: String, format: ImportFormat = .csv,
                    rejects: RejectWriter? = nil, chunkSize: Int = 1 << 16) throws -> ImportSummary {
        try Importer(connection: db.connection).importRows(
            kind: kind, format: format, input: BytesInput(text, chunkSize: chunkSize), name: "\(kind.rawValue).csv", rejectFile: rejects)
    }

    func seed(_ db: StoreTestDatabase) throws {
        _ = try importText(db, .clients, Self.clients)
        _ = try importText(db, .products, Self.products)
    }

    @Test("imports quoted fields with commas, quotes and newlines, zones and exact amounts")
    func importsClientsAndPurchases() throws {
        let db = try StoreTestDatabase()
        let summary = try importText(db, .clients, Self.clients, chunkSize: 7)  // tiny chunks split records
        #expect(summary.rowsRead == 3 && summary.inserted == 3)
        let region = try db.connection.execute("SELECT region FROM clients WHERE client_id = 'C3'").scalar(String.self)
        #expect(region == "Zürich, \"old town\"\nsecond line")
        let firstSeen = try db.connection.execute(
            "SELECT to_char(first_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM clients WHERE client_id = 'C2'").scalar(String.self)
        #expect(firstSeen == "2021-03-04 08:00:00")
        let attributes = try db.connection.execute("SELECT attributes->>'note' FROM clients WHERE client_id = 'C1'").scalar(String.self)
        #expect(attributes == "a,b")
        let consents = try db.connection.execute("SELECT array_to_string(consents, ';') FROM clients WHERE client_id = 'C1'").scalar(String.self)
        #expect(consents == "email;sms")

        _ = try importText(db, .products, Self.products)
        let purchases = """
            purchase_id,client_id,product_id,purchased_at,amount,channel
            P1,C1,fund-index,2022-01-01T10:00:00Z,1249.90,web
            P2,C1,ins-home,2022-02-01T10:00:00Z,0.01,advisor

            """
        _ = try importText(db, .purchases, purchases)
        let total = try db.connection.execute("SELECT sum(amount)::text FROM purchases").scalar(String.self)
        #expect(total == "1249.91")
    }

    @Test("one bad row in the middle: nothing is imported and the error names file, line, column, value")
    func allOrNothing() throws {
        let db = try StoreTestDatabase()
        try seed(db)
        var lines = ["purchase_id,client_id,product_id,purchased_at,amount"]
        for i in 1...500 { lines.append("P\(i),C1,fund-index,2022-01-01T10:00:00Z,10.00") }
        lines[250] = "P250,C1,fund-index,2022-13-01T10:00:00Z,10.00"  // line 251 of the file
        #expect {
            _ = try importText(db, .purchases, lines.joined(separator: "\n"))
        } throws: { error in
            guard let failure = error as? StoreError, let issue = failure.issues.first else { return false }
            return failure.errorCount == 1 && issue.line == 251 && issue.column == "purchased_at"
                && issue.value == "2022-13-01T10:00:00Z" && issue.description.hasPrefix("purchases.csv:251: column purchased_at")
        }
        #expect(try db.count("purchases") == 0)
    }

    @Test("unknown clients and products are reported by line, and nothing is imported")
    func references() throws {
        let db = try StoreTestDatabase()
        try seed(db)
        let text = """
            purchase_id,client_id,product_id,purchased_at,amount
            P1,C1,fund-index,2022-01-01T10:00:00Z,1
            P2,C404,fund-index,2022-01-01T10:00:00Z,1
            P3,C1,no-such-product,2022-01-01T10:00:00Z,1
            """
        #expect {
            _ = try importText(db, .purchases, text)
        } throws: { error in
            guard let failure = error as? StoreError else { return false }
            return failure.issues.first?.line == 3 && failure.issues.first?.message.contains("unknown client") == true
        }
        #expect(try db.count("purchases") == 0)
    }

    @Test("with a reject file the good rows are imported; twice gives the same counts")
    func rejectFile() throws {
        let db = try StoreTestDatabase()
        try seed(db)
        let text = """
            purchase_id,client_id,product_id,purchased_at,amount
            P1,C1,fund-index,2022-01-01T10:00:00Z,1
            P2,C404,fund-index,2022-01-01T10:00:00Z,1
            P3,C1,fund-index,not a time,1
            P4,C2,ins-home,2022-01-01T10:00:00Z,2.5
            """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rejects-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var summaries: [ImportSummary] = []
        for _ in 0..<2 {
            let rejects = try RejectWriter(path: path)
            summaries.append(try importText(db, .purchases, text, rejects: rejects))
            try rejects.flush()
        }
        #expect(summaries[0].imported == 2 && summaries[0].rejected == 2)
        #expect(summaries[1].imported == 2 && summaries[1].rejected == 2)
        #expect(summaries[0].inserted == 2 && summaries[1].unchanged == 2)
        #expect(try db.count("purchases") == 2)
        let rejected = try String(contentsOfFile: path, encoding: .utf8)
        #expect(rejected.hasPrefix("line,reason,purchase_id,client_id,product_id,purchased_at,amount\n"))
        #expect(rejected.contains("4,\"column purchased_at: 'not a time'"))
        #expect(rejected.contains("3,column client_id: unknown client 'C404',P2,C404"))
    }

    @Test("re-importing a changed row updates it; the same file again changes nothing")
    func upsert() throws {
        let db = try StoreTestDatabase()
        try seed(db)
        let again = try importText(db, .clients, Self.clients)
        #expect(again.unchanged == 3 && again.inserted == 0 && again.updated == 0)
        let changed = Self.clients.replacingOccurrences(of: "C2,2021-03-04T10:00:00+02:00,,affluent", with: "C2,2021-03-04T10:00:00+02:00,,private")
        let update = try importText(db, .clients, changed)
        #expect(update.updated == 1 && update.unchanged == 2)
        #expect(try db.connection.execute("SELECT segment FROM clients WHERE client_id = 'C2'").scalar(String.self) == "private")
    }

    @Test("duplicate ids in one file: the last row wins")
    func duplicates() throws {
        let db = try StoreTestDatabase()
        let text = "product_id,name,category,list_price\np1,First,cat,1\np1,Second,cat,2\n"
        let summary = try importText(db, .products, text)
        #expect(summary.inserted == 1)
        #expect(try db.connection.execute("SELECT name FROM products").scalar(String.self) == "Second")
    }

    @Test("a bad header names every unknown and missing column, with a suggestion")
    func badHeader() throws {
        let db = try StoreTestDatabase()
        #expect {
            _ = try importText(db, .products, "product_id,nme,category,list_price,colour\n")
        } throws: { error in
            guard let failure = error as? StoreError else { return false }
            let text = failure.description
            return text.contains("column nme: unknown column for products; did you mean 'name'?")
                && text.contains("column colour") && text.contains("column name: required column is missing")
        }
    }

    @Test("a file separated by semicolons, tabs or bars is named as such; a byte-order mark before JSON Lines is skipped")
    func otherSeparatorsAndByteOrderMarks() throws {
        let db = try StoreTestDatabase()
        for (separator, named) in [(";", "';'"), ("\t", "tabs"), ("|", "'|'")] {
            let text = "product_id\(separator)name\(separator)category\(separator)list_price\np1\(separator)First\(separator)cat\(separator)1\n"
            #expect {
                _ = try importText(db, .products, text)
            } throws: { error in
                guard let issues = (error as? StoreError)?.issues, issues.count == 1 else { return false }
                return issues[0].line == 1 && issues[0].message.contains("the file is separated by \(named), but Waymark reads comma-separated CSV")
            }
        }
        // One column that merely contains a semicolon is an unknown column, as before.
        #expect {
            _ = try importText(db, .products, "product;id\n")
        } throws: { ($0 as? StoreError)?.description.contains("unknown column for products") == true }
        #expect(try db.count("products") == 0)
        let bom = "\u{FEFF}" + #"{"client_id": "J1", "first_seen": "2023-01-01T00:00:00Z"}"# + "\n"
        #expect(try importText(db, .clients, bom, format: .jsonl).inserted == 1)
        // Only before the first line: elsewhere it is a character JSON does not allow.
        #expect { _ = try importText(db, .clients, "\n" + bom, format: .jsonl) } throws: { ($0 as? StoreError)?.code == .invalidRows }
    }

    @Test("a quantity beyond the database's integer is refused with the range, not as 'not ≥ 1'")
    func quantityRange() throws {
        let db = try StoreTestDatabase()
        _ = try importText(db, .products, "product_id,name,category,list_price\np1,One,cat,1\n")
        _ = try importText(db, .clients, "client_id,first_seen\nC1,2024-01-01T00:00:00Z\n")
        let header = "purchase_id,client_id,product_id,purchased_at,amount,quantity\n"
        #expect(try importText(db, .purchases, header + "x1,C1,p1,2024-02-01T00:00:00Z,1.00,2147483647\n").inserted == 1)
        for quantity in ["2147483648", "9223372036854775808", "0"] {
            #expect {
                _ = try importText(db, .purchases, header + "x2,C1,p1,2024-02-01T00:00:00Z,1.00,\(quantity)\n")
            } throws: { error in
                (error as? StoreError)?.issues.first?.message == "expected a whole number from 1 to 2147483647"
            }
        }
    }

    @Test("values as real exports write them are refused at their line with what to write instead, nothing rewritten or stored", arguments: [
        // A product code with a space: the id rule, the character, an id to write.
        (ImportKind.products, "product_id,name,category,list_price\n85123A,Heart holder,p2-85,2.55\nBANK CHARGES,Bank charges,p2-other,15.00\n",
         "expected an id: 1 to 64 of A-Z a-z 0-9 _ - . : @ (a space at character 5: write it e.g. BANK-CHARGES, the same way wherever it is named)"),
        // A time without a zone: not read as UTC.
        (.clients, "client_id,first_seen\nC1,2010-12-01T08:26:00Z\nC2,2010-12-01 08:26:00\n",
         "(no zone: write e.g. 2010-12-01T08:26:00Z if the time is UTC, or with its offset, 2010-12-01T08:26:00+01:00)"),
        // Prices with a thousands separator or too many decimals: not rewritten, not rounded.
        (.products, "product_id,name,category,list_price\np0,Zero,cat,1.00\np1,One,cat,\"1,249.90\"\n", "(write it without the thousands separator: 1249.90)"),
        (.products, "product_id,name,category,list_price\np0,Zero,cat,1.00\np1,One,cat,15.299999\n",
         "(more than 2 decimals: Waymark does not round, write it rounded to cents, e.g. 15.30)"),
    ])
    func refusedWithWhatToWrite(kind: ImportKind, csv: String, message: String) throws {
        let db = try StoreTestDatabase()
        #expect {
            _ = try importText(db, kind, csv)
        } throws: { error in
            guard let issue = (error as? StoreError)?.issues.first else { return false }
            return issue.line == 3 && issue.message.hasSuffix(message)
        }
        #expect(try db.connection.execute("SELECT count(*) FROM \(kind.rawValue)").scalar(Int.self) == 0)
    }

    @Test("CSV syntax errors and empty files are reported with a line")
    func syntax() throws {
        let db = try StoreTestDatabase()
        #expect { _ = try importText(db, .products, "") } throws: { ($0 as? StoreError)?.code == .invalidRows }
        #expect {
            _ = try importText(db, .products, "product_id,name,category,list_price\np1,\"never closed,cat,1\n")
        } throws: { error in
            (error as? StoreError)?.issues.first?.line == 2
        }
        #expect(try db.count("products") == 0)
    }

    @Test("JSON Lines: typed values, nested objects, arrays as lists, unknown fields refused")
    func jsonLines() throws {
        let db = try StoreTestDatabase()
        let text = """
            {"client_id": "J1", "first_seen": "2023-01-01T00:00:00Z", "consents": ["email", "app"], "do_not_contact": true, "attributes": {"vip": true}}

            {"client_id": "J2", "first_seen": "2023-01-02T00:00:00Z", "segment": null}
            """
        let summary = try importText(db, .clients, text, format: .jsonl)
        #expect(summary.inserted == 2)
        #expect(try db.connection.execute("SELECT do_not_contact FROM clients WHERE client_id = 'J1'").scalar(Bool.self))
        #expect(try db.connection.execute("SELECT array_to_string(consents, ';') FROM clients WHERE client_id = 'J1'").scalar(String.self) == "email;app")
        #expect {
            _ = try importText(db, .clients, #"{"client_id": "J3", "first_seen": "2023-01-01T00:00:00Z", "segmnt": "x"}"#, format: .jsonl)
        } throws: { error in
            (error as? StoreError)?.description.contains("did you mean 'segment'") == true
        }
    }

    @Test("hostile text is stored verbatim")
    func hostileText() throws {
        let db = try StoreTestDatabase()
        let hostile = "'); DROP TABLE clients; --\\N\\t"
        let text = "product_id,name,category,list_price\np1,\"\(hostile)\",cat,1\n"
        _ = try importText(db, .products, text)
        #expect(try db.connection.execute("SELECT name FROM products").scalar(String.self) == hostile)
        #expect(try db.count("clients") == 0)
    }
}
