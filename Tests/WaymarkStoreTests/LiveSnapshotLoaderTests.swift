import Foundation
import Postgres
import Testing
import WaymarkCore
@testable import WaymarkStore

/// The one-statement snapshot loader against the per-table SELECTs it replaces.
@Suite("Live snapshot loader (one round trip)", .serialized)
struct LiveSnapshotLoaderTests {
    /// C001 with a row in every snapshot table, a set do-not-contact flag, attributes, and a
    /// stage recorded before and one after ``RunsTestDatabase/asOf``.
    static func fillEveryTable(_ connection: Connection) throws {
        try connection.execute("""
            UPDATE clients SET do_not_contact = true, birth_date = '1980-05-04', segment = 'gold', region = 'north',
                   account_id = 'A1', role = 'owner', consents = '{email,sms}',
                   attributes = '{"vip": true, "score": 7, "ratio": 0.5, "tags": ["a", "b"], "nick": "x"}'
            WHERE client_id = 'C001'
            """)
        // Text that looks like COPY's NULL or holds its separators must read back as it is.
        try connection.execute(#"UPDATE clients SET segment = '\N', region = E'tab\there \\ back' WHERE client_id = 'C002'"#)
        try connection.execute("""
            INSERT INTO life_events (client_id, event_id, kind, occurred_at) VALUES
              ('C001', 'E1', 'child_born', '2025-03-01'), ('C001', 'E2', 'marriage', '2024-09-01')
            """)
        try connection.execute("""
            INSERT INTO interactions (client_id, interaction_id, channel, kind, occurred_at, item_id) VALUES
              ('C001', 'I1', 'web', 'visit', '2025-04-01', NULL), ('C001', 'I2', 'email', 'click', '2025-04-02', 'offer-lead')
            """)
        try connection.execute("""
            INSERT INTO responses (client_id, response_id, item_id, channel, presented_at, outcome, responded_at) VALUES
              ('C001', 'R1', 'offer-lead', 'email', '2025-04-02', 'declined', '2025-04-03'),
              ('C001', 'R2', 'msg-thanks', 'web', '2025-04-05', 'presented', NULL)
            """)
        try connection.execute("""
            INSERT INTO loyalty_ledger (client_id, entry_id, occurred_at, points, reason, purchase_id) VALUES
              ('C001', 'L1', '2025-02-01', 150, 'welcome bonus', NULL), ('C001', 'L2', '2025-02-02', 99, 'earned', 'X1-1')
            """)
        try connection.execute("""
            INSERT INTO stage_history (client_id, changed_at, stage, previous, reason) VALUES
              ('C001', '2025-01-01', 'active', 'onboarding', 'bought twice'),
              ('C001', '2025-12-01', 'lapsed', 'active', 'after as_of')
            """)
    }

    /// The snapshot read table by table with the shared SELECTs (the loader's former way).
    static func referenceLoad(_ connection: Connection, clientID: String, asOf: Timestamp) throws -> ClientSnapshot? {
        var snapshot: ClientSnapshot?
        for table in SnapshotTable.allCases {
            let result = try connection.execute(table.select(where: "client_id = $1", stageBefore: asOf.seconds, ordered: false),
                                                [.text(clientID)])
            for row in 0..<result.rowCount {
                let fields = (0..<result.columnCount).map { result[row, $0] }
                guard let (_, decoded) = table.decode(fields) else { continue }
                if case .profile(let profile) = decoded { snapshot = ClientSnapshot(profile: profile) } else { snapshot?.add(decoded) }
            }
        }
        return snapshot
    }

    @Test("one statement reads the same snapshot as the per-table SELECTs, for every table")
    func matchesPerTableSelects() throws {
        let db = try RunsTestDatabase()
        try Self.fillEveryTable(db.connection)
        let loader = SnapshotLoader(connection: db.connection)
        for id in ["C001", "C002", "C003", "C060"] {
            let loaded = try #require(try loader.load(clientID: id, asOf: RunsTestDatabase.asOf))
            let reference = try #require(try Self.referenceLoad(db.connection, clientID: id, asOf: RunsTestDatabase.asOf))
            #expect(loaded.profile == reference.profile)
            #expect(Set(loaded.purchases) == Set(reference.purchases))
            #expect(Set(loaded.lifeEvents) == Set(reference.lifeEvents))
            #expect(Set(loaded.interactions) == Set(reference.interactions))
            #expect(Set(loaded.responses) == Set(reference.responses))
            #expect(Set(loaded.loyaltyLedger) == Set(reference.loyaltyLedger))
            #expect(loaded.recordedStage == reference.recordedStage)
        }
        let c001 = try #require(try loader.load(clientID: "C001", asOf: RunsTestDatabase.asOf))
        #expect(c001.profile.doNotContact)
        #expect(c001.profile.segment == "gold" && c001.profile.accountID == "A1" && c001.profile.role == "owner")
        #expect(c001.profile.consents.contains(.email))
        #expect(c001.profile.attributes["vip"] == .bool(true))
        #expect(c001.profile.attributes["score"] == .int(7))
        #expect(c001.profile.attributes["tags"] == .list([.string("a"), .string("b")]))
        #expect(c001.lifeEvents.count == 2 && c001.interactions.count == 2 && c001.responses.count == 2)
        #expect(c001.interactions.contains { $0.itemID == "offer-lead" } && c001.interactions.contains { $0.itemID == nil })
        #expect(c001.responses.contains { $0.outcome == .declined && $0.respondedAt != nil })
        #expect(c001.loyaltyLedger.map(\.points) == [150])  // entries of a purchase are not read
        #expect(c001.recordedStage?.stage == .active)       // the one after as_of is not
        #expect(c001.recordedStage?.previous == .onboarding)
        let later = try #require(try loader.load(clientID: "C001", asOf: Timestamp(year: 2026, month: 1, day: 1)))
        #expect(later.recordedStage?.stage == .lapsed)
        let c002 = try #require(try loader.load(clientID: "C002", asOf: RunsTestDatabase.asOf))
        #expect(!c002.profile.doNotContact)
        #expect(c002.profile.segment == #"\N"# && c002.profile.region == "tab\there \\ back")
        #expect(c002.recordedStage == nil)
        #expect(try loader.load(clientID: "NOPE", asOf: RunsTestDatabase.asOf) == nil)
    }

    @Test("the freshness read with a snapshot is the newest catalog and the current runs")
    func freshnessFollowsCatalogsAndRuns() throws {
        let db = try RunsTestDatabase()
        let loader = SnapshotLoader(connection: db.connection)
        let version = try db.connection.execute("SELECT max(version) FROM catalogs").scalar(Int64.self)
        let before = try loader.loadWithFreshness(clientID: "C002", asOf: RunsTestDatabase.asOf)
        #expect(before.freshness == SnapshotLoader.Freshness(catalogVersion: version, runIDs: []))
        _ = try db.run()
        let runs = try db.currentRuns()
        #expect(!runs.isEmpty)
        let unknown = try loader.loadWithFreshness(clientID: "NOPE", asOf: RunsTestDatabase.asOf)
        #expect(unknown.snapshot == nil)
        #expect(unknown.freshness == SnapshotLoader.Freshness(catalogVersion: version, runIDs: runs))
        try db.connection.execute("DELETE FROM catalogs")
        let none = try loader.loadWithFreshness(clientID: "C002", asOf: RunsTestDatabase.asOf)
        #expect(none.freshness.catalogVersion == nil)
        #expect(none.snapshot != nil)
        #expect(throws: StoreError.self) {
            try LiveContext().state(connection: db.connection, freshness: none.freshness)
        }
    }

    @Test("the statement is prepared again on a reset session")
    func preparesAgainAfterReset() throws {
        let db = try RunsTestDatabase()
        let loader = SnapshotLoader(connection: db.connection)
        let first = try #require(try loader.load(clientID: "C002", asOf: RunsTestDatabase.asOf))
        #expect(try loader.load(clientID: "C002", asOf: RunsTestDatabase.asOf) == first)
        try db.connection.reset()
        try db.connection.execute("SELECT set_config('search_path', $1, false)", [.text(db.database.schema)])
        let prepared = try db.connection.execute(
            "SELECT count(*) FROM pg_prepared_statements").scalar(Int64.self)
        #expect(prepared == 0)
        #expect(try loader.load(clientID: "C002", asOf: RunsTestDatabase.asOf) == first)
    }
}
