import Foundation
import Testing
@testable import WaymarkCore

/// The learned purchase propensity: its learner, its inputs and what it ranks.
@Suite struct PropensityTests {
    // MARK: Fixtures

    /// 130 categories, one repeatable offer each.
    static let categories = (0..<130).map { String(format: "cat%03d", $0) }

    static func catalog(settings: String = "") throws -> Catalog {
        var yaml = "version: grocery-test\n\(settings)\nitems:\n"
        for category in categories {
            yaml += "  - { id: offer-\(category), kind: offer, title: \(category), category: \(category), channels: [web], repeatable: true }\n"
        }
        return try CatalogLoader.load(yaml, file: "grocery.yaml")
    }

    static func purchase(_ category: String, _ day: Int, order: String? = nil) -> Purchase {
        Purchase(productID: "p-\(category)", category: category, at: Fixture.day(day), amountCents: 500, orderID: order)
    }

    /// A client who buys `staples` together every `every` days, from `from` days ago to today.
    static func weekly(_ id: String, staples: [String], every: Int = 7, from: Int = -140, extra: [Purchase] = []) -> ClientSnapshot {
        var purchases = extra
        var day = from
        var n = 0
        while day <= -1 {
            for category in staples { purchases.append(purchase(category, day, order: "\(id)-\(n)")) }
            day += every
            n += 1
        }
        return Fixture.client(id, consents: [.web], purchases: purchases)
    }

    /// Population rates where the first categories are the most bought (Zipf-like).
    static func zipfRates(buyers: Double = 1000) -> PopulationRates {
        var rates = PopulationRates(windowDays: 30, buyers: buyers, recentBuyers: buyers / 2)
        for (i, category) in categories.enumerated() {
            let share = 0.6 / Double(i + 1)
            rates.categories[category] = .init(buyers: buyers * share, recentBuyers: buyers / 2 * share)
        }
        return rates
    }

    // MARK: The learner

    @Test func logisticRegressionRecoversKnownWeights() {
        var random = SeededGenerator(seed: 7)
        var data = LogisticRegression.Data(features: 2)
        for _ in 0..<20_000 {
            let x1 = random.uniformHalfOpen() * 4 - 2
            let x2 = random.uniformHalfOpen() * 10
            let p = LogisticRegression.sigmoid(-1 + 1.5 * x1 - 0.3 * x2)
            data.append([x1, x2], label: random.uniformHalfOpen() < p)
        }
        let fit = LogisticRegression(penalty: 1).fit(data)
        #expect(fit.converged)
        #expect(abs(fit.intercept + 1) < 0.15)
        #expect(abs(fit.weights[0] - 1.5) < 0.1)
        #expect(abs(fit.weights[1] + 0.3) < 0.05)
        // Calibrated on its rows: the mean prediction is the base rate.
        var predicted = 0.0
        for i in 0..<data.count { predicted += fit.probability(data.values[(i * 2)..<(i * 2 + 2)]) }
        #expect(abs(predicted / Double(data.count) - data.positives / Double(data.count)) < 0.01)
    }

    @Test func logisticRegressionKeepsThePriorWithoutData() {
        let data = LogisticRegression.Data(features: 3)
        let fit = LogisticRegression().fit(data, prior: [1, 2, 3])
        #expect(fit.weights == [0, 0, 0] || fit.iterations == 0)
        // One class only: nothing to learn from, no iteration.
        var one = LogisticRegression.Data(features: 1)
        for i in 0..<10 { one.append([Double(i)], label: true) }
        #expect(LogisticRegression().fit(one).iterations == 0)
    }

    @Test("a feature constant on the training rows keeps its prior weight, and the rows' logits are unchanged by it")
    func logisticRegressionKeepsThePriorOfAConstantFeature() {
        var random = SeededGenerator(seed: 3)
        var data = LogisticRegression.Data(features: 2)
        var without = LogisticRegression.Data(features: 1)
        for _ in 0..<2_000 {
            let x = random.uniformHalfOpen() * 4 - 2
            let y = random.uniformHalfOpen() < LogisticRegression.sigmoid(-0.5 + x)
            // The second feature is 0.7 on every row (e.g. no client had a history at the cut-off).
            data.append([x, 0.7], label: y)
            without.append([x], label: y)
        }
        let fit = LogisticRegression(penalty: 1).fit(data, prior: [0.2, 1.5])
        let reference = LogisticRegression(penalty: 1).fit(without, prior: [0.2])
        #expect(fit.weights[1] == 1.5, "the constant feature's weight is its prior's, not 0")
        #expect(abs(fit.weights[0] - reference.weights[0]) < 1e-9)
        // The intercept absorbs 1.5 × 0.7: the training rows' logits are those of the fit without it.
        #expect(abs(fit.intercept + 1.5 * 0.7 - reference.intercept) < 1e-9)
        // Without a prior the constant feature weighs 0, as before.
        #expect(LogisticRegression(penalty: 1).fit(data).weights[1] == 0)
    }

