import Foundation
import Postgres
import Testing
@testable import WaymarkStore

/// The fast path of a first load: COPY straight into the empty table, indexes built afterwards,
/// and a clean step aside to the staged upsert whenever its assumptions do not hold.
@Suite("Importer bulk load")
struct ImporterBulkLoadTests {
    func importText(_ db: StoreTestDatabase, _ kind: ImportKind, _ text: String, rewindable: Bool = true) throws -> ImportSummary {
        try Importer(connection: db.connection).importRows(
            kind: kind, format: .csv, input: BytesInput(text, chunkSize: 64, rewindable: rewindable), name: "\(kind.rawValue).csv")
    }

    /// Index name and definition of every index of `table`, the primary key's included.
    func indexes(_ db: StoreTestDatabase, _ table: String) throws -> [String] {
        try db.connection.execute("SELECT indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1 ORDER BY indexname",
                                  [.text(table)]).map { try $0.decode(String.self, at: 0) }
    }

    func seed(_ db: StoreTestDatabase) throws {
        _ = try importText(db, .clients, "client_id,first_seen,account_id\nC1,2020-01-01T00:00:00Z,A1\nC2,2020-01-01T00:00:00Z,\n")
        _ = try importText(db, .products, ImporterTests.products)
    }

    static let purchases = """
        purchase_id,client_id,product_id,purchased_at,amount
        P1,C1,fund-index,2022-01-01T10:00:00Z,10.50
        P2,C1,ins-home,2022-02-01T10:00:00Z,20
        P1,C2,fund-index,2022-03-01T10:00:00Z,30

        """

