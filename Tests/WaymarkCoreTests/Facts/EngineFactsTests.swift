import Testing
@testable import WaymarkCore
import WaymarkLifetime

@Suite struct EngineFactsTests {
    static let loyalty = LoyaltyProgram(pointsPerUnit: 1, categoryMultipliers: ["pension": 2],
                                        tiers: [.init(name: "Member", threshold: 0), .init(name: "Silver", threshold: 500), .init(name: "Gold", threshold: 2000)])

    static func sample(extraFuture: Bool = false) -> ClientSnapshot {
        var purchases = [
            Fixture.purchase("sav-easy", -400, amount: 100),
            Fixture.purchase("fund-index", -200, amount: 300),
            Fixture.purchase("pension-plan", -30, amount: 50, channel: .advisor),
        ]
        var events = [LifeEvent(kind: "child_born", at: Fixture.day(-20)), LifeEvent(kind: "marriage", at: Fixture.day(-700))]
        var interactions = [
            Interaction(channel: .email, kind: "open", at: Fixture.day(-5)),
            Interaction(channel: .email, kind: "click", at: Fixture.day(-4)),
            Interaction(channel: .web, kind: "review", at: Fixture.day(-100)),
        ]
        var responses = [Response(itemID: "offer-will", channel: .email, presentedAt: Fixture.day(-10), outcome: .declined, respondedAt: Fixture.day(-9))]
        if extraFuture {
            purchases.append(Fixture.purchase("life-term", 5, amount: 999))
            events.append(LifeEvent(kind: "home_purchase", at: Fixture.day(3)))
            interactions.append(Interaction(channel: .sms, kind: "referral", at: Fixture.day(1)))
            responses.append(Response(itemID: "offer-pension", channel: .email, presentedAt: Fixture.day(2), outcome: .accepted))
            // Presented before as_of, declined after: still only "presented" at as_of.
            responses.append(Response(itemID: "offer-tax-review", channel: .email, presentedAt: Fixture.day(-3), outcome: .declined, respondedAt: Fixture.day(4)))
        }
        return Fixture.client("C1", firstSeen: -500, age: 34, consents: [.email, .sms], purchases: purchases, events: events,
                              interactions: interactions, responses: responses)
    }

    @Test func onlyReviewsAndReferralsAreAdvocacy() {
        let at = Fixture.day(-1)
        for kind in ["review", "referral"] {
            #expect(Interaction(channel: .web, kind: kind, at: at).isAdvocacy, "\(kind)")
        }
        // Same length, other text; other lengths; case matters.
        for kind in ["", "visit", "open", "reviex", "referred", "reviews", "refer", "Review", "REFERRAL", "review "] {
            #expect(!Interaction(channel: .web, kind: kind, at: at).isAdvocacy, "\(kind)")
        }
        // A long kind stored out of line is compared as well.
        let long = String(repeating: "r", count: 40)
        #expect(!Interaction(channel: .web, kind: long, at: at).isAdvocacy)
        var snapshot = Self.sample()
        snapshot.interactions.removeAll { $0.kind == "review" }
        #expect(ClientFacts(snapshot: snapshot, asOf: Fixture.asOf).advocate == false)
        snapshot.interactions.append(Interaction(channel: .store, kind: "referral", at: Fixture.day(-2)))
        #expect(ClientFacts(snapshot: snapshot, asOf: Fixture.asOf).advocate == true)
    }

