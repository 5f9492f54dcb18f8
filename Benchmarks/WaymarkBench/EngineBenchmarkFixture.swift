import Foundation
import WaymarkCore
import WaymarkGenerator
import WaymarkLifetime

// MARK: - The fixture

/// A realistic client and catalog for the scoring benchmark, built in memory and deterministic.
///
/// The catalog has 50 items over both of the generator's ladders (docs/generator.md): one offer per
/// category that has an offer item id (16), 26 product offers and the 8 reinforcement messages, with
/// `when` rules, prerequisites, life-event triggers, validity windows, cooldowns and templates. The
/// client is a coffee-retail customer of four years with 200 purchases, life events,
/// interactions in several channels, responses to earlier offers and a loyalty ledger.
struct EngineBenchmarkFixture {
    let asOf = Timestamp(year: 2026, month: 1, day: 1)
    let engine: Engine
    /// The same catalog and models with a propensity model (prior weights: the same work per item
    /// as fitted ones) and population rates over the ladders' categories.
    let learnedEngine: Engine
    let snapshot: ClientSnapshot

    init() throws {
        let products = Self.products()
        let catalog = try CatalogLoader.load(try Self.catalogYAML(), file: "<bench-engine catalog>",
                                             references: CatalogReferences(products: products))
        snapshot = Self.snapshot(asOf: asOf, products: products)
        let models = Self.models(asOf: asOf, snapshot: snapshot)
        engine = Engine(catalog: catalog, models: models, products: products)
        var learned = models
        var rates = PopulationRates(windowDays: 90, buyers: 5_000, recentBuyers: 2_000)
        for (i, category) in products.categories.sorted().enumerated() {
            rates.categories[category] = .init(buyers: 2_500 / Double(i + 1), recentBuyers: 1_000 / Double(i + 1))
        }
        learned.propensity = PropensityModel(horizonDays: 90, rates: rates)
        learnedEngine = Engine(catalog: catalog, models: learned, products: products)
    }

    /// A grocer's client against 500 repeatable category offers: 3 years of weekly baskets (156
    /// orders of 3–8 lines over 40 categories), a learned-shape propensity over 500 categories.
    struct Grocery {
        let engine: Engine
        let snapshot: ClientSnapshot

        init() throws {
            let asOf = Timestamp(year: 2026, month: 1, day: 1)
            let categories = (0..<500).map { "cat\($0)" }
            var yaml = "version: bench-grocery\nitems:\n"
            for category in categories {
                yaml += "  - { id: offer-\(category), kind: offer, title: \(category), category: \(category), channels: [app, web, email], repeatable: true }\n"
            }
            let catalog = try CatalogLoader.load(yaml, file: "<bench-grocery catalog>")
            var random = UInt64(99)
            var purchases: [Purchase] = []
            for order in 0..<156 {
                let at = asOf.adding(days: -7 * (156 - order))
                let lines = 3 + Int(Xoshiro256StarStar.splitMix(&random) % 6)
                for _ in 0..<lines {
                    let c = Int(Xoshiro256StarStar.splitMix(&random) % 40) * 7
                    purchases.append(Purchase(productID: "p\(c)", category: categories[c], at: at, amountCents: 399, orderID: "o\(order)"))
                }
            }
            snapshot = ClientSnapshot(profile: ClientProfile(id: "G1", firstSeen: asOf.adding(days: -1_200), consents: ChannelSet([.email, .app])),
                                      purchases: purchases)
            var rates = PopulationRates(windowDays: 30, buyers: 10_000, recentBuyers: 6_000)
            for (i, category) in categories.enumerated() {
                rates.categories[category] = .init(buyers: 5_000 / Double(i + 1), recentBuyers: 3_000 / Double(i + 1))
            }
            var models = FittedModels()
            models.propensity = PropensityModel(horizonDays: 30, rates: rates)
            engine = Engine(catalog: catalog, models: models)
        }
    }

