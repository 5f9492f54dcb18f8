import Foundation
import Postgres
import Testing
import WaymarkCore
@testable import WaymarkStore

/// Households in decisions through the database (issue 18 item 2): an account-level rule
/// (`account.owns_category`, `account.members`) and the household ownership check, for two
/// members of one household and a client without an account, live and in a nightly run.
@Suite("Accounts in decisions", .serialized)
struct AccountDecisionTests {
    static func catalog(version: String, householdOwnership: Bool) -> String {
        """
        version: "\(version)"
        settings:
          arbitration: { household_ownership: \(householdOwnership) }
        items:
          - { id: offer-home, kind: offer, title: Home insurance, category: home_insurance, channels: [email], value: 50 }
          - id: offer-family-fund
            kind: offer
            title: A fund for the whole family
            product: P-FUND
            channels: [email]
            value: 20
            when: account.owns_category("home_insurance") && account.members >= 2 && "partner" in account.roles
        """
    }

    static let asOf = RunsTestDatabase.asOf

    /// H1: A1 (head) bought home insurance; A2 (partner) bought nothing. S1 has no account.
    static func database() throws -> RunsTestDatabase {
        let db = try RunsTestDatabase()
        try db.connection.execute("""
            INSERT INTO products (product_id, name, category, list_price) VALUES
              ('P-HOME', 'Home insurance', 'home_insurance', 300), ('P-FUND', 'Family fund', 'funds', 100)
            """)
        try db.connection.execute("""
            INSERT INTO clients (client_id, first_seen, consents, account_id, role) VALUES
              ('A1', timestamptz '2024-01-01', '{email}', 'H1', 'head'),
              ('A2', timestamptz '2024-01-01', '{email}', 'H1', 'partner'),
              ('S1', timestamptz '2024-01-01', '{email}', NULL, NULL)
            """)
        try db.connection.execute("""
            INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount) VALUES
              ('A1', 'H-1', 'P-HOME', timestamptz '2025-03-01', 300),
              ('A1', 'H-2', 'P-HOME', timestamptz '2025-09-01', 300)
            """)
        return db
    }

    static func answer(_ db: RunsTestDatabase, _ client: String) throws -> LiveRecommendations {
        try LiveRecommender(connection: db.connection, context: LiveContext())
            .recommend(clientID: client, asOf: asOf, explain: true)
    }

    static func whyNot(_ answer: LiveRecommendations, _ item: String) -> String? {
        answer.notRecommended?.first { $0.item == item }.map { "\($0.check): \($0.reason)" }
    }

    @Test("an account rule and the household ownership check, live and at night")
    func household() throws {
        let db = try Self.database()
        _ = try CatalogStore(connection: db.connection).save(Self.catalog(version: "acct-1", householdOwnership: true), file: "acct.yaml")

        // A2 owns nothing, but the household does: the family fund is offered, home insurance is not.
        let partner = try Self.answer(db, "A2")
        #expect(partner.offers.map(\.item) == ["offer-family-fund"])
        #expect(Self.whyNot(partner, "offer-home") == "ownership: the household already owns a product of category 'home_insurance' (member A1)")

        // A1 owns it himself; the account rule holds for him too.
        let head = try Self.answer(db, "A1")
        #expect(head.offers.map(\.item) == ["offer-family-fund"])
        #expect(Self.whyNot(head, "offer-home") == "ownership: already owns a product of category 'home_insurance'")

        // A client without an account: an account of one, owning nothing.
        let single = try Self.answer(db, "S1")
        #expect(single.offers.map(\.item) == ["offer-home"])
        #expect(Self.whyNot(single, "offer-family-fund")?.hasPrefix("rule: ") == true)

        // The nightly run reads the same through its stream.
        var options = db.options()
        options.asOf = Self.asOf
        let run = try ScoringRun(configuration: db.configuration, options: options).run()
        let offered = try db.connection.execute("""
            SELECT client_id || ' ' || item_id FROM recommendations
            WHERE run_id = $1 AND client_id IN ('A1', 'A2', 'S1') ORDER BY client_id, rank
            """, [.int(run.runID)]).map { $0[0] ?? "" }
        #expect(offered == ["A1 offer-family-fund", "A2 offer-family-fund", "S1 offer-home"])

    }

    static let cappedCatalog = """
        version: "acct-cap"
        contact_policy:
          caps: [{ channel: email, max: 1, window_days: 7, per: account }]
        items:
          - { id: offer-fund, kind: offer, title: Fund, product: P-FUND, channels: [email], value: 20 }
        """