    @Test("an empty table is bulk-loaded and keeps its primary key and indexes; the next import upserts")
    func bulkThenUpsert() throws {
        let db = try StoreTestDatabase()
        let clientIndexes = try indexes(db, "clients")
        #expect(clientIndexes.count == 2)  // the primary key and the partial index on account_id
        try seed(db)
        #expect(try indexes(db, "clients") == clientIndexes)
        let purchaseIndexes = try indexes(db, "purchases")

        let first = try importText(db, .purchases, Self.purchases)
        #expect(first.method == .bulk)
        #expect(first.rowsRead == 3 && first.inserted == 3 && first.updated == 0 && first.unchanged == 0)
        #expect(try indexes(db, "purchases") == purchaseIndexes)
        #expect(try db.connection.execute("SELECT sum(amount)::text FROM purchases").scalar(String.self) == "60.50")

        let again = try importText(db, .purchases, Self.purchases)
        #expect(again.method == .upsert)
        #expect(again.unchanged == 3 && again.inserted == 0)
        // The rebuilt primary key still refuses a second row with the same id.
        #expect(throws: PostgresError.self) {
            try db.connection.execute("INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount) VALUES ('C1', 'P1', 'fund-index', now(), 1)")
        }
    }

    @Test("a file that repeats an id steps aside to the upsert: the last row wins, the key survives")
    func duplicatesFallBack() throws {
        let db = try StoreTestDatabase()
        try seed(db)
        let purchaseIndexes = try indexes(db, "purchases")
        let text = Self.purchases + "P1,C1,fund-index,2022-01-01T10:00:00Z,99\n"
        let summary = try importText(db, .purchases, text)
        #expect(summary.method == .upsert)
        #expect(summary.rowsRead == 4 && summary.inserted == 3)
        #expect(try db.connection.execute("SELECT amount::text FROM purchases WHERE client_id = 'C1' AND purchase_id = 'P1'").scalar(String.self) == "99.00")
        #expect(try indexes(db, "purchases") == purchaseIndexes)
    }

    @Test("an unknown client is reported by line and nothing is stored; the table keeps its indexes")
    func unknownReference() throws {
        let db = try StoreTestDatabase()
        try seed(db)
        let purchaseIndexes = try indexes(db, "purchases")
        let text = Self.purchases + "P9,C404,fund-index,2022-01-01T10:00:00Z,1\n"
        #expect {
            _ = try importText(db, .purchases, text)
        } throws: { error in
            guard let issue = (error as? StoreError)?.issues.first else { return false }
            return issue.line == 5 && issue.value == "C404" && issue.message.contains("unknown client")
        }
        #expect(try db.count("purchases") == 0)
        #expect(try indexes(db, "purchases") == purchaseIndexes)
    }

    @Test("a bad row stores nothing and leaves the indexes in place")
    func badRow() throws {
        let db = try StoreTestDatabase()
        try seed(db)
        let purchaseIndexes = try indexes(db, "purchases")
        #expect {
            _ = try importText(db, .purchases, Self.purchases + "P9,C1,fund-index,yesterday,1\n")
        } throws: { ($0 as? StoreError)?.code == .invalidRows }
        #expect(try db.count("purchases") == 0)
        #expect(try indexes(db, "purchases") == purchaseIndexes)
    }

    @Test("input that cannot be read twice (a pipe) takes the staged path")
    func pipeTakesStagedPath() throws {
        let db = try StoreTestDatabase()
        try seed(db)
        let summary = try importText(db, .purchases, Self.purchases, rewindable: false)
        #expect(summary.method == .upsert && summary.inserted == 3)
    }

    @Test("a table locked by another session is not waited for: the staged path imports")
    func lockedTableTakesStagedPath() throws {
        let db = try StoreTestDatabase()
        try seed(db)
        let other = try Connection(configuration: .environment)
        try other.execute("SELECT set_config('search_path', $1, false)", [.text(db.schema)])
        try other.execute("BEGIN")
        try other.execute("SELECT count(*) FROM purchases")  // holds ACCESS SHARE until the end of its transaction
        defer { _ = try? other.execute("ROLLBACK") }
        let summary = try importText(db, .purchases, Self.purchases)
        #expect(summary.method == .upsert && summary.inserted == 3)
    }

    @Test("a foreign key that depends on the primary key keeps it: the staged path imports")
    func dependentForeignKeyTakesStagedPath() throws {
        let db = try StoreTestDatabase()
        try seed(db)
        try db.connection.execute("""
            CREATE TABLE purchase_notes (client_id text, purchase_id text, note text,
                                         FOREIGN KEY (client_id, purchase_id) REFERENCES purchases)
            """)
        let summary = try importText(db, .purchases, Self.purchases)
        #expect(summary.method == .upsert && summary.inserted == 3)
    }

    @Test("a role that does not own the table cannot drop its indexes: the staged path imports")
    func nonOwnerTakesStagedPath() throws {
        let db = try StoreTestDatabase()
        try seed(db)
        let role = "waymark_loader_" + db.schema.suffix(8)
        try db.connection.execute("CREATE ROLE \(role)")
        defer {
            _ = try? db.connection.execute("RESET ROLE")
            _ = try? db.connection.execute("DROP OWNED BY \(role)")
            _ = try? db.connection.execute("DROP ROLE \(role)")
        }
        try db.connection.execute("GRANT USAGE ON SCHEMA \(db.schema) TO \(role)")
        try db.connection.execute("GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA \(db.schema) TO \(role)")
        try db.connection.execute("SET ROLE \(role)")
        let summary = try importText(db, .purchases, Self.purchases)
        try db.connection.execute("RESET ROLE")
        #expect(summary.method == .upsert && summary.inserted == 3)
    }

    @Test("JSON Lines purchases bulk-load in binary with the same values as CSV")
    func jsonLinesBulkLoad() throws {
        let db = try StoreTestDatabase()
        try seed(db)
        let text = """
            {"purchase_id": "J1", "client_id": "C1", "product_id": "fund-index", "purchased_at": "2024-03-01T11:15:00+01:00", "amount": 12.5, "quantity": 3, "channel": "WEB"}
            {"purchase_id": "J2", "client_id": "C2", "product_id": "ins-home", "purchased_at": "2024-03-02T00:00:00Z", "amount": "0.01"}
            """
        let summary = try Importer(connection: db.connection).importRows(
            kind: .purchases, format: .jsonl, input: BytesInput(text), name: "purchases.jsonl")
        #expect(summary.method == .bulk && summary.inserted == 2)
        let rows = try db.connection.execute("""
            SELECT purchase_id || ' ' || to_char(purchased_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || ' ' || amount || ' ' || quantity || ' ' || coalesce(channel, '-')
            FROM purchases ORDER BY purchase_id
            """).map { try $0.decode(String.self, at: 0) }
        #expect(rows == ["J1 2024-03-01 10:15 12.50 3 web", "J2 2024-03-02 00:00 0.01 1 -"])
    }
}
