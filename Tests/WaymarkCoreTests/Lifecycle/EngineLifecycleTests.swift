import Testing
@testable import WaymarkCore

@Suite struct EngineLifecycleTests {
    let assessor = LifecycleAssessor()

    func times(_ offsets: [Int]) -> [Timestamp] { offsets.map(Fixture.day) }

    func assess(_ offsets: [Int], pAlive: Double = 0.9, recorded: StageRecord? = nil, at asOf: Timestamp = Fixture.asOf) -> StageAssessment {
        assessor.assess(LifecycleInput(purchaseTimes: times(offsets), pAlive: pAlive, recorded: recorded), asOf: asOf)
    }

    @Test func eachStageWithItsReason() {
        let prospect = assess([])
        #expect(prospect.stage == .prospect)
        #expect(prospect.reason == "no purchase yet")

        let onboarding = assess([-12])
        #expect(onboarding.stage == .onboarding)
        #expect(onboarding.reason == "first purchase 12 days ago ≤ onboarding window 90 days")
        #expect(onboarding.since == Fixture.day(-12))

        let active = assess([-300, -200, -100, -20])
        #expect(active.stage == .active)
        #expect(active.reason.hasPrefix("buying at the usual pace"))

        let loyal = assess([-800, -600, -400, -200, -100, -10])
        #expect(loyal.stage == .loyal)
        #expect(loyal.reason == "6 purchases ≥ 5, p_alive 0.90 ≥ 0.70, customer for 800 days ≥ 365")

        let lowPAlive = assess([-800, -600, -400, -200], pAlive: 0.12)
        #expect(lowPAlive.stage == .lapsed)
        #expect(lowPAlive.reason == "p_alive 0.12 < lapsed threshold 0.15")

        let longGone = assess([-900, -800])
        #expect(longGone.stage == .lapsed)
        #expect(longGone.reason == "no purchase for 800 days ≥ lapsed after 730 days")

        let drifting = assess([-400, -350, -300, -250], pAlive: 0.42)
        #expect(drifting.stage == .atRisk)
        #expect(drifting.reason == "p_alive 0.42 < at-risk threshold 0.50")

        let gap = assess([-500, -470, -440, -410, -380, -350, -320, -200])
        #expect(gap.stage == .atRisk)
        #expect(gap.reason.hasPrefix("no purchase for 200 days > 2.50 × usual gap 43 days"), "\(gap.reason)")
    }

    @Test func clientsMoveBackAndForth() {
        // Active, then silent: at risk, then lapsed.
        let history = [-1000, -970, -940, -910, -880]
        let active = assess(history, at: Fixture.day(-860))
        #expect(active.stage == .active)
        let atRisk = assess(history, recorded: StageRecord(stage: .active, since: Fixture.day(-860)), at: Fixture.day(-780))
        #expect(atRisk.stage == .atRisk)
        #expect(atRisk.changed)
        #expect(atRisk.transition == "active → at_risk")
        #expect(atRisk.previous == .active)
        let lapsed = assess(history, recorded: StageRecord(stage: .atRisk, since: Fixture.day(-780)), at: Fixture.day(-100))
        #expect(lapsed.stage == .lapsed)
        // Buys again: reactivated (from the record, and from the data alone).
        let back = history + [-30]
        let reactivated = assess(back, recorded: StageRecord(stage: .lapsed, since: Fixture.day(-100), previous: .atRisk))
        #expect(reactivated.stage == .reactivated)
        #expect(reactivated.since == Fixture.day(-30))
        #expect(reactivated.transition == "lapsed → reactivated")
        #expect(reactivated.reason.contains("after being lapsed"))
        let fromData = assess(back)
        #expect(fromData.stage == .reactivated)
        #expect(fromData.reason.hasPrefix("purchase on \(Fixture.day(-30).isoDate) after 850 days without purchase"), "\(fromData.reason)")
        // After the window, a regular buyer again.
        let later = assess(back + [-5], recorded: StageRecord(stage: .reactivated, since: Fixture.day(-30)), at: Fixture.day(80))
        #expect(later.stage != .reactivated)
        // Unchanged stage keeps its start and previous stage.
        let same = assess([-300, -200, -100, -20], recorded: StageRecord(stage: .active, since: Fixture.day(-250), previous: .onboarding))
        #expect(!same.changed)
        #expect(same.since == Fixture.day(-250))
        #expect(same.previous == .onboarding)
        #expect(same.transition == nil)
    }

    @Test func thresholdsComeFromTheCatalog() {
        var thresholds = LifecycleThresholds()
        thresholds.lapsedPAlive = 0.3
        let custom = LifecycleAssessor(thresholds: thresholds)
        let result = custom.assess(LifecycleInput(purchaseTimes: times([-400, -300, -200]), pAlive: 0.25), asOf: Fixture.asOf)
        #expect(result.stage == .lapsed)
        #expect(result.reason == "p_alive 0.25 < lapsed threshold 0.30")
    }

    @Test func loyaltyPointsTiersAndWindow() {
        let program = LoyaltyProgram(pointsPerUnit: 2, categoryMultipliers: ["consumables": 0.5],
                                     tiers: [.init(name: "Gold", threshold: 1000), .init(name: "Silver", threshold: 300)],
                                     qualifyingWindowDays: 365)
        #expect(program.tiers.map(\.name) == ["Silver", "Gold"])
        let purchases = [
            Fixture.purchase("kit-espresso", -500, amount: 149),   // 298, outside the window
            Fixture.purchase("beans-house", -100, amount: 24.9),   // 24.9 pts
            Fixture.purchase("acc-grinder", -50, amount: 129),     // 258
            Fixture.purchase("acc-scale", 10, amount: 1000),       // after as_of
        ]
        let ledger = [LoyaltyEntry(at: Fixture.day(-20), points: 100, reason: "bonus"), LoyaltyEntry(at: Fixture.day(-10), points: -200, reason: "redeemed")]
        let status = program.status(purchases: purchases, ledger: ledger, asOf: Fixture.asOf)
        #expect(status.points == 298 + 24 + 258 + 100 - 200)
        #expect(status.qualifyingPoints == 24 + 258 + 100)
        #expect(status.tier == "Silver")
        #expect(status.nextTier == "Gold")
        #expect(status.pointsToNextTier == 1000 - 382)
        let none = LoyaltyProgram().status(purchases: purchases, ledger: [], asOf: Fixture.asOf)
        #expect(none.tier == "" && none.nextTier == "" && none.pointsToNextTier == 0)
    }
}
