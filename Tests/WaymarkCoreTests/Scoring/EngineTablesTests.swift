import Testing
@testable import WaymarkCore

/// The engine's precomputed tables (affinity over interned categories, ranks of the ids) must
/// give exactly what the models and the plain comparisons give.
@Suite struct EngineTablesTests {
    static func model() -> AffinityModel {
        var acc = AffinityModel.Accumulator()
        for _ in 0..<300 { acc.add(categories: ["savings", "investment", "pension"]) }
        for _ in 0..<120 { acc.add(categories: ["pension", "estate_planning"]) }
        for _ in 0..<40 { acc.add(categories: ["investment", "savings", "life_cover"]) }
        acc.add(categories: ["rare", "wills"])
        return acc.finish()
    }

    @Test func affinityTableGivesTheModelsLiftsToTheLastBit() {
        let model = Self.model()
        // Targets: known categories, one only ever a source ("rare"), one unknown to the model,
        // and a duplicate.
        let targets = ["investment", "pension", "estate_planning", "life_cover", "wills", "rare", "mortgage", "savings", "pension"]
        let table = AffinityModel.Table(model, targets: targets)
        let recents: [[String]] = [
            [], ["savings"], ["pension"], ["pension", "savings"], ["savings", "investment", "pension"],
            ["investment", "savings"], ["estate_planning"], ["rare"], ["unknown"], ["mortgage", "unknown", "savings"],
            ["wills", "rare", "life_cover"], ["savings", "savings"],
        ]
        var compared = 0
        for target in targets {
            guard let index = table.target(target) else {
                Issue.record("no index for the target \(target)")
                continue
            }
            for recent in recents {
                let indices = recent.map { table.index(of: $0) }
                let lift = indices.withUnsafeBufferPointer { table.lift(of: index, after: $0) }
                #expect(lift == model.lift(of: target, after: recent), "\(target) after \(recent)")
                compared += 1
            }
        }
        #expect(compared == targets.count * recents.count)
        #expect(table.target("not-a-target") == nil)
        #expect(table.index(of: "unknown") == -1)
    }

    /// Thousands of categories: the table holds the transitions the model has (not targets ×
    /// sources) and still gives the model's lifts to the last bit, and an engine over a catalog of
    /// 5,000 category offers scores a client with them.
    @Test func affinityTableOfThousandsOfCategories() throws {
        let categories = (0..<5_000).map { "c\($0)" }
        var random = SeededGenerator(seed: 3)
        var accumulator = AffinityModel.Accumulator()
        for _ in 0..<4_000 {
            // Sequences with a structure: each category leads mostly to a few neighbours.
            var c = Int(random.next() % 5_000)
            var sequence: [String] = []
            for _ in 0..<(2 + Int(random.next() % 8)) {
                sequence.append(categories[c])
                c = (c + 1 + Int(random.next() % 3)) % 5_000
            }
            accumulator.add(categories: sequence)
        }
        // As the nightly fitter fits it above 64 categories: transitions, no owned sets.
        var model = accumulator.finish()
        model.nextAfterOwned = [:]
        model.ownedTotals = [:]
        let table = AffinityModel.Table(model, targets: categories)
        for _ in 0..<3_000 {
            let target = categories[Int(random.next() % 5_000)]
            let recent = (0..<(1 + Int(random.next() % 3))).map { _ in categories[Int(random.next() % 5_000)] }
            let index = try #require(table.target(target))
            let lift = recent.map { table.index(of: $0) }.withUnsafeBufferPointer { table.lift(of: index, after: $0) }
            #expect(lift == model.lift(of: target, after: recent), "\(target) after \(recent)")
        }
        // A neighbour is lifted after its source, far above a category it never follows.
        let after = [table.index(of: "c100")]
        let next = after.withUnsafeBufferPointer { table.lift(of: table.target("c101")!, after: $0) }
        let unrelated = after.withUnsafeBufferPointer { table.lift(of: table.target("c2600")!, after: $0) }
        #expect(next > 2 && unrelated < 1)

        var yaml = "version: thousands\nitems:\n"
        for category in categories {
            yaml += "  - { id: o-\(category), kind: offer, title: \(category), category: \(category), channels: [email], repeatable: true }\n"
        }
        let catalog = try CatalogLoader.load(yaml, file: "thousands.yaml")
        let engine = Engine(catalog: catalog, models: FittedModels(affinity: model))
        let client = Fixture.client("T", purchases: [Purchase(productID: "p", category: "c100", at: Fixture.day(-3), amountCents: 100)])
        let offers = engine.recommend(for: client, asOf: Fixture.asOf, options: RecommendOptions(maxOffers: 3)).offers
        #expect(offers.count == 3)
        #expect(offers.contains { ["o-c101", "o-c102", "o-c103"].contains($0.itemID) })
    }