    // MARK: Inputs

    @Test func linesOfOneOrderAreOneOccasion() {
        // Three lines of one order, two lines at one time without an order, one later line.
        let purchases = [
            Self.purchase("cat000", -30, order: "A"), Self.purchase("cat001", -30, order: "A"), Self.purchase("cat000", -30, order: "A"),
            Self.purchase("cat000", -20), Self.purchase("cat002", -20),
            Self.purchase("cat001", -10),
        ]
        let facts = ClientFacts(snapshot: Fixture.client("O", purchases: purchases), asOf: Fixture.asOf)
        #expect(facts.occasions.count == 3)
        #expect(facts.occasions.times == [Fixture.day(-30), Fixture.day(-20), Fixture.day(-10)])
        let names = facts.categoriesByFrequency
        #expect(names == ["cat001", "cat000", "cat002"])  // 2 occasions (the newer first), 2, 1
        // Gaps count occasions, not lines: 10 days, not hours.
        #expect(facts.usualGapDays == 10)
        #expect(facts.totalSpend == 30)
    }

    @Test func stageRatesAreLearnedOutOfFold() {
        var set = PropensityTrainingSet()
        let row = [Double](repeating: 0, count: PropensityFeature.count)
        // Fold 0: item 0 always bought at stage 0; fold 1: never.
        for _ in 0..<50 { set.append(row, label: true, weight: 1, item: 0, stage: 0, fold: 0) }
        for _ in 0..<50 { set.append(row, label: false, weight: 1, item: 0, stage: 0, fold: 1) }
        let all = set.encodeStageRates(items: 1, stages: 1)
        let column = PropensityFeature.stageRate.rawValue
        // A fold-0 row sees fold 1's rate (low) and the reverse: no row sees its own label.
        #expect(set.data.values[column] < log(0.3))
        #expect(set.data.values[50 * PropensityFeature.count + column] > log(0.7))
        #expect(abs(all.stage[0] - 0.5) < 0.01)
    }

    // MARK: Ranking

    /// The case: a client who buys the same three categories every week, a catalog of 130
    /// repeatable category offers, top 3: those three come first, with the prior weights (no
    /// history to learn from) and with weights learned from a population.
    @Test func aWeeklyClientGetsTheirThreeStaplesFirst() throws {
        let catalog = try Self.catalog()
        let staples = ["cat077", "cat101", "cat123"]  // rare categories: popularity alone would not find them
        let client = Self.weekly("W", staples: staples)

        var models = FittedModels()
        models.propensity = PropensityModel(horizonDays: 30, rates: Self.zipfRates())
        let prior = Engine(catalog: catalog, models: models).recommend(for: client, asOf: Fixture.asOf, options: RecommendOptions(maxOffers: 3))
        #expect(Set(prior.offers.map(\.itemID)) == Set(staples.map { "offer-\($0)" }))

        let learned = try Self.learnedModel(catalog: catalog)
        #expect(learned.training?.fitted == true)
        models.propensity = learned
        let result = Engine(catalog: catalog, models: models).recommend(for: client, asOf: Fixture.asOf, options: RecommendOptions(maxOffers: 3))
        #expect(Set(result.offers.map(\.itemID)) == Set(staples.map { "offer-\($0)" }))
        // The explanation says why, in words.
        let reasons = result.offers[0].explanation.propensityReasons
        #expect(reasons.first?.contains("on 20 of 20 occasions, about every 7 days, last 7 days ago") == true)
        #expect(result.offers[0].explanation.summary.contains("purchase model: bought "))
        // A probability, not a lift: between 0 and 1, high for a weekly staple.
        #expect(result.offers.allSatisfy { $0.explanation.factors.propensity > 0.5 && $0.explanation.factors.propensity < 1 })
    }

