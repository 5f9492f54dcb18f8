import Testing
@testable import WaymarkCore

@Suite struct EngineScoringTests {
    static func catalog(_ items: String, settings: String = "", policy: String = "") throws -> Catalog {
        try CatalogLoader.load("""
        version: t1
        \(settings)
        \(policy)
        items:
        \(items)
        """, file: "t.yaml")
    }

    @Test func eligibilityChecksRunInTheirDocumentedOrder() throws {
        let catalog = try Self.catalog("""
          - { id: o-expired, kind: offer, title: E, category: savings, channels: [email], valid_until: "2024-05-31" }
          - { id: o-future, kind: offer, title: F, category: savings, channels: [email], valid_from: "2024-06-02" }
          - { id: o-sms, kind: offer, title: S, category: savings, channels: [sms] }
          - { id: o-rule, kind: offer, title: R, category: savings, channels: [email], when: 'purchase_count >= 1 && age >= 60' }
          - { id: o-req, kind: offer, title: Q, category: wills, channels: [email], requires: { categories: [life_cover] } }
          - { id: o-owned, kind: offer, title: O, product: ins-income, channels: [email] }
          - { id: o-repeat, kind: offer, title: P, product: ins-income, channels: [email], repeatable: true }
          - { id: o-declined, kind: offer, title: D, category: pension, channels: [email] }
          - { id: o-presented, kind: offer, title: P2, category: mortgage, channels: [email], cooldown_days: 10 }
        """)
        let client = Fixture.client("X", consents: [.email], purchases: [Fixture.purchase("ins-income", -100)],
                                    responses: [Response(itemID: "o-declined", channel: .email, presentedAt: Fixture.day(-40), outcome: .declined, respondedAt: Fixture.day(-39)),
                                                Response(itemID: "o-presented", channel: .email, presentedAt: Fixture.day(-5), outcome: .presented)])
        let result = Engine(catalog: catalog, products: Fixture.advisorProducts)
            .recommend(for: client, asOf: Fixture.asOf, options: RecommendOptions(explainRejections: true, maxOffers: 5))
        let why = Dictionary(uniqueKeysWithValues: result.notRecommended.map { ($0.itemID, $0) })
        #expect(why["o-expired"]?.check == .validity)
        #expect(why["o-expired"]?.reason == "expired: valid until 2024-05-31")
        #expect(why["o-future"]?.reason == "not valid yet: valid from 2024-06-02")
        #expect(why["o-sms"]?.check == .consent)
        #expect(why["o-sms"]?.reason == "no consented channel among sms (client consents: email)")
        #expect(why["o-rule"]?.check == .rule)
        #expect(why["o-rule"]?.reason == "rule clause false: age >= 60")
        #expect(why["o-req"]?.reason == "requires a product of category 'life_cover', none owned")
        #expect(why["o-owned"]?.reason == "already owns 'ins-income'")
        #expect(why["o-declined"]?.check == .contactPolicy)
        #expect(why["o-declined"]?.reason == "declined 39 days ago; cooldown after a decline is 90 days")
        #expect(why["o-presented"]?.reason == "presented 5 days ago; cooldown is 10 days")
        #expect(result.offers.map(\.itemID) == ["o-repeat"])
        #expect(result.notRecommended.map(\.itemID) == ["o-expired", "o-future", "o-sms", "o-rule", "o-req", "o-owned", "o-declined", "o-presented"])
    }