    static func products() -> ProductDirectory {
        ProductDirectory(GeneratorCatalog.ladders(for: .mixed).flatMap { ladder in
            ladder.products.map {
                ProductInfo(id: $0.id, name: $0.name, category: ladder.categories[$0.categoryIndex].id,
                            priceCents: Int64($0.listPriceCents), repeatable: $0.repeatable)
            }
        })
    }

    // MARK: Catalog

    /// The 50-item catalog over both ladders (`Resources/bench-engine-catalog.yaml`: one offer per
    /// category with an offer item id, 26 product offers and the 8 reinforcement messages).
    static func catalogYAML() throws -> String {
        guard let url = Bundle.module.url(forResource: "bench-engine-catalog", withExtension: "yaml") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try String(contentsOf: url, encoding: .utf8)
    }

    // MARK: Client

    /// A coffee-retail customer of four years: 200 purchases, mostly beans, with the ladder's
    /// accessories, class, subscription and a premium grinder along the way.
    static func snapshot(asOf: Timestamp, products: ProductDirectory) -> ClientSnapshot {
        var random = UInt64(42)
        let start = asOf.adding(days: -1_460)
        let consumables = ["beans-house", "beans-single", "beans-house", "capsules-40", "descaler", "filters-100"]
        let milestones: [Int: String] = [
            0: "kit-espresso", 6: "acc-grinder", 14: "acc-scale", 25: "acc-milk-jug", 40: "class-barista",
            60: "sub-beans", 90: "gift-card", 120: "prem-grinder", 121: "svc-care", 150: "acc-cups", 185: "gift-card",
        ]
        let channels: [Channel] = [.web, .app, .store, .web]
        var purchases: [Purchase] = []
        for index in 0..<200 {
            let day = index * 1_455 / 200 + Int(Xoshiro256StarStar.splitMix(&random) % 3)
            let id = milestones[index] ?? consumables[Int(Xoshiro256StarStar.splitMix(&random) % UInt64(consumables.count))]
            let product = products[id]!
            let quantity = product.category == "consumables" ? 1 + Int(Xoshiro256StarStar.splitMix(&random) % 3) : 1
            purchases.append(Purchase(
                productID: id, category: product.category,
                at: Timestamp(seconds: start.adding(days: day).seconds + Int64(32_400 + Xoshiro256StarStar.splitMix(&random) % 36_000)),
                amountCents: product.priceCents * Int64(quantity), quantity: quantity,
                channel: channels[Int(Xoshiro256StarStar.splitMix(&random) % UInt64(channels.count))]))
        }
        let lifeEvents = [
            LifeEvent(kind: "first_job", at: asOf.adding(days: -3_300)),
            LifeEvent(kind: "marriage", at: asOf.adding(days: -420)),
            LifeEvent(kind: "home_purchase", at: asOf.adding(days: -210)),
            LifeEvent(kind: "child_born", at: asOf.adding(days: -75)),
        ]
        let interactionKinds: [(Channel, String)] = [
            (.web, "visit"), (.email, "open"), (.app, "visit"), (.store, "visit"), (.email, "click"), (.phone, "call"),
        ]
        var interactions: [Interaction] = []
        for index in 0..<120 {
            let (channel, kind) = interactionKinds[Int(Xoshiro256StarStar.splitMix(&random) % UInt64(interactionKinds.count))]
            interactions.append(Interaction(channel: channel, kind: kind,
                                            at: Timestamp(seconds: asOf.adding(days: -(index * 730 / 120) - 1).seconds + Int64(Xoshiro256StarStar.splitMix(&random) % 80_000)),
                                            itemID: channel == .email ? "offer-refill" : nil))
        }
        interactions.append(Interaction(channel: .social, kind: "review", at: asOf.adding(days: -300)))
        interactions.append(Interaction(channel: .web, kind: "referral", at: asOf.adding(days: -150)))
        let responseItems = ["offer-refill", "msg-thank-you", "offer-accessories", "msg-progress", "msg-tier-upgrade",
                             "offer-bean-subscription", "offer-barista-class", "offer-premium-upgrade", "msg-anniversary"]
        let outcomes: [Response.Outcome] = [.accepted, .opened, .declined, .presented, .opened]
        var responses: [Response] = []
        for index in 0..<40 {
            let presented = asOf.adding(days: -(index * 1_000 / 40) - 20)
            let outcome = outcomes[Int(Xoshiro256StarStar.splitMix(&random) % UInt64(outcomes.count))]
            responses.append(Response(
                itemID: responseItems[Int(Xoshiro256StarStar.splitMix(&random) % UInt64(responseItems.count))],
                channel: index % 3 == 0 ? .app : .email, presentedAt: presented, outcome: outcome,
                respondedAt: outcome == .presented ? nil : presented.adding(days: 2)))
        }
        let ledger = [
            LoyaltyEntry(at: asOf.adding(days: -900), points: 200, reason: "welcome bonus"),
            LoyaltyEntry(at: asOf.adding(days: -400), points: -500, reason: "redemption"),
            LoyaltyEntry(at: asOf.adding(days: -150), points: 200, reason: "referral bonus"),
            LoyaltyEntry(at: asOf.adding(days: -30), points: -300, reason: "redemption"),
        ]
        let profile = ClientProfile(
            id: "C0000042", firstSeen: start.adding(days: -30), birthDate: Timestamp(year: 1988, month: 5, day: 14),
            segment: "retail", region: "north", consents: ChannelSet([Channel.email, .app, .sms, .web]),
            attributes: ["vip": .bool(true), "favourite_roast": .string("medium")])
        return ClientSnapshot(
            profile: profile, purchases: purchases, lifeEvents: lifeEvents, interactions: interactions,
            responses: responses, loyaltyLedger: ledger,
            recordedStage: StageRecord(stage: .loyal, since: asOf.adding(days: -200), previous: .active))
    }