    @Test func factsOfAClient() {
        let facts = ClientFacts(snapshot: Self.sample(), asOf: Fixture.asOf, loyalty: Self.loyalty)
        #expect(facts.value(of: .age) == .int(34))
        #expect(facts.value(of: .tenureDays) == .int(500))
        #expect(facts.value(of: .purchaseCount) == .int(3))
        #expect(facts.value(of: .totalSpend) == .double(450))
        #expect(facts.value(of: .averageSpend) == .double(150))
        #expect(facts.value(of: .daysSinceFirstPurchase) == .int(400))
        #expect(facts.value(of: .daysSinceLastPurchase) == .int(30))
        #expect(facts.value(of: .ownedProducts) == .list([.string("fund-index"), .string("pension-plan"), .string("sav-easy")]))
        #expect(facts.value(of: .ownedCategories) == .list([.string("investment"), .string("pension"), .string("savings")]))
        #expect(facts.value(of: .recentCategories) == .list([.string("pension")]))
        #expect(facts.value(of: .lifeEvents) == .list([.string("child_born"), .string("marriage")]))
        #expect(facts.value(of: .interactions90d) == .int(2))
        #expect(facts.value(of: .advocate) == .bool(true))
        #expect(facts.value(of: .consents) == .list([.string("email"), .string("sms")]))
        #expect(facts.value(of: .segment) == .string("mass"))
        // Points: 100 + 300 + 50 × 2. The tier counts the last 365 days only (300 + 100):
        // Member, 100 to Silver.
        #expect(facts.value(of: .points) == .int(500))
        #expect(facts.value(of: .tier) == .string("Member"))
        #expect(facts.value(of: .nextTier) == .string("Silver"))
        #expect(facts.value(of: .pointsToNextTier) == .int(100))
        // RFM with the default boundaries: 30 days → recency 5 (≤ 30), 3 purchases → 3, 450 → 3.
        #expect(facts.value(of: .recencyScore) == .int(5))
        #expect(facts.value(of: .frequencyScore) == .int(3))
        #expect(facts.value(of: .monetaryScore) == .int(3))
        // Rule functions.
        #expect(facts.owns(product: "fund-index"))
        #expect(!facts.owns(product: "life-term"))
        #expect(facts.ownsCategory("pension"))
        #expect(facts.boughtWithin("pension", days: 30))
        #expect(!facts.boughtWithin("investment", days: 199))
        #expect(facts.boughtWithin("fund-index", days: 200))
        #expect(facts.eventWithin("child_born", days: 30))
        #expect(!facts.eventWithin("marriage", days: 365))
        #expect(facts.interactionsWithin("email", days: 7) == 2)
        #expect(facts.interactionsWithin("any", days: 365) == 3)
        #expect(facts.consent("sms") && !facts.consent("post"))
        #expect(facts.daysSincePurchase("savings") == 400)
        #expect(facts.daysSinceEvent("child_born") == 20)
        #expect(facts.daysSinceEvent("retirement_approaching") == nil)
        #expect(facts.respondedWithin("offer-will", outcome: "declined", days: 30))
        #expect(!facts.respondedWithin("offer-will", outcome: "accepted", days: 30))
        #expect(facts.attribute("vip") == .null)
    }

    @Test func dataAfterAsOfIsIgnored() {
        let plain = ClientFacts(snapshot: Self.sample(), asOf: Fixture.asOf, loyalty: Self.loyalty)
        let withFuture = ClientFacts(snapshot: Self.sample(extraFuture: true), asOf: Fixture.asOf, loyalty: Self.loyalty)
        for fact in Fact.allCases {
            #expect(plain.value(of: fact) == withFuture.value(of: fact), "\(fact.rawValue)")
        }
        #expect(!withFuture.owns(product: "life-term"))
        #expect(!withFuture.eventWithin("home_purchase", days: 10))
        #expect(!withFuture.respondedWithin("offer-pension", outcome: "any", days: 10))
        #expect(!withFuture.respondedWithin("offer-tax-review", outcome: "declined", days: 10))
        #expect(withFuture.respondedWithin("offer-tax-review", outcome: "presented", days: 10))
        // And a later as_of sees them.
        let later = ClientFacts(snapshot: Self.sample(extraFuture: true), asOf: Fixture.day(10), loyalty: Self.loyalty)
        #expect(later.owns(product: "life-term"))
        #expect(later.respondedWithin("offer-tax-review", outcome: "declined", days: 10))
    }

    @Test func prospectFactsAreNullWhereUnknown() {
        let facts = ClientFacts(snapshot: Fixture.client("P", age: nil), asOf: Fixture.asOf)
        #expect(facts.value(of: .age) == .null)
        #expect(facts.value(of: .daysSinceLastPurchase) == .null)
        #expect(facts.value(of: .recencyScore) == .int(0))
        #expect(facts.value(of: .stage) == .string("prospect"))
        #expect(facts.value(of: .pAlive) == .double(1))
        #expect(facts.value(of: .clv12m) == .double(0))
        #expect(facts.value(of: .tier) == .string(""))
    }

