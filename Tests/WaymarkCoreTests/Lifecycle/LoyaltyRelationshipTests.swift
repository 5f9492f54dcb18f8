import Testing
@testable import WaymarkCore

/// Loyalty that rewards the relationship (issue 18 item 4): qualifying and redeemable points
/// apart, expiry with a warning, tier reviews with a grace period, advocacy bonuses.
@Suite("Loyalty: qualifying and redeemable points, expiry, reviews, bonuses")
struct LoyaltyRelationshipTests {
    static let tiers: [LoyaltyProgram.Tier] = [.init(name: "Silver", threshold: 300), .init(name: "Gold", threshold: 1000)]

    static func purchase(_ day: Int, _ amount: Double, at origin: Timestamp = Fixture.asOf) -> Purchase {
        Purchase(productID: "p", category: "c", at: origin.adding(days: day), amountCents: Int64(amount * 100))
    }

    @Test("a redemption lowers the redeemable balance, not the qualifying one; the tier follows the qualifying points", arguments: [0, 730])
    func balancesDiverge(expiryDays: Int) {
        var program = LoyaltyProgram(tiers: Self.tiers)
        program.expiryDays = expiryDays   // both ways of computing it: the plain one and the one with expiry
        let purchases = [Self.purchase(-200, 700), Self.purchase(-100, 500)]
        let before = program.status(purchases: purchases, ledger: [], asOf: Fixture.asOf)
        #expect(before.points == 1200 && before.qualifyingPoints == 1200 && before.tier == "Gold")
        let redeemed = program.status(purchases: purchases, ledger: [LoyaltyEntry(at: Fixture.day(-10), points: -1000, reason: "redeemed")],
                                      asOf: Fixture.asOf)
        #expect(redeemed.points == 200)              // redeemable: spent
        #expect(redeemed.qualifyingPoints == 1200)   // qualifying: untouched
        #expect(redeemed.tier == "Gold")             // status follows the qualifying points
        #expect(redeemed.nextTier == "" && redeemed.pointsToNextTier == 0)
        // Once the qualifying points leave the window, the tier goes, whatever the balance.
        program.qualifyingWindowDays = 150
        let later = program.status(purchases: purchases, ledger: [], asOf: Fixture.asOf)
        #expect(later.points == 1200 && later.qualifyingPoints == 500 && later.tier == "Silver" && later.pointsToNextTier == 500)
    }

    @Test("points expire after N days, a redemption spends the oldest first, and the warning counts what expires soon")
    func expiry() {
        var program = LoyaltyProgram(tiers: Self.tiers)
        program.expiryDays = 365
        let purchases = [Self.purchase(-350, 500), Self.purchase(-100, 300)]
        let ledger = [LoyaltyEntry(at: Fixture.day(-50), points: -200, reason: "redeemed")]
        let now = program.status(purchases: purchases, ledger: ledger, asOf: Fixture.asOf)
        // The redemption took 200 of the first 500 (which expire on day 15); 300 of the second expire on day 265.
        #expect(now.points == 600)
        #expect(now.pointsExpiring(within: 30, asOf: Fixture.asOf) == 300)
        #expect(now.pointsExpiring(within: 14, asOf: Fixture.asOf) == 0)
        #expect(now.pointsExpiring(within: 365, asOf: Fixture.asOf) == 600)
        #expect(now.qualifyingPoints == 800)
        let after = program.status(purchases: purchases, ledger: ledger, asOf: Fixture.day(20))
        #expect(after.points == 300 && after.expiredPoints == 300)
        #expect(after.pointsExpiring(within: 30, asOf: Fixture.day(20)) == 0)
        // A redemption larger than the unexpired points leaves a debt the next earning repays.
        let overdrawn = program.status(purchases: [Self.purchase(-10, 100), Self.purchase(-5, 50)],
                                       ledger: [LoyaltyEntry(at: Fixture.day(-8), points: -120)], asOf: Fixture.asOf)
        #expect(overdrawn.points == 30)
        #expect(overdrawn.pointsExpiring(within: 400, asOf: Fixture.asOf) == 30)
    }

