import Testing
@testable import WaymarkCore

/// The example catalogs against a small fixed set of hand-built clients.
@Suite struct EngineGoldenTests {
    static func advisorClients() -> [ClientSnapshot] {
        [
            // Just had a child and owns an investment fund: life cover.
            Fixture.client("C-NEWPARENT", firstSeen: -700, age: 34, consents: [.email, .app],
                           purchases: [Fixture.purchase("sav-easy", -650, amount: 500),
                                       Fixture.purchase("fund-index", -400, amount: 1500),
                                       Fixture.purchase("fund-balanced", -150, amount: 3000)],
                           events: [LifeEvent(kind: "child_born", at: Fixture.day(-20))],
                           interactions: [Interaction(channel: .email, kind: "open", at: Fixture.day(-15))]),
            // Bought regularly, then nothing for two and a half years: win-back.
            Fixture.client("C-DRIFTING", firstSeen: -1500, age: 52, consents: [.email, .phone],
                           purchases: [Fixture.purchase("sav-easy", -1400, amount: 500),
                                       Fixture.purchase("fund-index", -1300, amount: 1500),
                                       Fixture.purchase("ins-home", -1200, amount: 420),
                                       Fixture.purchase("tax-review", -1100, amount: 350),
                                       Fixture.purchase("pension-plan", -900, amount: 2400)]),
            // A prospect: the lead offer.
            Fixture.client("C-PROSPECT", firstSeen: -40, age: 27, consents: [.email],
                           events: [LifeEvent(kind: "first_job", at: Fixture.day(-60))]),
            // Do-not-contact: only what the adviser sees in a meeting or the client on the web.
            Fixture.client("C-QUIET", firstSeen: -40, age: 30, consents: [.email], doNotContact: true),
        ]
    }

    static func summary(_ set: RecommendationSet) -> String {
        var lines = ["\(set.clientID): \(set.scores.stage.rawValue) (\(set.scores.stageReason))"]
        for r in set.offers { lines.append("  offer \(r.rank) \(r.itemID) via \(r.channel.rawValue) priority \(fmt4(r.priority))") }
        for r in set.messages { lines.append("  message \(r.rank) \(r.itemID) via \(r.channel.rawValue): \(r.text ?? "")") }
        return lines.joined(separator: "\n")
    }

    static func retailClients() -> [ClientSnapshot] {
        [
            // Bought an espresso kit last week: welcome and how-to, a care plan for the machine, then
            // the subscription and accessories (catalog priors and values alone: no fitted models).
            Fixture.client("R-NEW", firstSeen: -30, age: 29, consents: [.email, .app],
                           purchases: [Fixture.purchase("kit-espresso", -6, amount: 149)]),
            // A regular close to Gold: progress message.
            Fixture.client("R-REGULAR", firstSeen: -800, age: 41, consents: [.email, .app, .sms],
                           purchases: (0..<24).map { Fixture.purchase($0 == 0 ? "kit-espresso" : "beans-house", -720 + $0 * 30, amount: $0 == 0 ? 149 : 70) }
                               + [Fixture.purchase("acc-grinder", -15, amount: 129)]),
            // Used to buy every month, silent for eight months: win-back.
            Fixture.client("R-GONE", firstSeen: -900, age: 35, consents: [.email],
                           purchases: [Fixture.purchase("kit-capsule", -600, amount: 99)]
                               + (1..<8).map { Fixture.purchase("capsules-40", -600 + $0 * 30, amount: 14) }),
            // A newsletter subscriber who never bought: the starter-kit lead offer.
            Fixture.client("R-PROSPECT", firstSeen: -10, age: 24, consents: [.email]),
        ]
    }