    @Test("a cap per account counts the presentations to every member")
    func capPerAccount() throws {
        let db = try Self.database()
        _ = try CatalogStore(connection: db.connection).save(Self.cappedCatalog, file: "cap.yaml")
        // A1 got an e-mail two days ago: the household's e-mail is capped for A2 too; S1 is not.
        try db.connection.execute("""
            INSERT INTO responses (client_id, response_id, item_id, channel, presented_at, outcome)
            VALUES ('A1', 'R1', 'offer-fund', 'email', to_timestamp($1), 'presented')
            """, [.int(Self.asOf.adding(days: -2).seconds)])
        let partner = try Self.answer(db, "A2")
        #expect(partner.offers.isEmpty)
        #expect(Self.whyNot(partner, "offer-fund")?.hasPrefix("contact_policy: ") == true)
        #expect(Self.whyNot(partner, "offer-fund")?.contains("1 contacts to the account on email in the last 7 days (cap 1)") == true)
        #expect(try Self.answer(db, "S1").offers.map(\.item) == ["offer-fund"])

        var options = db.options()
        options.asOf = Self.asOf
        let run = try ScoringRun(configuration: db.configuration, options: options).run()
        let offered = try db.connection.execute("""
            SELECT client_id FROM recommendations WHERE run_id = $1 AND client_id IN ('A1', 'A2', 'S1') ORDER BY client_id
            """, [.int(run.runID)]).map { $0[0] ?? "" }
        #expect(offered == ["S1"])

        // Six days later the presentation is eight days old, out of the window; a cap per client does not hold at all.
        #expect(try LiveRecommender(connection: db.connection, context: LiveContext())
            .recommend(clientID: "A2", asOf: Self.asOf.adding(days: 6)).offers.map(\.item) == ["offer-fund"])
        _ = try CatalogStore(connection: db.connection).save(Self.cappedCatalog.replacingOccurrences(of: "per: account", with: "per: client")
            .replacingOccurrences(of: "acct-cap", with: "acct-cap-2"), file: "cap.yaml")
        #expect(try Self.answer(db, "A2").offers.map(\.item) == ["offer-fund"])
    }

    @Test("the live read and the nightly stream carry the same account members; facts count up to as_of")
    func accountFacts() throws {
        let db = try Self.database()
        // A1's stages as the runs recorded them: loyal before as_of, lapsed after it.
        try db.connection.execute("""
            INSERT INTO stage_history (client_id, changed_at, stage, previous, reason) VALUES
              ('A1', timestamptz '2025-04-01', 'loyal', 'active', 'test'), ('A1', timestamptz '2025-12-01', 'lapsed', 'loyal', 'test')
            """)
        let live = try #require(try SnapshotLoader(connection: db.connection).load(clientID: "A2", asOf: Self.asOf))
        #expect(live.accountMembers.map(\.id) == ["A1"] && live.accountMembers.first?.role == "head")
        #expect(live.accountMembers.first?.purchases.count == 2 && live.accountMembers.first?.presentations == [])
        #expect(live.accountMembers.first?.stages.count == 2)
        var streamed: [String: ClientSnapshot] = [:]
        try SnapshotStream(configuration: db.configuration, shard: .all, asOf: Self.asOf).forEach { streamed[$0.id] = $0 }
        #expect(streamed["A2"]?.accountMembers == live.accountMembers)
        #expect(streamed["A1"]?.accountMembers.map(\.id) == ["A2"] && streamed["A1"]?.accountMembers.first?.purchases == [])
        #expect(streamed["S1"]?.accountMembers == [])

        // A1's second purchase is after as_of: one policy of 300 counts.
        let facts = ClientFacts(snapshot: live, asOf: Self.asOf)
        #expect(facts.value(of: .accountMembers) == .int(2))
        #expect(facts.value(of: .accountRoles) == .list([.string("head"), .string("partner")]))
        #expect(facts.value(of: .accountTotalSpend) == .double(300))
        #expect(facts.value(of: .accountStages) == .list([.string("loyal"), .string("prospect")]))
        #expect(streamed["A2"].map { ClientFacts(snapshot: $0, asOf: Self.asOf).value(of: .accountStages) } == .list([.string("loyal"), .string("prospect")]))
        #expect(facts.value(of: .accountOwnedCategories) == .list([.string("home_insurance")]))
        #expect(facts.accountOwnsCategory("home_insurance") && !facts.ownsCategory("home_insurance"))
        let single = ClientFacts(snapshot: try #require(streamed["S1"]), asOf: Self.asOf)
        #expect(single.value(of: .accountMembers) == .int(1) && single.value(of: .accountTotalSpend) == .double(0))

        // The decision's input hash covers the other members (a client without one keeps its parts).
        let inputs = DecisionInputs(snapshot: live, asOf: Self.asOf)
        #expect(inputs.parts.map(\.name) == DecisionInputs.partNames && inputs.parts.last?.rows == 3)
        #expect(DecisionInputs(snapshot: try #require(streamed["S1"]), asOf: Self.asOf).parts.map(\.name) == Array(DecisionInputs.partNames.dropLast()))
        var bought = live
        bought.accountMembers[0].purchases.append(Purchase(productID: "P-FUND", category: "funds", at: Self.asOf.adding(days: -1), amountCents: 10_000))
        let after = DecisionInputs(snapshot: bought, asOf: Self.asOf)
        #expect(after.hash != inputs.hash)
        #expect(after.changes(since: inputs) == ["account: 3 rows at the decision, 4 now (+1, dated on or before the decision's as_of)"])
    }

    @Test("without household_ownership a member is offered what the household owns")
    func settingOff() throws {
        let db = try Self.database()
        _ = try CatalogStore(connection: db.connection).save(Self.catalog(version: "acct-2", householdOwnership: false), file: "acct.yaml")
        let partner = try Self.answer(db, "A2")
        #expect(partner.offers.map(\.item).sorted() == ["offer-family-fund", "offer-home"])
    }
}