    @Test("a yearly review: the tier earned in a year holds the next year, a shortfall keeps it through the grace period, upgrades are immediate")
    func tierReview() {
        let first = Timestamp(year: 2023, month: 1, day: 1)
        var program = LoyaltyProgram(tiers: Self.tiers)
        program.tierReview = .init(firstReview: first, everyDays: 365, graceDays: 60)
        let purchases = [Self.purchase(30, 1200, at: first)]   // 2023-01-31: Gold at once
        func status(_ y: Int, _ m: Int, _ d: Int, _ extra: [Purchase] = []) -> LoyaltyStatus {
            program.status(purchases: purchases + extra, ledger: [], asOf: Timestamp(year: y, month: m, day: d))
        }
        #expect(status(2023, 1, 15).tier == "")
        #expect(status(2023, 2, 1).tier == "Gold")           // an upgrade is immediate
        let reviewed = status(2024, 6, 1)                     // 2023's points hold the tier through 2024
        #expect(reviewed.tier == "Gold" && reviewed.qualifyingPoints == 0 && reviewed.tierHeldUntil == nil)
        let grace = status(2025, 1, 15)                       // the 2024 review period earned nothing: grace
        #expect(grace.tier == "Gold")
        #expect(grace.tierHeldUntil == Timestamp(year: 2024, month: 12, day: 31).adding(days: 60))
        #expect(status(2025, 3, 15).tier == "")               // after the grace period: downgraded
        let back = status(2025, 3, 21, [Self.purchase(0, 400, at: Timestamp(year: 2025, month: 3, day: 20))])
        #expect(back.tier == "Silver" && back.qualifyingPoints == 400 && back.nextTier == "Gold" && back.pointsToNextTier == 600)
    }

    @Test("referrals and reviews earn bonus points, redeemable and qualifying")
    func advocacyBonus() {
        var program = LoyaltyProgram(tiers: Self.tiers)
        program.bonusPoints = ["referral": 250, "review": 50]
        let interactions = [
            Interaction(channel: .web, kind: "referral", at: Fixture.day(-30)),
            Interaction(channel: .web, kind: "review", at: Fixture.day(-20)),
            Interaction(channel: .web, kind: "visit", at: Fixture.day(-10)),
            Interaction(channel: .web, kind: "referral", at: Fixture.day(5)),   // after as_of
        ]
        let status = program.status(purchases: [Self.purchase(-40, 100)], ledger: [], interactions: interactions, asOf: Fixture.asOf)
        #expect(status.bonusPoints == 300)
        #expect(status.points == 400 && status.qualifyingPoints == 400 && status.tier == "Silver")
    }

    @Test("the catalog reads the settings; points_expiring_within(30) admits the warning message, whose text names the points")
    func ruleAndMessage() throws {
        let catalog = try CatalogLoader.load("""
            version: "loyalty-1"
            loyalty:
              points_per_unit: 1
              points_expire_after_days: 365
              bonus_points: { referral: 100 }
              tier_review: { first_review: 2024-01-01, every_days: 365, grace_days: 30 }
              tiers: [{ name: Silver, threshold: 300 }, { name: Gold, threshold: 1000 }]
            items:
              - id: msg-expiring
                kind: message
                title: Points expiring
                channels: [email]
                when: points_expiring_within(30) > 0 && tier == "Silver"
                template: "{{points_expiring_30d}} of your {{points}} points expire soon"
            """, file: "loyalty.yaml")
        #expect(catalog.loyalty.expiryDays == 365 && catalog.loyalty.bonusPoints == ["referral": 100])
        #expect(catalog.loyalty.tierReview == .init(firstReview: Timestamp(year: 2024, month: 1, day: 1), everyDays: 365, graceDays: 30))
        let engine = Engine(catalog: catalog)
        func client(_ purchases: [Purchase]) -> ClientSnapshot {
            ClientSnapshot(profile: ClientProfile(id: "L1", firstSeen: Fixture.day(-500), consents: ChannelSet([.email])),
                           purchases: purchases, loyaltyLedger: [LoyaltyEntry(at: Fixture.day(-5), points: -100)])
        }
        let soon = engine.recommend(for: client([Self.purchase(-350, 400)]), asOf: Fixture.asOf)
        let message = try #require(soon.messages.first { $0.itemID == "msg-expiring" })
        #expect(message.text == "300 of your 300 points expire soon")
        let later = engine.recommend(for: client([Self.purchase(-200, 400)]), asOf: Fixture.asOf)
        #expect(!later.messages.contains { $0.itemID == "msg-expiring" })

        for (text, expected) in [
            ("loyalty: { bonus_points: { tweet: 5 } }", "unknown advocacy 'tweet'"),
            ("loyalty: { tier_review: { every_days: 365 } }", "loyalty.tier_review needs 'first_review' and 'every_days'"),
            ("loyalty: { points_expire_after_days: -1 }", "loyalty.points_expire_after_days"),
        ] {
            #expect(throws: CatalogError.self) { try CatalogLoader.load("version: \"x\"\n" + text + "\n", file: "bad.yaml") }
            do { _ = try CatalogLoader.load("version: \"x\"\n" + text + "\n", file: "bad.yaml") } catch {
                #expect("\(error)".contains(expected), "\(error)")
            }
        }
    }
}