    static let advisorGolden = """
    C-NEWPARENT: active (buying at the usual pace: last purchase 150 days ago, usual gap 250 days, p_alive 1)
      offer 1 offer-life-cover via email priority 43.9759
      offer 2 offer-will via email priority 32.9819
      offer 3 offer-pension via email priority 13.2
      message 1 msg-tier-upgrade via email: Congratulations: you are now a Silver client. Enjoy priority appointments and a free annual review.
    C-DRIFTING: lapsed (p_alive 0.05 < lapsed threshold 0.15)
      offer 1 offer-pension via advisor priority 0.4955
      offer 2 offer-first-investment via email priority 0.4595
      offer 3 offer-savings-starter via web priority 0.4054
      message 1 msg-win-back via phone: It has been a while. Markets and rules have changed since we last spoke: may we offer you a free review of your plans with us (5 to date), at a time that suits you?
    C-PROSPECT: prospect (no purchase yet)
      offer 1 offer-savings-starter via web priority 31.5616
      offer 2 offer-first-investment via email priority 10.2
      offer 3 offer-home-insurance via email priority 5.5
    C-QUIET: prospect (no purchase yet)
      offer 1 offer-first-investment via advisor priority 10.2
      offer 2 offer-savings-starter via web priority 9
      offer 3 offer-home-insurance via advisor priority 5.5
    """

    @Test func financialAdvisorGolden() throws {
        let catalog = try Fixture.loadExample("financial-advisor.yaml", products: Fixture.advisorProducts)
        let engine = Engine(catalog: catalog, products: Fixture.advisorProducts)
        let results = Self.advisorClients().map { engine.recommend(for: $0, asOf: Fixture.asOf, options: RecommendOptions(explainRejections: true)) }
        #expect(results.map(Self.summary).joined(separator: "\n") == Self.advisorGolden)

        // The new parent who owns an investment fund is offered life cover first, because of the child.
        let parent = results[0]
        let lifeCover = try #require(parent.offers.first)
        #expect(lifeCover.itemID == "offer-life-cover")
        #expect(lifeCover.explanation.trigger?.hasPrefix("child_born 20 days ago") == true)
        #expect(lifeCover.explanation.factors.lifeEventBoost > 5)
        #expect(lifeCover.explanation.admittedBy.contains { $0.hasPrefix("when: event_within(\"child_born\", 365)") })
        #expect(lifeCover.explanation.summary.hasPrefix("priority 43.98 = propensity 0.229 (acceptance 0.04 × affinity given owned 1 × life event 5.73 × activity 1) × value 160"))
        // Why not more investment? Funds are topped up (repeatable), but life cover, a will and a
        // pension rank higher for a new parent.
        let why = try #require(parent.notRecommended.first { $0.itemID == "offer-first-investment" })
        #expect(why.check == .rankedOut)
        #expect(why.reason == "ranked out (top 3 offers): priority 12.24 < last selected 13.2 (offer-pension)")
        let ranked = try #require(parent.notRecommended.first { $0.itemID == "offer-tax-review" })
        #expect(ranked.check == .rankedOut)
        #expect(ranked.reason == "ranked out (top 3 offers): priority 10.08 < last selected 13.2 (offer-pension)")

        // Probability alive fell: win-back message, valued at the CLV at stake.
        let drifting = results[1]
        #expect(drifting.scores.stage == .lapsed)
        #expect(drifting.messages.first?.itemID == "msg-win-back")
        #expect(drifting.messages.first?.explanation.factors.activity == drifting.scores.pAlive)

        // A prospect gets the lead offer first, then the other first rungs of the ladder.
        #expect(results[2].offers.first?.itemID == "offer-savings-starter")
        #expect(Set(results[2].offers.map(\.itemID)) == ["offer-savings-starter", "offer-first-investment", "offer-home-insurance"])
        #expect(results[2].messages.isEmpty)
        // Do-not-contact, inbound only: nothing sent, the lead offer only on the web.
        #expect(results[3].messages.isEmpty)
        #expect(results[3].offers.allSatisfy { $0.channel == .web || $0.channel == .advisor })
        #expect(results[3].notRecommended.contains { $0.itemID == "msg-welcome" && $0.check == .doNotContact })
    }

