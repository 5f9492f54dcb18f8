import Testing
@testable import WaymarkCore

/// The facts and the ranking do not depend on the order the store hands a client's lines in, and
/// picking the top offers by selection gives what a full sort gives.
@Suite struct PurchaseOrderTests {
    /// Baskets of several lines on a few days, with the lines of one basket in a shuffled order.
    static func lines() -> [Purchase] {
        var lines: [Purchase] = []
        for (n, day) in [-60, -32, -30, -3].enumerated() {
            for category in ["cat003", "cat017", "cat050", "cat101"].shuffled().prefix(2 + n % 3) {
                lines.append(PropensityTests.purchase(category, day, order: "o\(n)"))
            }
        }
        return lines
    }

    static func facts(_ purchases: [Purchase]) -> ClientFacts {
        var models = FittedModels()
        models.propensity = PropensityModel(horizonDays: 30, rates: PropensityTests.zipfRates())
        return ClientFacts(snapshot: Fixture.client("O", consents: [.web], purchases: purchases), asOf: Fixture.asOf, models: models)
    }

    @Test func everyOrderOfTheLinesGivesTheSameFacts() {
        let lines = Self.lines()
        let sorted = lines.sorted { ($0.at, $0.productID) < ($1.at, $1.productID) }
        let reference = Self.facts(sorted)
        // The three newest lines (by time, then product id), newest first: their distinct categories.
        var expected: [String] = []
        for line in sorted.suffix(3).reversed() where !expected.contains(line.category) { expected.append(line.category) }
        #expect(reference.lastCategories == expected)
        for trial in 0..<20 {
            // Shuffled within each day, and (every other trial) the days out of order too.
            var input = trial % 2 == 0 ? lines.shuffled() : Dictionary(grouping: lines, by: \.at).values.flatMap { $0.shuffled() }
            if trial == 1 { input.reverse() }
            let facts = Self.facts(input)
            #expect(facts.lastCategories == reference.lastCategories, "trial \(trial)")
            #expect(facts.occasions.times == reference.occasions.times, "trial \(trial)")
            // The categories' statistics, by name (their indices follow the order first seen).
            for category in ["cat003", "cat017", "cat050", "cat101"] {
                let c = facts.categoryIndex(RuleKey(category)), r = reference.categoryIndex(RuleKey(category))
                #expect((c >= 0) == (r >= 0))
                guard c >= 0, r >= 0 else { continue }
                #expect(facts.occasions.categoryCount[c] == reference.occasions.categoryCount[r], "\(category), trial \(trial)")
                #expect(facts.occasions.categoryFirst[c] == reference.occasions.categoryFirst[r])
                #expect(facts.occasions.categoryLast[c] == reference.occasions.categoryLast[r])
                #expect(facts.occasions.categoryDecayed[c] == reference.occasions.categoryDecayed[r])
            }
            #expect(facts.purchaseCount == 4 && facts.lastPurchase == reference.lastPurchase && facts.firstPurchase == reference.firstPurchase)
            #expect(facts.totalSpend == reference.totalSpend && facts.ownedCategories == reference.ownedCategories)
            #expect(facts.recentCategories == reference.recentCategories && facts.usualGapDays == reference.usualGapDays)
        }
    }

    /// Two orders at the same second (a household's two baskets at one till): however the store
    /// hands their lines over, interleaved included, they are two occasions, not four.
    @Test func twoOrdersAtOneTimeAreTwoOccasionsInAnyLineOrder() {
        let a = ["cat003", "cat017", "cat050"].map { PropensityTests.purchase($0, -3, order: "a") }
        let b = ["cat017", "cat101"].map { PropensityTests.purchase($0, -3, order: "b") }
        let earlier = PropensityTests.purchase("cat003", -20, order: "c")
        let reference = Self.facts([earlier] + a + b)
        #expect(reference.purchaseCount == 3 && reference.occasions.times.count == 3)
        for input in [[earlier, a[0], b[0], a[1], b[1], a[2]], [b[1], a[2], earlier, b[0], a[1], a[0]], [earlier] + b + a] {
            let facts = Self.facts(input)
            #expect(facts.purchaseCount == 3, "\(input.map { $0.orderID ?? "" })")
            #expect(facts.occasions.times == reference.occasions.times && facts.usualGapDays == reference.usualGapDays)
            let c = facts.categoryIndex(RuleKey("cat017")), r = reference.categoryIndex(RuleKey("cat017"))
            #expect(facts.occasions.categoryCount[c] == reference.occasions.categoryCount[r])
            #expect(facts.occasions.categoryDecayed[c] == reference.occasions.categoryDecayed[r])
            #expect(facts.pAlive == reference.pAlive && facts.stage == reference.stage)
        }
    }

    /// 130 offers over 13 categories (ten each): category diversity passes over many of them.
    static func sharedCategories() throws -> Catalog {
        var yaml = "version: shared\nitems:\n"
        for i in 0..<130 {
            let category = PropensityTests.categories[i % 13]
            yaml += "  - { id: offer-\(i), kind: offer, title: o\(i), category: \(category), channels: [web], repeatable: true, lever: \(1 + Double(i % 7) / 10) }\n"
        }
        return try CatalogLoader.load(yaml, file: "shared.yaml")
    }

    @Test(arguments: [false, true])
    func theTopOffersBySelectionAreTheTopOffersOfAFullSort(shared: Bool) throws {
        let catalog = try shared ? Self.sharedCategories() : PropensityTests.catalog()
        var models = FittedModels()
        models.propensity = PropensityModel(horizonDays: 30, rates: PropensityTests.zipfRates())
        let engine = Engine(catalog: catalog, models: models)
        var random = SeededGenerator(seed: 5)
        for client in 0..<40 {
            var purchases: [Purchase] = []
            for line in 0..<Int(random.next() % 60) {
                let category = PropensityTests.categories[Int(random.next() % 130)]
                purchases.append(PropensityTests.purchase(category, -Int(random.next() % 300) - 1, order: "o\(client)-\(line / 3)"))
            }
            let snapshot = Fixture.client("S\(client)", consents: [.web], purchases: purchases)
            for k in [1, 3, 10, 40] {
                // Explaining rejections sorts every candidate; without, only the first k are picked.
                let picked = engine.recommend(for: snapshot, asOf: Fixture.asOf, options: RecommendOptions(maxOffers: k))
                let sorted = engine.recommend(for: snapshot, asOf: Fixture.asOf, options: RecommendOptions(explainRejections: true, maxOffers: k))
                #expect(picked.offers.map(\.itemID) == sorted.offers.map(\.itemID), "client \(client), top \(k)")
                #expect(picked.offers.count == min(k, shared ? 13 : 130))
            }
        }
    }
}
