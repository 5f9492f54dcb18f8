import Foundation
import Postgres
import Synchronization
import Testing
import WaymarkCore
@testable import WaymarkStore

/// `migrate --distribute` on plain PostgreSQL: refused, saying what to do.
@Suite("Distributor on plain PostgreSQL")
struct DistributorPlainTests {
    @Test("refuses a database without the citus extension, naming the database and the fix; nothing changes")
    func missingExtension() throws {
        let db = try StoreTestDatabase()
        let name = try db.connection.execute("SELECT current_database()").scalar(String.self)
        #expect {
            _ = try Distributor(connection: db.connection).distribute()
        } throws: { error in
            guard let error = error as? StoreError else { return false }
            return error.code == .failure
                && error.message.hasPrefix("the citus extension is not installed in database \(name); to fix:")
                && error.message.contains("CREATE EXTENSION citus") && error.message.contains("citus_add_node")
        }
        #expect(try Distributor.isDistributed(db.connection) == false)
    }
}

/// The store's SQL on a Citus cluster (`WAYMARK_TEST_CITUS_URL`): distribution, a later migration,
/// staged imports, sharded runs publishing one night, the account read, pruning.
@Suite("Store on Citus", .enabled(if: StoreTestDatabase.citusURL != nil, StoreTestDatabase.citusSkipReason))
struct CitusStoreTests {
    /// Where each table of the schema is: h (distributed), n (reference), local.
    func placement(_ db: StoreTestDatabase) throws -> [String: String] {
        var placed: [String: String] = [:]
        for row in try db.connection.execute("""
            SELECT c.relname, coalesce((SELECT d.partmethod::text FROM pg_dist_partition d WHERE d.logicalrelid = c.oid), 'local')
            FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relkind IN ('r', 'p')
            """, [.text(db.schema)]) {
            placed[try row.decode(String.self, at: 0)] = try row.decode(String.self, at: 1)
        }
        return placed
    }

    @Test("distributes the client tables co-located by client_id, products as a reference table, control tables local; idempotent")
    func distributes() throws {
        let db = try StoreTestDatabase(citus: true)
        let placed = try placement(db)
        for table in ["clients", "purchases", "life_events", "interactions", "responses", "loyalty_ledger", "stage_history",
                      "client_scores", "recommendations", "decision_log", "cadence_states"] {
            #expect(placed[table] == "h", "\(table) is \(placed[table] ?? "missing")")
        }
        #expect(placed["products"] == "n")
        for table in ["catalogs", "scoring_runs", "schema_migrations"] { #expect(placed[table] == "local", "\(table)") }
        let groups = try db.connection.execute("""
            SELECT count(DISTINCT d.colocationid) FROM pg_dist_partition d JOIN pg_class c ON c.oid = d.logicalrelid
            WHERE c.relnamespace = $1::regnamespace AND d.partmethod = 'h'
            """, [.text(db.schema)]).scalar(Int.self)
        #expect(groups == 1)

        let again = try Distributor(connection: db.connection).distribute()
        #expect(again.distributed.isEmpty && again.referenced.isEmpty)
        #expect(again.already.count == 12 && again.shardCount == 4)
        #expect(again.local == ["catalogs", "schema_migrations", "scoring_runs"])
        #expect(try Distributor.isDistributed(db.connection))
        #expect {
            _ = try Distributor(connection: db.connection).distribute(shardCount: 8)
        } throws: { error in
            (error as? StoreError)?.code == .invalidInput && "\(error)".contains("distributed in 4 shards already, not 8")
        }
    }

    @Test("a later migration adding a column and a client table works on the distributed schema")
    func laterMigration() throws {
        let db = try StoreTestDatabase(citus: true)
        try db.connection.execute("INSERT INTO products VALUES ('P1', 'One', 'cat', 10, false)")
        try db.connection.execute("INSERT INTO clients (client_id, first_seen) VALUES ('C1', '2024-01-01'), ('C2', '2024-01-02')")
        let later = Migration(version: 9001, name: "9001_test_notes.sql", sql: """
            ALTER TABLE purchases ADD COLUMN note text NOT NULL DEFAULT '';
            CREATE TABLE client_notes (client_id text NOT NULL, note_id text NOT NULL, body text NOT NULL,
                                       PRIMARY KEY (client_id, note_id));
            """)
        let outcome = try Migrator(migrations: try StoreTestDatabase.repositoryMigrations() + [later]).migrate(db.connection)
        #expect(outcome.applied == ["9001_test_notes.sql"])
        let placed = try Distributor(connection: db.connection).distribute()
        #expect(placed.distributed == ["client_notes"])
        try db.connection.execute("""
            INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount, note)
            VALUES ('C1', 'X1', 'P1', '2024-02-01', 5, 'gift'), ('C2', 'X2', 'P1', '2024-02-01', 5, DEFAULT)
            """)
        try db.connection.execute("INSERT INTO client_notes VALUES ('C2', 'N1', 'called')")
        let notes = try db.connection.execute("""
            SELECT string_agg(p.client_id || ':' || p.note || ':' || coalesce(n.body, ''), ',' ORDER BY p.client_id)
            FROM purchases p LEFT JOIN client_notes n ON n.client_id = p.client_id
            """).scalar(String.self)
        #expect(notes == "C1:gift:,C2::called")
    }