    @Test func retailGolden() throws {
        let catalog = try Fixture.loadExample("retail.yaml", products: Fixture.retailProducts)
        let engine = Engine(catalog: catalog, products: Fixture.retailProducts)
        let results = Self.retailClients().map { engine.recommend(for: $0, asOf: Fixture.asOf, options: RecommendOptions(explainRejections: true)) }
        #expect(results.map(Self.summary).joined(separator: "\n") == Self.retailGolden)
        // The regular is 112 points from Gold: the progress message is eligible, ranked out by two better messages.
        #expect(results[1].scores.tier == "Silver")
        #expect(results[1].scores.pointsToNextTier == 112)
        let progress = try #require(results[1].notRecommended.first { $0.itemID == "msg-progress" })
        #expect(progress.check == .rankedOut)
        #expect(progress.reason.hasPrefix("ranked out (at most 2 messages): priority"))
        // The starter-kit buyer is not offered another kit (ownership), and the lapsed client gets the win-back.
        #expect(results[0].notRecommended.first { $0.itemID == "offer-starter-kit" }?.check == .rule)
        #expect(results[2].messages.map(\.itemID) == ["msg-win-back"])
        // Nobody is offered the 1,290 machine on their first purchase; the regular is.
        #expect(results[0].notRecommended.first { $0.itemID == "offer-premium-upgrade" }?.reason
                == "rule clause false: purchase_count >= 2")
        #expect(results[1].offers.first?.itemID == "offer-premium-upgrade")
    }

    static let retailGolden = """
    R-NEW: onboarding (first purchase 6 days ago ≤ onboarding window 60 days)
      offer 1 offer-care-plan via email priority 4.8
      offer 2 offer-bean-subscription via email priority 3
      offer 3 offer-accessories via email priority 1.5
      message 1 msg-welcome via email: Welcome to the club! You already have 149 points. Every euro you spend earns one more.
      message 2 msg-how-to via email: Three tips for a better cup: weigh your dose, grind just before brewing, and keep your water just off the boil. Our video guides are in the app.
    R-REGULAR: loyal (25 purchases ≥ 6, p_alive 1 ≥ 0.70, customer for 720 days ≥ 365)
      offer 1 offer-premium-upgrade via email priority 7.5
      offer 2 offer-care-plan via email priority 4.8
      offer 3 offer-bean-subscription via email priority 3
      message 1 msg-referral-ask via email: Give a friend 10 % off their first order, and get 200 points when they buy.
      message 2 msg-tier-upgrade via email: You made it: welcome to Silver! Enjoy free delivery and early access to new roasts.
    R-GONE: lapsed (p_alive 0.00 < lapsed threshold 0.15)
      offer 1 offer-premium-upgrade via email priority 0.0186
      offer 2 offer-care-plan via email priority 0.0119
      offer 3 offer-bean-subscription via email priority 0.0074
      message 1 msg-win-back via email: We miss you! Your 197 points are still here, and your next bag of beans is on us with code COMEBACK.
    R-PROSPECT: prospect (no purchase yet)
      offer 1 offer-starter-kit via web priority 4.8
      offer 2 offer-bean-subscription via email priority 3
      offer 3 offer-accessories via email priority 1.5
    """

    @Test func sameInputsSameOutput() throws {
        let catalog = try Fixture.loadExample("financial-advisor.yaml", products: Fixture.advisorProducts)
        let engine = Engine(catalog: catalog, products: Fixture.advisorProducts)
        for client in Self.advisorClients() {
            let a = engine.recommend(for: client, asOf: Fixture.asOf, options: RecommendOptions(explainRejections: true))
            var shuffled = client
            shuffled.purchases.reverse()
            let b = engine.recommend(for: shuffled, asOf: Fixture.asOf, options: RecommendOptions(explainRejections: true))
            #expect(a.all == b.all)
            #expect(a.notRecommended == b.notRecommended)
        }
    }
}