    @Test func fittedLifetimeModelDrivesPAliveAndCLV() {
        // MBG/NBD: a one-time buyer fades with time.
        let model = LifetimeModel(kind: .mbgnbd, parameters: LifetimeParameters(r: 0.8, alpha: 20, a: 0.5, b: 3))
        let models = FittedModels(purchases: model, timeUnitDays: 7)
        let recent = Fixture.client("A", purchases: [Fixture.purchase("sav-easy", -10, amount: 200)])
        let old = Fixture.client("B", purchases: [Fixture.purchase("sav-easy", -900, amount: 200)])
        let a = ClientFacts(snapshot: recent, asOf: Fixture.asOf, models: models)
        let b = ClientFacts(snapshot: old, asOf: Fixture.asOf, models: models)
        #expect(a.pAlive > b.pAlive)
        #expect(b.pAlive < 0.9)
        #expect(a.expectedPurchases90d > 0)
        #expect(a.clv12m > b.clv12m)
    }

    @Test func rfmBoundariesAccumulateQuintiles() {
        var left = RFMBoundaries.Accumulator()
        var right = RFMBoundaries.Accumulator()
        for i in 1...50 { left.add(daysSinceLastPurchase: i, purchases: i, totalSpend: Double(i) * 10) }
        for i in 51...100 { right.add(daysSinceLastPurchase: i, purchases: i, totalSpend: Double(i) * 10) }
        left.merge(right)
        let rfm = left.finish()
        #expect(rfm.frequency == [21, 41, 61, 81])
        #expect(rfm.frequencyScore(purchases: 100) == 5)
        #expect(rfm.frequencyScore(purchases: 1) == 1)
        #expect(rfm.recencyScore(daysSinceLast: 1) == 5)
        #expect(rfm.recencyScore(daysSinceLast: 100) == 1)
        #expect(RFMBoundaries.Accumulator().finish() == RFMBoundaries())
    }

    @Test func timestampsConvertWithoutFoundation() {
        let t = Timestamp(year: 2024, month: 2, day: 29, hour: 12)
        #expect(t.isoDate == "2024-02-29")
        #expect(Timestamp(isoDate: "2024-02-29") == Timestamp(year: 2024, month: 2, day: 29))
        #expect(Timestamp(isoDate: "2023-02-29") == nil)
        #expect(Timestamp(isoDate: "1969-12-31")?.seconds == -86_400)
        #expect(t.adding(days: 1).days(since: t) == 1)
        #expect(Timestamp(year: 1960, month: 3, day: 1).isoDate == "1960-03-01")
        // The ends of the range: a training window stepping back past year 1, a saturated date.
        #expect(Timestamp(year: 1, month: 1, day: 2).isoDate == "0001-01-02")
        #expect(Timestamp(year: 1, month: 1, day: 2).adding(days: -3650).isoDate == "-0009-01-05")
        #expect(Timestamp(year: 1, month: 1, day: 1).adding(days: -1).iso8601 == "0000-12-31T00:00:00Z")
        #expect(Timestamp(seconds: .max).isoDate.count > 10)
        #expect(Timestamp(seconds: .min).isoDate.hasPrefix("-"))
        #expect(Timestamp(seconds: -1).isoDate == "1969-12-31" && Timestamp(seconds: -86_400).isoDate == "1969-12-31")
        #expect(Timestamp(seconds: -86_401).isoDate == "1969-12-30")
        for (a, b, days) in [(0, -1, 0), (0, 1, -1), (-1, 0, -1), (86_400, 0, 1), (0, 86_400, -1), (0, 86_401, -2)] as [(Int64, Int64, Int)] {
            #expect(Timestamp(seconds: a).days(since: Timestamp(seconds: b)) == days, "\(a) − \(b)")
        }
        #expect(Timestamp(seconds: .max).days(since: Timestamp(seconds: .min)) > 0)
        #expect(Timestamp(seconds: .min).days(since: Timestamp(seconds: .max)) < 0)
        #expect(Timestamp(seconds: .max).fractionalDays(since: Timestamp(seconds: .min)) > 2e14)
        #expect(Timestamp(seconds: 86_400 * 3 / 2).fractionalDays(since: Timestamp(seconds: 0)) == 1.5)
    }
}