    /// A decline the data says is often followed by a purchase (a positive learned weight) is not
    /// worded as a reason to offer it because the client declined.
    @Test func aDeclineThatRaisesThePropensityIsWordedAsSuch() throws {
        let catalog = try Self.catalog()
        var client = Self.weekly("D", staples: ["cat077", "cat101", "cat123"])
        // Declined long enough ago that the decline cooldown is over; still the newest response.
        client.responses.append(Response(itemID: "offer-cat077", channel: .web, presentedAt: Fixture.day(-120), outcome: .declined,
                                         respondedAt: Fixture.day(-119)))
        func reason(declinedWeight: Double) throws -> String {
            var model = PropensityModel(horizonDays: 30, rates: Self.zipfRates())
            model.weights["declined"] = declinedWeight
            var models = FittedModels()
            models.propensity = model
            let result = Engine(catalog: catalog, models: models).recommend(for: client, asOf: Fixture.asOf, options: RecommendOptions(maxOffers: 3))
            let offer = try #require(result.offers.first { $0.itemID == "offer-cat077" })
            return try #require(offer.explanation.propensityReasons.first { $0.contains("declined") })
        }
        let raises = try reason(declinedWeight: 3)
        #expect(raises.hasPrefix("declined it last time, though clients who decline often buy it later (+"), "\(raises)")
        let lowers = try reason(declinedWeight: -0.5)
        #expect(lowers.hasPrefix("the client declined it last time (-"), "\(lowers)")
    }

    /// A model learned on a small population: weekly staple buyers, occasional buyers of popular
    /// categories and prospects, trained at as_of − 30 days with labels in the 30 days after.
    static func learnedModel(catalog: Catalog) throws -> PropensityModel {
        var random = SeededGenerator(seed: 11)
        var clients: [ClientSnapshot] = []
        for i in 0..<300 {
            var staples: [String] = []
            for _ in 0..<3 { staples.append(categories[Int(random.next() % 130)]) }
            let every = 7 + Int(random.next() % 21)
            var extra: [Purchase] = []
            for k in 0..<Int(random.next() % 6) {
                let popular = categories[Int(random.next() % 8)]
                extra.append(purchase(popular, -Int(random.next() % 200) - 1, order: "x\(i)-\(k)"))
            }
            clients.append(weekly("T\(i)", staples: staples, every: every, from: -200 + Int(random.next() % 30), extra: extra))
        }
        for i in 0..<50 { clients.append(Fixture.client("P\(i)", consents: [.web])) }
        let cutoff = Fixture.asOf.adding(days: -30)
        var atCutoff = FittedModels()
        atCutoff.propensity = PropensityModel(horizonDays: 30, rates: zipfRates())
        let engine = Engine(catalog: catalog, models: atCutoff)
        var set = PropensityTrainingSet()
        for client in clients { engine.propensityRows(for: client, cutoff: cutoff, end: Fixture.asOf, into: &set) }
        return set.fit(itemIDs: catalog.items.map(\.id), horizonDays: 30, rates: zipfRates(), cutoff: cutoff, clients: clients.count)
    }

    @Test func theLearnedModelIsCalibratedOnItsRowsAndDeterministic() throws {
        let catalog = try Self.catalog()
        let a = try Self.learnedModel(catalog: catalog)
        let b = try Self.learnedModel(catalog: catalog)
        #expect(a == b)
        let training = try #require(a.training)
        #expect(training.clients == 350)
        #expect(training.buyers > 250 && training.buyers <= 300)
        // Staple repetition is what predicts: the personal features weigh more than popularity.
        #expect((a.weights["personal_rate"] ?? 0) + (a.weights["decayed_share"] ?? 0) > 0)
    }

    /// The engine's hot path (per-client and per-item parts precomputed) gives the model's own
    /// probability over its features.
    @Test func theHotPathEqualsTheModel() throws {
        let catalog = try Self.catalog()
        let model = try Self.learnedModel(catalog: catalog)
        let scorer = PropensityScorer(model)
        var random = SeededGenerator(seed: 3)
        for k in 0..<20 {
            var extra: [Purchase] = []
            for j in 0..<Int(random.next() % 30) {
                extra.append(Self.purchase(Self.categories[Int(random.next() % 130)], -Int(random.next() % 300) - 1, order: "e\(k)-\(j)"))
            }
            let client = Self.weekly("H\(k)", staples: [Self.categories[k], Self.categories[k + 50]], every: 5 + k, extra: extra)
            let facts = ClientFacts(snapshot: client, asOf: Fixture.asOf, models: FittedModels(propensity: model))
            let inputs = facts.propensityClient
            let part = scorer.clientPart(inputs)
            for category in Self.categories {
                for response in [PropensityItemInputs.ResponseState.none, .acceptedPending, .declined] {
                    let item = PropensityItemInputs(
                        category: facts.categoryIndex(RuleKey(category)), logPopularity: log(0.01 + random.uniformHalfOpen()),
                        logRecentPopularity: log(0.01 + random.uniformHalfOpen()), logStageRate: log(0.01 + random.uniformHalfOpen()),
                        affinityLift: 0.5 + random.uniformHalfOpen(), lifeEventBoost: 1 + random.uniformHalfOpen(),
                        acceptance: random.uniformHalfOpen(), response: response)
                    let fast = scorer.probability(part, itemPart: scorer.itemPart(logPopularity: item.logPopularity,
                        logRecentPopularity: item.logRecentPopularity, logStageRate: item.logStageRate), item: item)
                    let slow = scorer.probability(client: inputs, item: item)
                    #expect(abs(fast - slow) < 1e-9, "client \(k), \(category), \(response)")
                }
            }
        }
    }

