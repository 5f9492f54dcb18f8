import Testing
@testable import WaymarkCore

/// The engine evaluates each distinct top-level clause once per client and shares the answer
/// between the rules that have it (``RuleClauses/passes(_:_:memo:)``): the verdicts must be
/// the rules' own, whatever the clauses' order, sharing and short-circuits.
@Suite struct RuleClauseSharingTests {
    static let rules = [
        #"stage != "prospect" && p_alive >= 0.2 && (age == null || age >= 30)"#,
        #"(age == null || age >= 30) && stage != "prospect""#,
        #"p_alive >= 0.2 && owns_category("savings") && total_spend >= 500"#,
        #"stage   !=   "prospect" && !owns_category("savings")"#,
        #"owns_category("savings") || stage == "prospect""#,
        #"total_spend >= 500 && (age == null || age >= 30) && interactions_within("any", 90) >= 1"#,
        #"segment == "mass  x" && stage != "prospect""#,
        #"segment == "mass x" && stage != "prospect""#,
        #"true && stage != "prospect""#,
    ]

    static func catalog() throws -> Catalog {
        let items = rules.enumerated().map { k, rule in
            "  - { id: offer-\(k), kind: offer, title: Offer \(k), category: c\(k), channels: [email], repeatable: true, when: '\(rule)' }"
        }.joined(separator: "\n")
        return try CatalogLoader.load("version: shared-clauses\nitems:\n\(items)\n", file: "t.yaml")
    }

    static func clients() -> [ClientSnapshot] {
        [
            Fixture.client("prospect", age: 25),
            Fixture.client("young-saver", age: 22, purchases: [Fixture.purchase("sav-easy", -30, amount: 800)]),
            Fixture.client("old-saver", age: 61, purchases: [Fixture.purchase("sav-easy", -400, amount: 300), Fixture.purchase("sav-easy", -20, amount: 300)],
                           interactions: [Interaction(channel: .web, kind: "visit", at: Fixture.day(-5))]),
            Fixture.client("no-age", age: nil, purchases: [Fixture.purchase("fund-index", -900, amount: 2_000)]),
            Fixture.client("lapsed", age: 45, purchases: [Fixture.purchase("sav-easy", -1_500, amount: 50)]),
        ]
    }

    @Test func sharedClausesGiveEachRuleItsOwnVerdict() throws {
        let catalog = try Self.catalog()
        let engine = Engine(catalog: catalog, products: Fixture.advisorProducts)
        // Nine rules of 20 clauses, 11 distinct (12 if `true && …` keeps its constant clause):
        // whitespace outside strings does not make a new clause, inside a string it does.
        #expect(engine.distinctRules == 9)
        #expect(catalog.items.compactMap { $0.when?.compiled.clauses.count }.reduce(0, +) >= 19)
        #expect((11...12).contains(engine.clauses.count))
        var verdicts = Set<Bool>()
        for client in Self.clients() {
            let facts = engine.facts(for: client, asOf: Fixture.asOf)
            let set = engine.recommend(facts: facts, options: RecommendOptions(explainRejections: true, maxOffers: 20))
            let ruledOut = Set(set.notRecommended.filter { $0.check == .rule }.map(\.itemID))
            for item in catalog.items {
                let holds = try #require(item.when).compiled.evaluate(facts)
                verdicts.insert(holds)
                #expect(ruledOut.contains(item.id) == !holds, "\(client.profile.id): \(item.id) (\(item.when!.explain))")
            }
        }
        // Both verdicts occur, so the comparison above can fail either way.
        #expect(verdicts == [true, false])
    }

    /// A caller's limit larger than the catalog gives every eligible item; the largest possible
    /// one once overflowed `k + 2` and trapped (`waymark score --top 9223372036854775807`).
    @Test func hugeLimitsGiveEveryEligibleItem() throws {
        let engine = Engine(catalog: try Self.catalog(), products: Fixture.advisorProducts)
        let client = Self.clients()[2]
        let all = engine.recommend(for: client, asOf: Fixture.asOf, options: RecommendOptions(maxOffers: 20, maxMessages: 20))
        #expect(all.offers.count > 3)
        for limit in [Int.max, Int.max - 1, 1 << 62] {
            for explain in [false, true] {
                let set = engine.recommend(for: client, asOf: Fixture.asOf,
                                           options: RecommendOptions(explainRejections: explain, maxOffers: limit, maxMessages: limit))
                #expect(set.offers.map(\.itemID) == all.offers.map(\.itemID))
            }
        }
    }
}
