import Foundation
import Postgres
import Testing
import WaymarkCore
@testable import WaymarkStore

@Suite("Runs: model fitting")
struct RunsModelFitterTests {
    @Test("acceptance counts use the stage recorded when presented and the outcome as known at as_of")
    func acceptanceAsKnownAtAsOf() throws {
        let db = try RunsTestDatabase()
        try db.connection.execute("""
            INSERT INTO stage_history (client_id, changed_at, stage, previous, reason) VALUES
              ('C001', '2024-05-01Z', 'onboarding', NULL, 'test'),
              ('C001', '2024-09-01Z', 'active', 'onboarding', 'test')
            """)
        try db.connection.execute("""
            INSERT INTO responses (client_id, response_id, item_id, channel, presented_at, outcome, responded_at) VALUES
              ('C001', 'R1', 'fit-item', 'web', '2024-06-01Z', 'accepted', '2024-06-02Z'),  -- onboarding: success
              ('C001', 'R2', 'fit-item', 'web', '2024-10-01Z', 'declined', '2024-10-02Z'),  -- active: failure
              ('C001', 'R3', 'fit-item', 'web', '2024-09-01Z', 'accepted', '2024-09-02Z'),  -- active from that very moment: success
              ('C001', 'R4', 'fit-item', 'web', '2025-01-01Z', 'accepted', '2025-07-01Z'),  -- answered after as_of: unanswered > 30 days, failure
              ('C001', 'R5', 'fit-item', 'web', '2025-05-20Z', 'accepted', '2025-07-01Z'),  -- answered after as_of, < 30 days: not counted
              ('C001', 'R6', 'fit-item', 'web', '2025-07-01Z', 'accepted', '2025-07-02Z'),  -- presented after as_of: not counted
              ('C002', 'R7', 'fit-item', 'web', '2025-01-01Z', 'declined', '2025-01-02Z'),  -- no recorded stage: prospect, failure
              ('C002', 'R8', 'fit-item', 'web', '2024-12-01Z', 'opened', NULL),             -- opened, > 30 days: failure
              ('C002', 'R9', 'fit-item', 'web', '2025-05-01T12:00Z', 'presented', NULL),    -- 30.5 days: failure
              ('C002', 'R10', 'fit-item', 'web', '2025-05-02Z', 'presented', NULL)          -- exactly 30 days: not yet
            """)
        let models = try ModelFitter(connection: db.connection).fit(asOf: RunsTestDatabase.asOf)
        let counts = Dictionary(uniqueKeysWithValues: models.acceptance.filter { $0.item == "fit-item" }
            .map { ($0.stage, [$0.successes, $0.failures]) })
        #expect(counts == ["onboarding": [1, 0], "active": [1, 2], "prospect": [0, 3]])
        // The engine's own accumulator draws the line at the same second.
        var accumulator = AcceptanceStatistics.Accumulator()
        accumulator.add(responses: [
            Response(itemID: "fit-item", channel: .web, presentedAt: Timestamp(year: 2025, month: 5, day: 1, hour: 12), outcome: .presented),
            Response(itemID: "fit-item", channel: .web, presentedAt: Timestamp(year: 2025, month: 5, day: 2), outcome: .presented),
        ], asOf: RunsTestDatabase.asOf, stage: { _ in .prospect })
        let swiftCounts = accumulator.finish().counts[.init(itemID: "fit-item", stage: .prospect)]
        #expect(swiftCounts?.successes == 0 && swiftCounts?.failures == 1)
        // The session's work_mem is restored after the fit.
        #expect(try db.connection.execute("SELECT current_setting('work_mem')").scalar(String.self) != "128MB")
    }

    @Test("lifetime, spend and RFM models come from one pass and match the per-client figures")
    func summariesAndQuantiles() throws {
        let db = try RunsTestDatabase()
        let models = try ModelFitter(connection: db.connection).fit(asOf: RunsTestDatabase.asOf)
        let buyers = try db.connection.execute("SELECT count(DISTINCT client_id) FROM purchases").scalar(Int.self)
        #expect(models.lifetime?.clients == buyers)
        #expect(models.rfm.frequency.count == 4)
        let frequencies = try db.connection.execute("""
            SELECT percentile_disc(ARRAY[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY n)::text
            FROM (SELECT count(*)::float8 AS n FROM purchases GROUP BY client_id) s
            """).scalar(String.self)
        #expect(frequencies == "{" + models.rfm.frequency.map { String(Int($0)) }.joined(separator: ",") + "}")
        #expect(models.rfm.recencyDays.count == 4 && models.rfm.monetary.count == 4)
        #expect(models.rfm.monetary == models.rfm.monetary.sorted())
    }

    @Test("purchases by owned set: every purchase after the first, repeats included, up to as_of only, as the engine's accumulator counts them")
    func ownedSetsMatchTheAccumulator() throws {
        let db = try RunsTestDatabase()
        // Two purchases in the same second: ordered by product id, as the transitions are.
        try db.connection.execute("""
            INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount) VALUES
              ('C001', 'S1', 'P-MORE', '2024-05-01Z', 10), ('C001', 'S2', 'P-EXTRA', '2024-05-01Z', 10)
            """)
        for asOf in [RunsTestDatabase.asOf, Timestamp(year: 2024, month: 10, day: 1)] {
            let models = try ModelFitter(connection: db.connection).fit(asOf: asOf)
            let rows = try db.connection.execute("""
                SELECT p.client_id, pr.category, extract(epoch FROM p.purchased_at)::bigint, p.product_id
                FROM purchases p JOIN products pr USING (product_id) ORDER BY 1
                """)
            var byClient: [String: [Purchase]] = [:]
            for row in rows {
                byClient[try row.decode(String.self, at: 0), default: []].append(
                    Purchase(productID: try row.decode(String.self, at: 3), category: try row.decode(String.self, at: 1),
                             at: Timestamp(seconds: try row.decode(Int64.self, at: 2)), amountCents: 100))
            }
            var acc = AffinityModel.Accumulator()
            for purchases in byClient.values { acc.add(purchases: purchases, asOf: asOf) }
            let expected = acc.finish()
            let sets = try #require(models.affinity.ownedSets)
            #expect(!sets.isEmpty)
            #expect(sets.map(\.owned) == sets.map(\.owned).sorted { $0.lexicographicallyPrecedes($1) })
            #expect(Dictionary(uniqueKeysWithValues: sets.map { ($0.owned, $0.next) }) == expected.nextAfterOwned, "as of \(asOf)")
            #expect(models.affinity.transitions == expected.transitions, "as of \(asOf)")
            if asOf == RunsTestDatabase.asOf {
                // A repeat is counted: starter, more, extra, then more again.
                #expect(sets.contains { $0.owned == ["extra", "more", "starter"] && ($0.next["more"] ?? 0) > 0 })
            }
            #expect(models.affinity.ownedSmoothing == AffinityModel().ownedSmoothing)
        }
    }
}
