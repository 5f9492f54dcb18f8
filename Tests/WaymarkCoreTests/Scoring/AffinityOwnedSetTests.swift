import Testing
@testable import WaymarkCore

/// The owned-set part of the affinity: what clients owning the same categories bought next,
/// backed off to the newest-category model.
@Suite struct AffinityOwnedSetTests {
    /// Two ladders that meet at `investment`: savings → investment → pension and
    /// insurance → investment → mortgage. After `investment` the newest category cannot tell
    /// them apart; the owned set can.
    static func ladders() -> AffinityModel {
        var acc = AffinityModel.Accumulator()
        for _ in 0..<200 { acc.add(categories: ["savings", "investment", "pension"]) }
        for _ in 0..<200 { acc.add(categories: ["insurance", "investment", "mortgage"]) }
        return acc.finish()
    }

    @Test func everyPurchaseAfterTheFirstIsCountedByTheSetOwnedBeforeItRepeatsIncluded() {
        var acc = AffinityModel.Accumulator()
        acc.add(categories: ["savings", "savings", "investment", "savings", "pension"])
        acc.add(categories: ["pension"]) // a single purchase: nothing owned before it
        var other = AffinityModel.Accumulator()
        other.add(categories: ["savings", "investment"])
        acc.merge(other)
        let model = acc.finish()
        #expect(model.nextAfterOwned == [
            ["savings"]: ["savings": 1, "investment": 2],
            ["investment", "savings"]: ["savings": 1, "pension": 1],
        ])
        #expect(model.ownedTotals == [["savings"]: 3, ["investment", "savings"]: 2])
        // The transitions still skip a repeat of the previous category.
        #expect(model.total == 4)
        #expect(AffinityModel.ownedKey(["savings", "investment", "savings"]) == ["investment", "savings"])
    }

    @Test func theOwnedSetSeparatesLaddersTheNewestCategoryCannot() {
        let model = Self.ladders()
        let recent = ["investment", "savings"]
        // Newest category alone: pension and mortgage follow investment equally often.
        #expect(model.lift(of: "pension", after: recent) == model.lift(of: "mortgage", after: recent))
        // Owning savings and investment: pension, far ahead of mortgage.
        let pension = model.lift(of: "pension", after: recent, owning: ["savings", "investment"])
        let mortgage = model.lift(of: "mortgage", after: recent, owning: ["savings", "investment"])
        #expect(pension > 1.9 * model.lift(of: "pension", after: recent))
        #expect(mortgage < model.lift(of: "mortgage", after: recent) / 5)
        #expect(mortgage == model.minLift) // clamped
        // The mirror image for the insurance ladder (the order of `owning` does not matter).
        #expect(model.lift(of: "mortgage", after: ["investment", "insurance"], owning: ["investment", "insurance"]) == pension)
    }

    @Test func theSetsCountsAreBackedOffToTheNewestCategoryModel() {
        let model = Self.ladders()
        let recent = ["investment", "savings"]
        let share = model.nextPurchaseShare("pension")
        let newest = model.lift(of: "pension", after: recent) * share
        // 200 purchases after {investment, savings}, all pension; k_S = 10 pseudo-purchases.
        let expected = (200 + model.ownedSmoothing * newest) / (200 + model.ownedSmoothing) / share
        #expect(abs(model.lift(of: "pension", after: recent, owning: ["savings", "investment"]) - expected) < 1e-12)
        // An owned set nobody was seen with: the newest-category model, exactly.
        for owned in [["savings", "investment", "wills"], ["unknown"], ["investment"]] where model.ownedTotals[AffinityModel.ownedKey(owned)] == nil {
            for category in ["pension", "mortgage", "investment", "savings"] {
                #expect(model.lift(of: category, after: recent, owning: owned) == model.lift(of: category, after: recent), "\(category) owning \(owned)")
            }
        }
    }

    @Test func aProspectKeepsAnAffinityOfOne() {
        let model = Self.ladders()
        #expect(model.lift(of: "savings", after: [String](), owning: [String]()) == 1)
        #expect(model.lift(of: "savings", after: [String](), owning: ["savings"]) == 1)
        // Without any transition (a model from before the owned sets, or an empty one): 1.
        #expect(AffinityModel().lift(of: "savings", after: ["pension"], owning: ["pension"]) == 1)
    }

    @Test func theTableGivesTheModelsOwnedSetLiftsToTheLastBit() {
        var acc = AffinityModel.Accumulator()
        for _ in 0..<150 { acc.add(categories: ["savings", "investment", "pension", "savings"]) }
        for _ in 0..<90 { acc.add(categories: ["insurance", "investment", "mortgage", "life_cover"]) }
        for _ in 0..<7 { acc.add(categories: ["investment", "savings", "investment", "wills"]) }
        acc.add(categories: ["rare", "estate_planning"])
        // Owned, but never a transition's source (only ever bought again): a column of its own.
        for _ in 0..<5 { acc.add(categories: ["only_again", "only_again"]) }
        let model = acc.finish()
        #expect(model.transitions["only_again"] == nil && model.nextAfterOwned[["only_again"]] != nil)
        let targets = ["savings", "investment", "pension", "mortgage", "life_cover", "wills", "estate_planning", "insurance", "rare", "tax_planning", "only_again"]
        let table = AffinityModel.Table(model, targets: targets)
        let clients: [(recent: [String], owned: [String])] = [
            (["investment", "savings"], ["savings", "investment"]),
            (["pension", "investment", "savings"], ["investment", "pension", "savings"]),
            (["savings", "pension", "investment"], ["savings", "investment", "pension"]),
            (["mortgage", "investment"], ["insurance", "investment", "mortgage"]),
            (["investment", "insurance"], ["insurance", "investment"]),
            (["savings"], ["savings"]),
            (["rare"], ["rare"]),
            (["investment"], ["investment"]),
            (["wills", "investment", "savings"], ["wills", "investment", "savings"]), // unseen set
            (["savings"], ["savings", "unknown"]),                                      // unknown category
            (["tax_planning"], ["tax_planning"]),
            (["only_again"], ["only_again"]),
            (["only_again", "savings"], ["only_again", "savings"]),
            (["savings", "only_again"], ["only_again", "savings"]),
        ]
        var compared = 0
        for target in targets {
            guard let index = table.target(target) else {
                Issue.record("no index for the target \(target)")
                continue
            }
            for client in clients {
                let row = table.ownedRow(of: client.owned)
                let lift = client.recent.map { table.index(of: $0) }.withUnsafeBufferPointer { table.lift(of: index, after: $0, owned: row) }
                #expect(lift == model.lift(of: target, after: client.recent, owning: client.owned), "\(target) after \(client)")
                compared += 1
            }
        }
        #expect(compared == targets.count * clients.count)
        #expect(table.ownedRow(of: ["savings", "investment"]) >= 0)
        #expect(table.ownedRow(of: ["investment", "savings", "savings"]) == table.ownedRow(of: ["savings", "investment"]))
        #expect(table.ownedRow(of: ["wills", "investment", "savings"]) == -1)
        #expect(table.ownedRow(of: ["savings", "unknown"]) == -1)
    }

    @Test func theTableFindsAClientsOwnedSetInTheFactsAsFromTheNames() throws {
        let model = Self.ladders()
        let table = AffinityModel.Table(model, targets: ["pension", "mortgage"])
        let catalog = try EngineScoringTests.catalog("  - { id: o-pension, kind: offer, title: P, category: pension, channels: [email], value: 100 }")
        let engine = Engine(catalog: catalog, products: Fixture.advisorProducts)
        let purchases: [[String]] = [
            ["sav-easy", "fund-growth"], ["fund-growth", "sav-easy", "sav-easy"], ["sav-easy"], ["fund-growth"],
            ["sav-easy", "fund-growth", "pension-plan"], ["life-term"], [],
        ]
        var seen = 0
        for (n, products) in purchases.enumerated() {
            let client = Fixture.client("C\(n)", purchases: products.enumerated().map { Fixture.purchase($0.element, -300 + 10 * $0.offset) })
            let facts = engine.facts(for: client, asOf: Fixture.asOf)
            let row = table.ownedRow(of: facts)
            #expect(row == table.ownedRow(of: facts.ownedCategories), "\(products)")
            if row >= 0 { seen += 1 }
        }
        #expect(seen == 3) // {savings, investment} twice, {savings} once
    }

    @Test func recommendationsUseTheClientsOwnedCategories() throws {
        let catalog = try EngineScoringTests.catalog("""
          - { id: o-pension, kind: offer, title: P, category: pension, channels: [email], value: 100 }
          - { id: o-mortgage, kind: offer, title: M, category: mortgage, channels: [email], value: 100 }
        """, settings: "settings: { arbitration: { top_offers: 2, max_messages: 0, max_per_category: 0 } }")
        let model = Self.ladders()
        let engine = Engine(catalog: catalog, models: FittedModels(affinity: model), products: Fixture.advisorProducts)
        let client = Fixture.client("A", consents: [.email], purchases: [
            Fixture.purchase("sav-easy", -300), Fixture.purchase("fund-growth", -100),
        ])
        let facts = engine.facts(for: client, asOf: Fixture.asOf)
        #expect(facts.ownedCategories == ["savings", "investment"])
        let result = engine.recommend(facts: facts)
        #expect(result.offers.map(\.itemID) == ["o-pension", "o-mortgage"])
        let lifts = Dictionary(uniqueKeysWithValues: result.offers.map { ($0.itemID, $0.explanation.factors.affinityLift) })
        #expect(lifts["o-pension"] == model.lift(of: "pension", after: facts.lastCategories, owning: facts.ownedCategories))
        #expect(lifts["o-mortgage"] == model.lift(of: "mortgage", after: facts.lastCategories, owning: facts.ownedCategories))
        #expect((lifts["o-pension"] ?? 0) > 4 * (lifts["o-mortgage"] ?? 0))
    }
}