    @Test func priorityIsTheProductOfItsFactors() throws {
        let catalog = try Self.catalog("""
          - id: o1
            kind: offer
            title: Life cover
            category: life_cover
            channels: [email, app]
            value: 200
            lever: 1.5
            prior: { alpha: 3, beta: 27 }
            triggers: [{ event: child_born, window_days: 100, boost: 3 }]
        """)
        var acceptance = AcceptanceStatistics.Accumulator()
        acceptance.add(responses: [
            Response(itemID: "o1", channel: .email, presentedAt: Fixture.day(-200), outcome: .accepted),
            Response(itemID: "o1", channel: .email, presentedAt: Fixture.day(-200), outcome: .declined),
            Response(itemID: "o1", channel: .email, presentedAt: Fixture.day(-100), outcome: .presented), // old: a failure
            Response(itemID: "o1", channel: .email, presentedAt: Fixture.day(-3), outcome: .presented),   // young: not counted
        ], asOf: Fixture.asOf, stage: { _ in .active })
        var affinity = AffinityModel.Accumulator()
        for _ in 0..<50 { affinity.add(categories: ["investment", "life_cover"]) }
        for _ in 0..<50 { affinity.add(categories: ["savings", "pension"]) }
        let models = FittedModels(affinity: affinity.finish(), acceptance: acceptance.finish())
        let client = Fixture.client("F", consents: [.email, .app],
                                    purchases: [Fixture.purchase("fund-index", -300), Fixture.purchase("fund-balanced", -100)],
                                    events: [LifeEvent(kind: "child_born", at: Fixture.day(-25))],
                                    interactions: [Interaction(channel: .app, kind: "visit", at: Fixture.day(-3)),
                                                   Interaction(channel: .app, kind: "visit", at: Fixture.day(-2)),
                                                   Interaction(channel: .email, kind: "open", at: Fixture.day(-1))],
                                    responses: [Response(itemID: "other", channel: .email, presentedAt: Fixture.day(-7), outcome: .presented)])
        let engine = Engine(catalog: catalog, models: models, products: Fixture.advisorProducts)
        let facts = engine.facts(for: client, asOf: Fixture.asOf)
        let offer = try #require(engine.recommend(facts: facts).offers.first)
        let f = offer.explanation.factors
        #expect(f.alpha == 4 && f.beta == 29)
        #expect(abs(f.acceptance - 4.0 / 33.0) < 1e-12)
        #expect(f.affinityLift > 1.5)                // investment → life_cover is what clients did next
        #expect(abs(f.lifeEventBoost - (1 + 2 * 0.75)) < 1e-12)
        #expect(f.activity == facts.pAlive)
        #expect(f.value == 200)
        #expect(offer.channel == .app)               // most of the recent interactions
        #expect(abs(f.channelFit - (0.8 + 0.4 * 2 / 3)) < 1e-12)
        #expect(abs(f.contactRecency - 0.75) < 1e-12) // contacted 7 of 14 days ago
        #expect(f.lever == 1.5)
        let product = f.acceptance * f.affinityLift * f.lifeEventBoost * f.activity * f.value * f.channelFit * f.contactRecency * f.lever
        #expect(abs(f.priority - product) < 1e-9)
        #expect(offer.priority == f.priority)
    }

    @Test func affinityIsSmoothedForRareCategories() {
        var acc = AffinityModel.Accumulator()
        for _ in 0..<1000 { acc.add(categories: ["savings", "investment"]) }
        for _ in 0..<100 { acc.add(categories: ["pension", "estate_planning"]) }
        acc.add(categories: ["rare", "estate_planning"])
        var other = AffinityModel.Accumulator()
        other.add(categories: ["savings", "savings", "investment"]) // repeats do not count
        acc.merge(other)
        let model = acc.finish()
        #expect(model.total == 1102)
        #expect(model.lift(of: "investment", after: ["savings"]) > 1)
        // One observation of rare → estate_planning: pulled towards the base rate, within bounds,
        // far below a transition seen a hundred times (unsmoothed, both would be certain).
        let rare = model.lift(of: "estate_planning", after: ["rare"])
        #expect(rare >= model.minLift && rare <= model.maxLift)
        #expect(rare > 1)
        #expect(rare < model.lift(of: "estate_planning", after: ["pension"]) / 3)
        #expect(model.lift(of: "unknown", after: ["unknown-too"]) == 1)
        #expect(model.lift(of: "investment", after: [String]()) == 1)
        #expect(model.lift(of: "estate_planning", after: ["savings"]) < 1)
        #expect(model.lift(of: "estate_planning", after: ["savings"]) >= model.minLift)
    }

    @Test func affinityFollowsTheNewestCategoryAndScoresRepeatsByTheOlderOnes() {
        var acc = AffinityModel.Accumulator()
        for _ in 0..<500 { acc.add(categories: ["savings", "investment"]) }
        for _ in 0..<500 { acc.add(categories: ["pension", "estate_planning"]) }
        for _ in 0..<100 { acc.add(categories: ["investment", "savings"]) }
        let model = acc.finish()
        // A client who moved from savings to a pension is offered what follows a pension, not
        // what follows savings (the older category no longer dilutes the newest step).
        let afterPension = ["pension", "savings"]
        #expect(model.lift(of: "estate_planning", after: afterPension) > 2)
        #expect(model.lift(of: "investment", after: afterPension) < 1)
        #expect(model.lift(of: "estate_planning", after: afterPension) == model.lift(of: "estate_planning", after: ["pension"]))
        // A repeat of the newest category is scored by what the older categories lead to.
        #expect(model.lift(of: "savings", after: ["savings", "investment"]) == model.lift(of: "savings", after: ["investment"]))
        #expect(model.lift(of: "savings", after: ["savings", "investment"]) > 1)
        // Alone, a repeat gets the category's base rate over its share of next purchases.
        #expect(abs(model.lift(of: "savings", after: ["savings"]) - model.baseRate("savings") / model.nextPurchaseShare("savings")) < 1e-12)
    }