    @Test("a repeated import upserts through staging; a file with an unknown client is rejected whole, or its bad rows set aside")
    func stagedImports() throws {
        let db = try StoreTestDatabase(citus: true)
        let tests = ImporterTests()
        try tests.seed(db)
        let purchases = """
            purchase_id,client_id,product_id,purchased_at,amount
            P1,C1,fund-index,2022-01-01T10:00:00Z,1
            P2,C2,ins-home,2022-01-01T10:00:00Z,2.5

            """
        #expect(try tests.importText(db, .purchases, purchases).inserted == 2)  // the first load (bulk)
        let changed = purchases.replacingOccurrences(of: ",2.5", with: ",3.5") + "P3,C3,fund-index,2022-02-01T10:00:00Z,4\n"
        let second = try tests.importText(db, .purchases, changed)
        #expect(second.inserted == 1 && second.updated == 1 && second.unchanged == 1)
        let clients = try tests.importText(db, .clients, ImporterTests.clients.replacingOccurrences(of: ",north,", with: ",east,"))
        #expect(clients.updated == 1 && clients.unchanged == 2)
        let touched = try db.connection.execute("SELECT count(*) FROM clients WHERE updated_at > now() - interval '1 hour'").scalar(Int.self)
        #expect(touched == 3)

        let bad = changed + "P4,C404,fund-index,2022-03-01T10:00:00Z,1\nP5,C1,no-such-product,2022-03-01T10:00:00Z,1\n"
        #expect {
            _ = try tests.importText(db, .purchases, bad)
        } throws: { error in
            guard let error = error as? StoreError, error.code == .invalidRows else { return false }
            return error.issues.first?.line == 5 && error.issues.first?.value == "C404" && error.message.contains("unknown client")
        }
        #expect(try db.count("purchases") == 3)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("citus-rejects-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let rejects = try RejectWriter(path: path)
        let kept = try tests.importText(db, .purchases, bad, rejects: rejects)
        try rejects.flush()
        #expect(kept.rejected == 2 && kept.unchanged == 3)
        let rejected = try String(contentsOfFile: path, encoding: .utf8)
        #expect(rejected.contains("5,column client_id: unknown client 'C404'") && rejected.contains("6,column product_id: unknown product 'no-such-product'"))
    }

    @Test("two shards scored at once publish one night; the runs' tables are distributed; the account read works; prune drops runs")
    func shardedNight() throws {
        let db = try RunsTestDatabase(citus: true)
        try db.connection.execute("UPDATE clients SET account_id = 'A1' WHERE client_id IN ('C001', 'C002', 'C004')")
        let results = Mutex<[Result<RunSummary, any Error>]>([])
        let configuration = db.configuration
        let threads = (0..<2).map { index in
            let options = db.options(shard: Shard(index: index, count: 2))
            return Thread {
                let result = Result(catching: { try ScoringRun(configuration: configuration, options: options).run() })
                results.withLock { $0.append(result) }
            }
        }
        threads.forEach { $0.start() }
        while results.withLock({ $0.count }) < 2 { Thread.sleep(forTimeInterval: 0.05) }
        let summaries = try results.withLock { try $0.map { try $0.get() } }
        #expect(summaries.map(\.clients).reduce(0, +) == RunsTestDatabase.clientCount)
        let current = try db.currentRuns()
        #expect(Set(current) == Set(summaries.map(\.runID)))
        #expect(try db.connection.execute("SELECT count(DISTINCT client_id) FROM client_scores").scalar(Int.self) == RunsTestDatabase.clientCount)
        for run in current {
            let method = try db.connection.execute("""
                SELECT partmethod::text FROM pg_dist_partition WHERE logicalrelid = to_regclass('recommendations_r' || $1::text)
                """, [.int(run)]).scalar(String.self)
            #expect(method == "h")
        }
        let snapshot = try #require(try SnapshotLoader(connection: db.connection).load(clientID: "C001", asOf: RunsTestDatabase.asOf))
        #expect(snapshot.accountMembers.map(\.id).sorted() == ["C002", "C004"])
        #expect(snapshot.accountMembers.first { $0.id == "C002" }?.purchases.isEmpty == false)

        _ = try db.run()
        let removed = try RunStore(connection: db.connection).prune(keep: 1)
        #expect(Set(removed) == Set(current))
        #expect(try db.connection.execute("SELECT count(*) FROM client_scores").scalar(Int.self) == RunsTestDatabase.clientCount)
    }
}
