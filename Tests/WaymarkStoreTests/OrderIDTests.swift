import Foundation
import Postgres
import Testing
import WaymarkCore
@testable import WaymarkStore

/// `purchases.order_id` end to end in the Store: imports (bulk and upsert, CSV and JSON Lines),
/// snapshots (one client, a batch, the nightly stream) and the fitter's purchase occasions.
@Suite("Orders: order_id")
struct OrderIDTests {
    func importText(_ db: StoreTestDatabase, _ kind: ImportKind, _ text: String, format: ImportFormat = .csv,
                    name: String? = nil) throws -> ImportSummary {
        try Importer(connection: db.connection).importRows(
            kind: kind, format: format, input: BytesInput(text, chunkSize: 64), name: name ?? "\(kind.rawValue).\(format.rawValue)")
    }

    func seed(_ db: StoreTestDatabase) throws {
        _ = try importText(db, .clients, "client_id,first_seen\nC1,2020-01-01T00:00:00Z\nC2,2020-01-01T00:00:00Z\n")
        _ = try importText(db, .products, ImporterTests.products)
    }

    /// `purchase_id order_id` of every purchase, `-` for NULL.
    func orders(_ db: StoreTestDatabase) throws -> [String] {
        try db.connection.execute("SELECT purchase_id || ' ' || coalesce(order_id, '-') FROM purchases ORDER BY client_id, purchase_id")
            .map { try $0.decode(String.self, at: 0) }
    }

    static let csv = """
        purchase_id,client_id,product_id,purchased_at,amount,order_id
        P1,C1,fund-index,2022-01-01T10:00:00Z,10.50,O-1
        P2,C1,ins-home,2022-01-01T10:00:00Z,20,O-1
        P3,C1,fund-index,2022-02-01T10:00:00Z,5,
        P1,C2,fund-index,2022-03-01T10:00:00Z,30,ord:2@shop

        """

    @Test("CSV: the bulk path stores order_id, a re-import changes nothing, a changed order_id is updated")
    func csvBulkThenUpsert() throws {
        let db = try StoreTestDatabase()
        try seed(db)
        let first = try importText(db, .purchases, Self.csv)
        #expect(first.method == .bulk && first.inserted == 4)
        #expect(try orders(db) == ["P1 O-1", "P2 O-1", "P3 -", "P1 ord:2@shop"])

        let again = try importText(db, .purchases, Self.csv)
        #expect(again.method == .upsert && again.unchanged == 4 && again.inserted == 0 && again.updated == 0)

        let changed = try importText(db, .purchases, Self.csv.replacingOccurrences(of: "P3,C1,fund-index,2022-02-01T10:00:00Z,5,",
                                                                                 with: "P3,C1,fund-index,2022-02-01T10:00:00Z,5,O-3"))
        #expect(changed.updated == 1 && changed.unchanged == 3)
        #expect(try orders(db) == ["P1 O-1", "P2 O-1", "P3 O-3", "P1 ord:2@shop"])
    }

    @Test("CSV: the upsert path (a table not empty) stores order_id and a re-import changes nothing")
    func csvUpsert() throws {
        let db = try StoreTestDatabase()
        try seed(db)
        _ = try importText(db, .purchases, "purchase_id,client_id,product_id,purchased_at,amount\nP0,C2,ins-home,2021-01-01T00:00:00Z,1\n")
        let first = try importText(db, .purchases, Self.csv)
        #expect(first.method == .upsert && first.inserted == 4)
        #expect(try orders(db) == ["P1 O-1", "P2 O-1", "P3 -", "P0 -", "P1 ord:2@shop"])
        let again = try importText(db, .purchases, Self.csv)
        #expect(again.unchanged == 4 && again.inserted == 0 && again.updated == 0)
    }

    static let jsonl = """
        {"purchase_id": "J1", "client_id": "C1", "product_id": "fund-index", "purchased_at": "2024-03-01T10:00:00Z", "amount": 12.5, "order_id": "O-9"}
        {"purchase_id": "J2", "client_id": "C1", "product_id": "ins-home", "purchased_at": "2024-03-01T10:00:00Z", "amount": "1", "order_id": "O-9"}
        {"purchase_id": "J3", "client_id": "C2", "product_id": "ins-home", "purchased_at": "2024-03-02T00:00:00Z", "amount": "0.01"}
        """

