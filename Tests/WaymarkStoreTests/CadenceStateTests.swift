import Foundation
import Logging
import Postgres
import Testing
import WaymarkCore
@testable import WaymarkStore

/// Cadences through the database (issue 18 item 1): a client walks the new-parent cadence step
/// by step across real nightly runs and live answers, each finding the steps the other sent
/// done, a capped step waits and says so, and a purchase of the target ends it.
@Suite("Cadence states in the database", .serialized)
struct CadenceStateTests {
    static let catalog = """
        version: "cadence-db-1"
        contact_policy:
          caps: [{ channel: email, max: 1, window_days: 7 }]
          consent_exempt_channels: [advisor]
        items:
          - { id: msg-congrats, kind: message, title: Congratulations, template: "Congratulations, {{client_id}}", channels: [email] }
          - { id: task-call, kind: message, title: Call the new parents, template: "Call the new parents", channels: [advisor], when: "false" }
          - { id: offer-life, kind: offer, title: Life cover, category: life_cover, channels: [email], when: "false" }
          - { id: msg-checkin, kind: message, title: How are you doing, template: "How are you doing", channels: [email], when: "false" }
          - { id: msg-news, kind: message, title: Newsletter, template: "Newsletter", channels: [email], when: "false" }
        cadences:
          - id: new-parent
            title: New parents
            enter: event_within("child_born", 30)
            steps:
              - { item: msg-congrats, channel: email, delay_days: 0 }
              - { item: task-call, channel: advisor, delay_days: 7 }
              - { item: offer-life, channel: email, delay_days: 7 }
              - { item: msg-checkin, channel: email, delay_days: 14 }
            exit: { purchase: [life_cover], response: true }
        """

    static func d(_ n: Int) -> Timestamp { RunsTestDatabase.asOf.adding(days: n) }

    /// The state stored for P1: status, step, next due, reason.
    static func stored(_ db: RunsTestDatabase) throws -> (status: String, step: Int, nextDue: String, reason: String)? {
        let rows = try db.connection.execute("""
            SELECT status, step, to_char(next_due AT TIME ZONE 'UTC', 'YYYY-MM-DD'), reason FROM cadence_states
            WHERE client_id = 'P1' AND cadence_id = 'new-parent'
            """)
        guard let row = rows.first else { return nil }
        return (row[0] ?? "", try row.decode(Int.self, at: 1), row[2] ?? "", row[3] ?? "")
    }

    /// A presentation the CRM records (a step that went out, another e-mail).
    static func presented(_ db: RunsTestDatabase, _ id: String, item: String, channel: String, day: Int) throws {
        try db.connection.execute("""
            INSERT INTO responses (client_id, response_id, item_id, channel, presented_at, outcome)
            VALUES ('P1', $1, $2, $3, to_timestamp($4), 'presented')
            """, [.text(id), .text(item), .text(channel), .int(d(day).seconds)])
    }

    /// A night as of day `n`: the run's cadence rows for P1 (the steps that went out).
    static func night(_ db: RunsTestDatabase, _ n: Int) throws -> (summary: RunSummary, steps: [String]) {
        var options = db.options()
        options.asOf = d(n)
        let summary = try ScoringRun(configuration: db.configuration, options: options).run()
        let steps = try db.connection.execute("""
            SELECT item_id || ' ' || channel || ': ' || (explanation->>'cadence') FROM recommendations
            WHERE run_id = $1 AND client_id = 'P1' AND explanation ? 'cadence' ORDER BY rank
            """, [.int(summary.runID)]).map { $0[0] ?? "" }
        return (summary, steps)
    }