    /// The explanations' "own purchases" reason is the client's part less its features' mean
    /// terms: it must equal the sum of those features' contributions, w · (x − mean), taken one
    /// by one from the model's own feature values, bought and never-bought categories alike.
    @Test func theOwnPurchasesReasonEqualsItsFeaturesContributions() throws {
        let catalog = try Self.catalog()
        let model = try Self.learnedModel(catalog: catalog)
        let scorer = PropensityScorer(model)
        let own: [PropensityFeature] = [.personalRate, .decayedShare, .share, .sinceLast, .due, .boughtBefore, .novelty]
        #expect(own.contains { scorer.means[$0.rawValue] != 0 }, "a fitted model has feature means")
        var random = SeededGenerator(seed: 5)
        for k in 0..<10 {
            var extra: [Purchase] = []
            for j in 0..<Int(random.next() % 30) {
                extra.append(Self.purchase(Self.categories[Int(random.next() % 130)], -Int(random.next() % 300) - 1, order: "o\(k)-\(j)"))
            }
            let client = Self.weekly("R\(k)", staples: [Self.categories[k]], every: 4 + k, extra: extra)
            let facts = ClientFacts(snapshot: client, asOf: Fixture.asOf, models: FittedModels(propensity: model))
            let inputs = facts.propensityClient
            let part = scorer.clientPart(inputs)
            for category in Self.categories {
                let c = facts.categoryIndex(RuleKey(category))
                let item = PropensityItemInputs(category: c, logPopularity: log(0.2), logRecentPopularity: log(0.1), affinityLift: 1,
                                                lifeEventBoost: 1, acceptance: 0.1)
                var slow = 0.0
                PropensityFeature.values(client: inputs, item: item, horizonDays: Double(model.horizonDays), smoothingDays: model.smoothingDays) { f, x in
                    if own.contains(f) { slow += scorer.weights[f.rawValue] * (x - scorer.means[f.rawValue]) }
                }
                let fast = (c >= 0 ? part.personal[c] : part.neverBought) - scorer.ownPurchasesMeanTerm
                #expect(abs(fast - slow) < 1e-9, "client \(k), \(category)")
            }
        }
    }

    @Test func withoutALearnedModelTheHeuristicIsUnchanged() throws {
        let catalog = try Self.catalog()
        let client = Self.weekly("W", staples: ["cat001"])
        let result = Engine(catalog: catalog).recommend(for: client, asOf: Fixture.asOf, options: RecommendOptions(maxOffers: 3))
        #expect(result.offers.allSatisfy { $0.explanation.propensityReasons.isEmpty })
        #expect(result.offers.first?.explanation.summary.hasPrefix("priority") == true)
        #expect(result.offers.first?.explanation.summary.contains("acceptance") == true)
    }

    @Test func aLearnedModelRoundTripsThroughJSON() throws {
        let model = try Self.learnedModel(catalog: Self.catalog())
        let data = try JSONEncoder().encode(model)
        #expect(try JSONDecoder().decode(PropensityModel.self, from: data) == model)
    }
}

/// Issue 14, item 1: amounts whose sum passes the 64-bit range of cents must not crash the facts.
@Suite struct HugeAmountsTests {
    @Test func factsOfAClientWhoseSpendPassesInt64AreFinite() throws {
        var purchases: [Purchase] = []
        for i in 0..<92_300 {
            purchases.append(Purchase(productID: "ins-income", category: "insurance", at: Fixture.day(-1 - i % 900),
                                      amountCents: 99_999_999_999_999, orderID: "o\(i)"))
        }
        let catalog = try CatalogLoader.load("""
            version: t
            loyalty: { points_per_unit: 1000, tiers: [{ name: Gold, threshold: 100 }] }
            items:
              - { id: o1, kind: offer, title: T, category: savings, channels: [email], repeatable: true }
            """, file: "t.yaml")
        let client = Fixture.client("BIG", purchases: purchases)
        let facts = Engine(catalog: catalog).facts(for: client, asOf: Fixture.asOf)
        #expect(facts.totalSpend > 9e16 && facts.totalSpend.isFinite)
        #expect(facts.loyalty.points > 0)
        let result = Engine(catalog: catalog).recommend(for: client, asOf: Fixture.asOf)
        #expect(result.offers.count == 1)
    }
}