    @Test("JSON Lines: both paths store order_id; a re-import changes nothing; a changed order_id is updated")
    func jsonLines() throws {
        let db = try StoreTestDatabase()
        try seed(db)
        let first = try importText(db, .purchases, Self.jsonl, format: .jsonl)
        #expect(first.method == .bulk && first.inserted == 3)
        #expect(try orders(db) == ["J1 O-9", "J2 O-9", "J3 -"])
        let again = try importText(db, .purchases, Self.jsonl, format: .jsonl)
        #expect(again.method == .upsert && again.unchanged == 3)
        let moved = try importText(db, .purchases, Self.jsonl.replacingOccurrences(of: "\"amount\": \"1\", \"order_id\": \"O-9\"",
                                                                                  with: "\"amount\": \"1\", \"order_id\": \"O-10\""), format: .jsonl)
        #expect(moved.updated == 1 && moved.unchanged == 2)
        #expect(try orders(db) == ["J1 O-9", "J2 O-10", "J3 -"])
    }

    @Test("a bad order_id is reported with file, line and column, and nothing is imported", arguments: [ImportFormat.csv, .jsonl])
    func badOrderID(format: ImportFormat) throws {
        let db = try StoreTestDatabase()
        try seed(db)
        let text = switch format {
        case .csv: Self.csv.replacingOccurrences(of: ",O-1\nP2", with: ",O 1\nP2")
        case .jsonl: Self.jsonl.replacingOccurrences(of: "\"amount\": 12.5, \"order_id\": \"O-9\"", with: "\"amount\": 12.5, \"order_id\": \"O 9\"")
        }
        let expectedLine = format == .csv ? 2 : 1
        #expect {
            _ = try importText(db, .purchases, text, format: format)
        } throws: { error in
            guard let failure = error as? StoreError, let issue = failure.issues.first else { return false }
            return failure.errorCount == 1 && issue.line == expectedLine && issue.column == "order_id"
                && issue.description.hasPrefix("purchases.\(format.rawValue):\(expectedLine): column order_id")
        }
        #expect(try db.count("purchases") == 0)
        // Too long is as bad as a bad character.
        #expect(throws: StoreError.self) {
            _ = try importText(db, .purchases, "purchase_id,client_id,product_id,purchased_at,amount,order_id\nP1,C1,fund-index,2022-01-01T10:00:00Z,1,\(String(repeating: "o", count: 65))\n")
        }
        #expect(try db.count("purchases") == 0)
    }

    @Test("record_purchase's writer stores order_id idempotently and updates a changed one")
    func recordWriter() throws {
        let db = try StoreTestDatabase()
        try seed(db)
        let writer = RecordWriter()
        let row: [String?] = ["P9", "C1", "fund-index", "2024-03-01T10:15:00Z", "10", nil, "web", "O-5"]
        #expect(try writer.upsert(.purchases, values: row, on: db.connection) == .inserted)
        #expect(try writer.upsert(.purchases, values: row, on: db.connection) == .unchanged)
        var changed = row
        changed[7] = "O-6"
        #expect(try writer.upsert(.purchases, values: changed, on: db.connection) == .updated)
        #expect(try orders(db) == ["P9 O-6"])
    }

    @Test("snapshots carry orderID: one client, a batch and the nightly stream")
    func snapshotsCarryOrderID() throws {
        let db = try RunsTestDatabase()
        try db.connection.execute("""
            INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount, order_id) VALUES
              ('C001', 'ORD-A', 'P-START', '2025-01-01Z', 10, 'O-1'), ('C001', 'ORD-B', 'P-MORE', '2025-01-01Z', 5, 'O-1')
            """)
        func check(_ snapshot: ClientSnapshot?, _ how: String) {
            guard let snapshot else {
                Issue.record("no snapshot of C001 (\(how))")
                return
            }
            let withOrder = snapshot.purchases.filter { $0.orderID != nil }
            #expect(withOrder.count == 2 && withOrder.allSatisfy { $0.orderID == "O-1" }, "\(how)")
            #expect(snapshot.purchases.count == withOrder.count + 2, "\(how): the others have no order id")
        }
        let loaded = try SnapshotLoader(connection: db.connection).load(clientID: "C001", asOf: RunsTestDatabase.asOf)
        check(loaded, "loader")
        let key = LiveContext.BatchKey(clientID: "C001", asOf: RunsTestDatabase.asOf)
        let batch = try LiveContext().loadBatch([key, LiveContext.BatchKey(clientID: "C002", asOf: RunsTestDatabase.asOf)],
                                                connection: db.connection)
        check(batch.snapshots[key] ?? nil, "batch")
        var streamed: ClientSnapshot?
        _ = try SnapshotStream(configuration: db.configuration, shard: .all, asOf: RunsTestDatabase.asOf).forEach { snapshot in
            if snapshot.id == "C001" { streamed = snapshot }
        }
        check(streamed, "stream")
        #expect(Set(streamed?.purchases ?? []) == Set(loaded?.purchases ?? []))
    }

    @Test("the raw line decoder reads order_id as the split fields do, NULL as nil")
    func lineDecoder() throws {
        let lines = [
            "C001\tP-1\tfunds\t1700000000\t12345\t2\tweb\tO-1\n",
            "C001\tP-2\tfunds\t1700000000\t500\t1\t\tO-1\n",
            "C002\tP-2\t\t1700000100\t100\t1\tstore\t\\N\n",
            "C002\tP-3\tcat\\twith tab\t1700000200\t1\t1\t\tord:2@x\n",  // escaped: the slow path
        ]
        let decoded = SnapshotLineDecoderTests.both(.purchases, lines)
        for (fast, slow) in decoded { #expect(fast == slow) }
        var decoder = SnapshotLineDecoder(table: .purchases)
        let orderIDs: [String?] = lines.map { line in
            var bytes = Array(line.utf8)
            guard case .purchase(let purchase)? = bytes.withUnsafeMutableBytes({ decoder.decode(UnsafeRawBufferPointer($0)) })?.row else { return "?" }
            return purchase.orderID
        }
        #expect(orderIDs == ["O-1", "O-1", nil, "ord:2@x"])
    }

    @Test("the fitter counts purchase occasions: an order's lines, or one client's lines at one time, are one")
    func fitterCountsOccasions() throws {
        let db = try StoreTestDatabase()
        try db.connection.execute("INSERT INTO products (product_id, name, category, list_price) VALUES ('P-A', 'A', 'a', 10), ('P-B', 'B', 'b', 10)")
        try db.connection.execute("INSERT INTO clients (client_id, first_seen) VALUES ('K1', '2024-01-01Z'), ('K2', '2024-01-01Z'), ('K3', '2024-01-01Z')")
        try db.connection.execute("""
            -- K1: an order of 3 lines (at slightly different times), then one later line: 2 occasions.
            -- K2: 3 lines without an order at one time, then one later line: 2 occasions.
            -- K3: two orders at the same time: 2 occasions.
            INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount, order_id) VALUES
              ('K1', 'L1', 'P-A', '2024-06-01 10:00Z', 10, 'O-1'), ('K1', 'L2', 'P-B', '2024-06-01 10:01Z', 20, 'O-1'),
              ('K1', 'L3', 'P-A', '2024-06-01 10:02Z', 30, 'O-1'), ('K1', 'L4', 'P-B', '2024-09-01Z', 40, NULL),
              ('K2', 'L1', 'P-A', '2024-06-01Z', 10, NULL), ('K2', 'L2', 'P-B', '2024-06-01Z', 20, NULL),
              ('K2', 'L3', 'P-A', '2024-06-01Z', 30, NULL), ('K2', 'L4', 'P-B', '2024-10-01Z', 40, 'O-7'),
              ('K3', 'L1', 'P-A', '2024-07-01Z', 60, 'O-1'), ('K3', 'L2', 'P-B', '2024-07-01Z', 40, 'O-2')
            """)
        let models = try ModelFitter(connection: db.connection).fit(asOf: Timestamp(year: 2025, month: 1, day: 1))
        // Every client has 2 occasions (frequency: 1 repeat occasion), not 4, 4 and 2 lines.
        #expect(models.rfm.frequency == [2, 2, 2, 2])
        // Monetary is still the client's whole spend.
        #expect(models.rfm.monetary.sorted() == models.rfm.monetary && models.rfm.monetary.last == 100)
    }
}