    // MARK: Models

    /// Fitted-looking models: the CDNOW BG/NBD and Gamma-Gamma estimates (weeks), affinities from
    /// ladder-shaped purchase sequences, acceptance counts and RFM cuts of a synthetic population.
    static func models(asOf: Timestamp, snapshot: ClientSnapshot) -> FittedModels {
        var random = UInt64(7)
        var affinity = AffinityModel.Accumulator()
        var acceptance = AcceptanceStatistics.Accumulator()
        var rfm = RFMBoundaries.Accumulator()
        let ladders = GeneratorCatalog.ladders(for: .mixed)
        let stages = LifecycleStage.allCases
        for client in 0..<5_000 {
            let ladder = ladders[client % ladders.count]
            var sequence: [String] = []
            var rung = 0
            let length = 1 + Int(Xoshiro256StarStar.splitMix(&random) % 12)
            for _ in 0..<length {
                let candidates = ladder.categories.filter { $0.rung <= rung + 1 }
                let category = candidates[Int(Xoshiro256StarStar.splitMix(&random) % UInt64(candidates.count))]
                rung = max(rung, category.rung)
                sequence.append(category.id)
            }
            affinity.add(categories: sequence)
            rfm.add(daysSinceLastPurchase: Int(Xoshiro256StarStar.splitMix(&random) % 1_000), purchases: length,
                    totalSpend: Double(length) * Double(20 + Xoshiro256StarStar.splitMix(&random) % 400))
            let offer = ladder.categories[Int(Xoshiro256StarStar.splitMix(&random) % UInt64(ladder.categories.count))].offerItemId ?? GeneratorCatalog.winBack
            acceptance.add(itemID: offer, stage: stages[Int(Xoshiro256StarStar.splitMix(&random) % UInt64(stages.count))], accepted: Xoshiro256StarStar.splitMix(&random) % 10 == 0)
        }
        affinity.add(purchases: snapshot.purchases, asOf: asOf)
        return FittedModels(
            purchases: LifetimeModel(kind: .bgnbd, parameters: LifetimeBenchmark.cdnowParameters),
            spend: GammaGammaSpend(model: GammaGammaModel(parameters: GammaGammaParameters(p: 6.25, q: 3.74, v: 15.44))),
            affinity: affinity.finish(), acceptance: acceptance.finish(), rfm: rfm.finish(), timeUnitDays: 7)
    }
}
