import Foundation
import Postgres
import Testing
import WaymarkCore
@testable import WaymarkStore

@Suite("Snapshots")
struct SnapshotStreamTests {
    @Test("the stream yields every client once, in client_id order, equal to the one-client loader")
    func streamMatchesLoader() throws {
        let db = try RunsTestDatabase()
        try db.connection.execute("""
            INSERT INTO life_events (client_id, event_id, kind, occurred_at) VALUES ('C002', 'E1', 'child_born', '2025-01-01Z');
            """)
        try db.connection.execute("""
            INSERT INTO interactions (client_id, interaction_id, channel, kind, occurred_at) VALUES ('C002', 'I1', 'web', 'visit', '2025-02-01Z')
            """)
        // A child row without a client is skipped, not misattributed.
        try db.connection.execute("""
            INSERT INTO interactions (client_id, interaction_id, channel, kind, occurred_at) VALUES ('C0025', 'I2', 'web', 'visit', '2025-02-01Z')
            """)
        var stream = SnapshotStream(configuration: db.configuration, shard: .all, asOf: RunsTestDatabase.asOf)
        stream.chunkSize = 7
        stream.queueDepth = 1
        var ids: [String] = []
        var byID: [String: ClientSnapshot] = [:]
        let skipped = try stream.forEach { snapshot in
            ids.append(snapshot.id)
            byID[snapshot.id] = snapshot
        }
        #expect(skipped == 1)
        #expect(ids.count == RunsTestDatabase.clientCount)
        #expect(ids == ids.sorted())
        let loader = SnapshotLoader(connection: db.connection)
        for id in ["C001", "C002", "C003", "C060"] {
            let loaded = try #require(try loader.load(clientID: id, asOf: RunsTestDatabase.asOf))
            let streamed = try #require(byID[id])
            #expect(streamed.profile == loaded.profile)
            #expect(Set(streamed.purchases) == Set(loaded.purchases))
            #expect(streamed.lifeEvents == loaded.lifeEvents)
            #expect(streamed.interactions == loaded.interactions)
        }
        #expect(byID["C002"]?.lifeEvents.count == 1)
        #expect(byID["C002"]?.purchases.first?.category == "starter")
        #expect(try loader.load(clientID: "NOPE", asOf: RunsTestDatabase.asOf) == nil)
    }

    @Test("reading in the primary key's order (a byte-order default collation) streams the same snapshots as sorting with COLLATE \"C\"")
    func primaryKeyOrderMatchesSortedOrder() throws {
        let db = try RunsTestDatabase()
        try db.connection.execute("""
            INSERT INTO stage_history (client_id, changed_at, stage, previous, reason) VALUES
              ('C001', '2024-05-01Z', 'onboarding', NULL, 'test'), ('C001', '2024-09-01Z', 'active', 'onboarding', 'test')
            """)
        func snapshots(byteOrder: Bool) throws -> [ClientSnapshot] {
            var stream = SnapshotStream(configuration: db.configuration, shard: .all, asOf: RunsTestDatabase.asOf)
            stream.defaultCollationIsByteOrder = byteOrder
            var all: [ClientSnapshot] = []
            try stream.forEach { all.append($0) }
            return all
        }
        let sorted = try snapshots(byteOrder: false)
        #expect(sorted.count == RunsTestDatabase.clientCount)
        #expect(sorted.first { $0.id == "C001" }?.recordedStage?.stage == .active)
        // The dev database (scripts/dev-db) is C.UTF-8; elsewhere the sorted path is all there is.
        if SnapshotTable.defaultCollationIsByteOrder(db.connection) {
            #expect(try snapshots(byteOrder: true) == sorted)
        }
    }

    @Test("shards partition the clients")
    func shardsPartition() throws {
        let db = try RunsTestDatabase()
        var seen: [String] = []
        for index in 0..<4 {
            try SnapshotStream(configuration: db.configuration, shard: Shard(index: index, count: 4), asOf: RunsTestDatabase.asOf)
                .forEach { seen.append($0.id) }
        }
        #expect(seen.count == RunsTestDatabase.clientCount)
        #expect(Set(seen).count == RunsTestDatabase.clientCount)
        #expect(throws: StoreError.self) { _ = try Shard(parsing: "4/4") }
        #expect(try Shard(parsing: "1/4") == Shard(index: 1, count: 4))
    }
}