    @Test func affinityTableComparesCategoriesAsStringsDo() {
        // The same category, precomposed and decomposed: equal as Swift strings, different bytes.
        let composed = "\u{E9}pargne"
        let decomposed = "e\u{301}pargne"
        #expect(composed == decomposed)
        var acc = AffinityModel.Accumulator()
        for _ in 0..<50 { acc.add(categories: [decomposed, "investment", "pension"]) }
        for _ in 0..<30 { acc.add(categories: ["pension", composed]) }
        let model = acc.finish()
        let table = AffinityModel.Table(model, targets: [composed, "investment", "pension"])
        for target in [composed, "investment", "pension"] {
            for recent in [[decomposed], [composed, "pension"], ["pension", decomposed, "investment"], [decomposed, composed]] {
                let index = table.target(target) ?? -1
                let lift = recent.map { table.index(of: $0) }.withUnsafeBufferPointer { table.lift(of: index, after: $0) }
                #expect(lift == model.lift(of: target, after: recent), "\(target) after \(recent)")
            }
        }
    }

    @Test func affinityTableOfAnEmptyModelIsNeutral() {
        let table = AffinityModel.Table(AffinityModel(), targets: ["savings"])
        let index = table.index(of: "savings")
        let lift = [index].withUnsafeBufferPointer { table.lift(of: 0, after: $0) }
        #expect(lift == 1)
    }

    @Test func recommendedOffersCarryTheModelsAffinity() throws {
        let catalog = try EngineScoringTests.catalog("""
          - { id: o-invest, kind: offer, title: I, category: investment, channels: [email], value: 100 }
          - { id: o-pension, kind: offer, title: P, category: pension, channels: [email], value: 100 }
          - { id: o-estate, kind: offer, title: E, category: estate_planning, channels: [email], value: 100 }
          - { id: o-fund, kind: offer, title: F, product: fund-growth, channels: [email], value: 100 }
          - { id: m-hello, kind: message, title: M, channels: [email], template: "hello", value: 5 }
        """, settings: "settings: { arbitration: { top_offers: 4, max_messages: 1, max_per_category: 0 } }")
        let model = Self.model()
        let engine = Engine(catalog: catalog, models: FittedModels(affinity: model), products: Fixture.advisorProducts)
        let client = Fixture.client("A", consents: [.email], purchases: [
            Fixture.purchase("sav-easy", -300), Fixture.purchase("pension-plan", -200), Fixture.purchase("sav-easy", -100),
        ])
        let facts = engine.facts(for: client, asOf: Fixture.asOf)
        #expect(!facts.lastCategories.isEmpty)
        let result = engine.recommend(facts: facts)
        // o-pension is dropped: the client owns a pension.
        #expect(Set(result.offers.map(\.itemID)) == ["o-invest", "o-estate", "o-fund"])
        for offer in result.offers {
            let category = try #require(catalog.items.first { $0.id == offer.itemID }.flatMap { $0.category ?? Fixture.category(of: $0.product ?? "") })
            #expect(offer.explanation.factors.affinityLift == model.lift(of: category, after: facts.lastCategories, owning: facts.ownedCategories),
                    "\(offer.itemID)")
        }
        // Messages get no affinity lift.
        #expect(result.messages.map(\.explanation.factors.affinityLift) == [1])
    }

    @Test func priorityTiesAreBrokenByIdWhateverTheCatalogOrder() throws {
        // Equal priorities: the ids decide, ascending, not the catalog's order.
        let catalog = try EngineScoringTests.catalog("""
          - { id: o-c, kind: offer, title: C, category: savings, channels: [email], value: 10 }
          - { id: o-a, kind: offer, title: A, category: pension, channels: [email], value: 10 }
          - { id: o-b, kind: offer, title: B, category: mortgage, channels: [email], value: 10 }
          - { id: o-aa, kind: offer, title: AA, category: insurance, channels: [email], value: 10 }
        """, settings: "settings: { arbitration: { top_offers: 3 } }")
        let result = Engine(catalog: catalog, products: Fixture.advisorProducts)
            .recommend(for: Fixture.client("T", consents: [.email]), asOf: Fixture.asOf, options: RecommendOptions(explainRejections: true))
        #expect(result.offers.map(\.itemID) == ["o-a", "o-aa", "o-b"])
        #expect(result.notRecommended.map(\.itemID) == ["o-c"])
        #expect(result.notRecommended.first?.reason == "ranked out (top 3 offers): priority 0.5 < last selected 0.5 (o-b)")
    }
}