    @Test func arbitrationKeepsCategoryDiversityTopKAndTies() throws {
        let catalog = try Self.catalog("""
          - { id: b-fund, kind: offer, title: B, product: fund-growth, channels: [email] , value: 100 }
          - { id: a-fund, kind: offer, title: A, product: fund-balanced, channels: [email], value: 100 }
          - { id: c-ins, kind: offer, title: C, category: insurance, channels: [email], value: 50 }
          - { id: d-tax, kind: offer, title: D, category: tax_planning, channels: [email], value: 10 }
          - { id: m1, kind: message, title: M1, channels: [email], template: "one", value: 5 }
          - { id: m2, kind: message, title: M2, channels: [email], template: "two", value: 9 }
        """, settings: "settings: { arbitration: { top_offers: 2, max_messages: 1 } }")
        let engine = Engine(catalog: catalog, products: Fixture.advisorProducts)
        let result = engine.recommend(for: Fixture.client("T", consents: [.email]), asOf: Fixture.asOf, options: RecommendOptions(explainRejections: true))
        // a-fund and b-fund tie: a-fund wins by id; b-fund is the same category.
        #expect(result.offers.map(\.itemID) == ["a-fund", "c-ins"])
        #expect(result.offers.map(\.rank) == [1, 2])
        let why = Dictionary(uniqueKeysWithValues: result.notRecommended.map { ($0.itemID, $0.reason) })
        #expect(why["b-fund"] == "ranked out by category diversity: category 'investment' already has a-fund (at most 1 per category)")
        #expect(why["d-tax"] == "ranked out (top 2 offers): priority 0.5 < last selected 2.5 (c-ins)")
        #expect(result.messages.map(\.itemID) == ["m2"])
        #expect(result.messages.first?.text == "two")
        #expect(why["m1"]?.hasPrefix("ranked out (at most 1 messages)") == true)
        // Without the request, no why-not list.
        #expect(engine.recommend(for: Fixture.client("T", consents: [.email]), asOf: Fixture.asOf).notRecommended.isEmpty)
    }

    @Test func contactCapsAndChannelChoice() throws {
        let catalog = try Self.catalog("""
          - { id: m1, kind: message, title: M1, channels: [email, sms], template: "x", repeatable: true }
        """, policy: """
        contact_policy:
          caps:
            - { channel: email, max: 1, window_days: 7 }
            - { channel: any, max: 3, window_days: 30 }
        """)
        let engine = Engine(catalog: catalog)
        let once = Response(itemID: "other", channel: .email, presentedAt: Fixture.day(-2), outcome: .presented)
        let capped = engine.recommend(for: Fixture.client("A", consents: [.email, .sms], responses: [once]), asOf: Fixture.asOf)
        #expect(capped.messages.first?.channel == .sms)
        let onlyEmail = engine.recommend(for: Fixture.client("B", consents: [.email], responses: [once]), asOf: Fixture.asOf,
                                         options: RecommendOptions(explainRejections: true))
        #expect(onlyEmail.messages.isEmpty)
        #expect(onlyEmail.notRecommended.first?.reason == "contact cap reached: 1 contacts on email in the last 7 days (cap 1)")
        let three = (1...3).map { Response(itemID: "o\($0)", channel: .post, presentedAt: Fixture.day(-10 - $0), outcome: .presented) }
        let all = engine.recommend(for: Fixture.client("C", consents: [.email, .sms], responses: three), asOf: Fixture.asOf,
                                   options: RecommendOptions(explainRejections: true))
        #expect(all.notRecommended.first?.check == .contactPolicy)
    }

    @Test func explorationIsSeededAndOffByDefault() throws {
        let catalog = try Self.catalog("""
          - { id: a, kind: offer, title: A, category: savings, channels: [email], prior: { alpha: 2, beta: 20 } }
        """)
        let engine = Engine(catalog: catalog)
        let client = Fixture.client("E", consents: [.email])
        let mean = try #require(engine.recommend(for: client, asOf: Fixture.asOf).offers.first).explanation.factors.acceptance
        #expect(abs(mean - 2.0 / 22.0) < 1e-12)
        let explore = RecommendOptions(exploration: true, seed: 7)
        let first = try #require(engine.recommend(for: client, asOf: Fixture.asOf, options: explore).offers.first).explanation.factors.acceptance
        let again = try #require(engine.recommend(for: client, asOf: Fixture.asOf, options: explore).offers.first).explanation.factors.acceptance
        #expect(first == again)
        #expect(first != mean)
        let samples = (0..<20).map { seed in
            engine.recommend(for: client, asOf: Fixture.asOf, options: RecommendOptions(exploration: true, seed: UInt64(seed))).offers[0].explanation.factors.acceptance
        }
        #expect(Set(samples).count > 15)
        #expect(samples.allSatisfy { $0 > 0 && $0 < 1 })
    }

    @Test func triggersFadeLinearlyOrExponentially() {
        let linear = Trigger(event: "child_born", windowDays: 100, boost: 5)
        #expect(linear.multiplier(daysSinceEvent: 0) == 5)
        #expect(linear.multiplier(daysSinceEvent: 50) == 3)
        #expect(linear.multiplier(daysSinceEvent: 100) == 1)
        #expect(linear.multiplier(daysSinceEvent: 101) == 1)
        let exponential = Trigger(event: "x", windowDays: 100, boost: 5, fade: .exponential)
        #expect(exponential.multiplier(daysSinceEvent: 50) < linear.multiplier(daysSinceEvent: 50))
        #expect(exponential.multiplier(daysSinceEvent: 50) > 1)
    }
}
