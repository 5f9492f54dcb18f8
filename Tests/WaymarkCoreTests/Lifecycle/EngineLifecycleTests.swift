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

    /// The facts find the catalog's multipliers in the client's own category table (by
    /// fingerprint, scanned up to 16 categories, hashed beyond): the same points as the
    /// programme's own look-up by name, for few and many categories, with and without expiry.
    @Test(arguments: [3, 16, 17, 40])
    func factsReadTheMultipliersOfTheClientsCategories(categories: Int) {
        let names = (0..<categories).map { "category-\($0)" }
        var program = LoyaltyProgram(pointsPerUnit: 1, tiers: [.init(name: "Member", threshold: 0)])
        for (k, name) in names.enumerated() where k % 3 != 1 { program.categoryMultipliers[name] = Double(k + 2) }
        program.categoryMultipliers["not-bought"] = 50
        let purchases = (0..<(2 * categories)).map { k in
            Purchase(productID: "p\(k % categories)", category: names[k % categories], at: Fixture.day(-10 - k), amountCents: 1_000 + Int64(k))
        }
        let snapshot = Fixture.client("L", purchases: purchases)
        for expiry in [0, 365] {
            program.expiryDays = expiry
            let facts = ClientFacts(snapshot: snapshot, asOf: Fixture.asOf, loyalty: program)
            let direct = program.status(purchases: purchases, ledger: [], asOf: Fixture.asOf)
            #expect(facts.loyalty.points == direct.points && facts.loyalty.qualifyingPoints == direct.qualifyingPoints)
            #expect(direct.points > 2 * categories * 10, "multipliers apply")
        }
    }
}

@Suite struct LifecycleStageSinceTests {
    let assessor = LifecycleAssessor()

    func assess(_ offsets: [Int], pAlive: Double = 0.9, recorded: StageRecord? = nil, firstSeen: Int? = nil,
                at asOf: Timestamp = Fixture.asOf) -> StageAssessment {
        assessor.assess(LifecycleInput(purchaseTimes: offsets.map(Fixture.day), pAlive: pAlive, recorded: recorded,
                                       firstSeen: firstSeen.map(Fixture.day)), asOf: asOf)
    }

    @Test("each stage is dated from the timeline on the first assessment, not from as_of")
    func stagesAreDatedFromTheTimeline() {
        #expect(assess([], firstSeen: -1403).since == Fixture.day(-1403))
        #expect(assess([]).since == Fixture.asOf)  // first_seen unknown
        // lapsed: last purchase + lapsed_days (730).
        #expect(assess([-900, -800]).since == Fixture.day(-800 + 730))
        // at_risk by the gap: the first day past 2.5 × the usual gap after the last purchase.
        let gap = assess([-500, -470, -440, -410, -380, -350, -320, -200])
        #expect(gap.stage == .atRisk)
        #expect(gap.since == Fixture.day(-200 + 108))  // mean gap 300/7 ≈ 42.86; 2.5 × that ≈ 107.1 → day 108
        // at_risk by p_alive: when the client fell behind the usual pace.
        let drifting = assess([-400, -350, -300, -250], pAlive: 0.42)
        #expect(drifting.stage == .atRisk)
        #expect(drifting.since == Fixture.day(-250 + 126))  // 2.5 × 50 = 125 → day 126
        // loyal: from the 5th purchase, the tenure (365 days) and the end of onboarding.
        let loyal = assess([-800, -600, -400, -200, -100, -10])
        #expect(loyal.stage == .loyal)
        #expect(loyal.since == Fixture.day(-100))
        // active: from the end of onboarding (90 days).
        let active = assess([-300, -200, -100, -20])
        #expect(active.stage == .active)
        #expect(active.since == Fixture.day(-300 + 90))
        // reactivated: the purchase that brought the client back.
        #expect(assess([-1000, -970, -30]).since == Fixture.day(-30))
    }

    @Test("a changed stage starts after the recorded one, so the recorded history stays in order")
    func changedStageStartsAfterTheRecordedOne() {
        let recorded = StageRecord(stage: .atRisk, since: Fixture.day(-10))
        let lapsed = assess([-900, -800], recorded: recorded)
        #expect(lapsed.stage == .lapsed)
        #expect(lapsed.since > recorded.since)
        #expect(lapsed.since <= Fixture.asOf)
    }

    @Test("a recorded reactivation keeps the reason it was recorded with")
    func oneReactivationReason() {
        let history = [-1000, -970, -940, -30]
        let first = assess(history)
        #expect(first.stage == .reactivated)
        let live = assess(history, recorded: StageRecord(stage: .reactivated, since: first.since, previous: nil), at: Fixture.day(-20))
        #expect(live.stage == .reactivated)
        #expect(live.reason == assess(history, at: Fixture.day(-20)).reason)
        #expect(live.reason.hasPrefix("purchase on \(Fixture.day(-30).isoDate) after 910 days without purchase"), "\(live.reason)")
        #expect(!live.reason.contains("reactivated on"))
        // Recorded from an at_risk stage: the same words before and after it is recorded.
        let fromRecord = assess(history, recorded: StageRecord(stage: .atRisk, since: Fixture.day(-100)), at: Fixture.day(-25))
        let later = assess(history, recorded: StageRecord(stage: .reactivated, since: fromRecord.since, previous: .atRisk), at: Fixture.day(-20))
        #expect(fromRecord.reason == later.reason)
    }
}