    @Test("a client walks the cadence across nightly runs and live answers, a capped step waits, a purchase ends it")
    func walk() throws {
        let db = try RunsTestDatabase()
        try db.connection.execute("INSERT INTO products (product_id, name, category, list_price) VALUES ('P-LIFE', 'Life cover', 'life_cover', 100)")
        try db.connection.execute("INSERT INTO clients (client_id, first_seen, consents) VALUES ('P1', timestamptz '2024-01-01', '{email}')")
        _ = try CatalogStore(connection: db.connection).save(Self.catalog, file: "cadence.yaml")
        try db.connection.execute("""
            INSERT INTO life_events (client_id, event_id, kind, occurred_at) VALUES ('P1', 'E1', 'child_born', to_timestamp($1))
            """, [.int(Self.d(0).seconds)])
        let live = LiveRecommender(connection: db.connection, context: LiveContext())

        // Night of day 2: P1 enters and step 1 goes out in the run's recommendations.
        let first = try Self.night(db, 2)
        #expect(first.steps == ["msg-congrats email: step 1 of 4 of the new-parent cadence, started today"])
        #expect(first.summary.cadenceSteps == 1 && first.summary.cadenceWaiting == 0)
        #expect(try Self.stored(db)?.step == 1 && Self.stored(db)?.nextDue == Self.d(9).isoDate)
        try Self.presented(db, "R1", item: "msg-congrats", channel: "email", day: 2)

        // Live on day 5: nothing due, nothing moves.
        #expect(try live.recommend(clientID: "P1", asOf: Self.d(5)).cadenceSteps.isEmpty)
        #expect(try Self.stored(db)?.step == 1)

        // Live on day 9: the advisor's call is due and goes out; the answer stores the move.
        let call = try live.recommend(clientID: "P1", asOf: Self.d(9))
        #expect(call.cadenceSteps.map(\.description) == ["step 2 of 4 of the new-parent cadence, started 7 days ago"])
        #expect(call.cadenceSteps.first?.item == "task-call" && call.cadenceSteps.first?.channel == "advisor")
        #expect(call.cadenceSteps.first?.waiting == nil && call.cadenceSteps.first?.text == "Call the new parents")
        #expect(try Self.stored(db)?.step == 2 && Self.stored(db)?.nextDue == Self.d(16).isoDate)
        try Self.presented(db, "R2", item: "task-call", channel: "advisor", day: 9)

        // The night of day 9 finds the step done: nothing goes out twice.
        #expect(try Self.night(db, 9).steps.isEmpty)
        #expect(try Self.stored(db)?.step == 2)

        // Another e-mail on day 12 fills the cap: on day 16 the offer waits, at night and live, and says why.
        try Self.presented(db, "R3", item: "msg-news", channel: "email", day: 12)
        let capped = try Self.night(db, 16)
        #expect(capped.steps.isEmpty && capped.summary.cadenceWaiting == 1)
        let waiting = try live.recommend(clientID: "P1", asOf: Self.d(16))
        #expect(waiting.cadenceSteps.first?.item == "offer-life")
        #expect(waiting.cadenceSteps.first?.waiting == "capped: 1 contacts on email in the last 7 days (cap 1)")
        #expect(waiting.cadenceSteps.first?.description.hasPrefix("step 3 of 4 of the new-parent cadence, started 14 days ago; waits: capped") == true)
        #expect(try Self.stored(db)?.step == 2)

        // Day 19, through the server's store (JSON-RPC and MCP): the cap has passed, the offer goes out.
        let store = LiveStore(configuration: db.configuration, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let offer = try store.recommend(clientID: "P1", asOf: Self.d(19), top: nil, channel: nil, explain: false)
        #expect(offer.cadenceSteps.map(\.item) == ["offer-life"] && offer.cadenceSteps.first?.waiting == nil)
        #expect(!offer.offers.contains { $0.item == "offer-life" })
        #expect(try Self.stored(db)?.step == 3 && Self.stored(db)?.nextDue == Self.d(33).isoDate)

        // A night replayed for an earlier day leaves the newer state alone.
        #expect(try Self.night(db, 16).steps.isEmpty)
        #expect(try Self.stored(db)?.step == 3)

        // P1 buys life cover on day 25: the night of day 26 ends the cadence; nothing more is due.
        try db.connection.execute("""
            INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount) VALUES ('P1', 'B1', 'P-LIFE', to_timestamp($1), 100)
            """, [.int(Self.d(25).seconds)])
        #expect(try Self.night(db, 26).steps.isEmpty)
        let end = try #require(try Self.stored(db))
        #expect(end.status == "exited" && end.reason == "bought life_cover on \(Self.d(25).isoDate)")
        #expect(try live.recommend(clientID: "P1", asOf: Self.d(33)).cadenceSteps.isEmpty)

        // The profile shows it, finished with its reason.
        let profile = try ProfileReader(connection: db.connection, context: LiveContext()).profile(clientID: "P1", asOf: Self.d(34))
        let entry = try #require(profile.cadences.first)
        #expect(entry.cadence == "new-parent" && entry.status == "exited" && entry.stepsSent == 3 && entry.steps == 4)
        #expect(entry.enteredAt == Self.d(2).isoDate && entry.endedAt == Self.d(26).isoDate && entry.reason == end.reason)
    }
}
