/// A client's stage at one date, with the reason and the transition from the recorded stage.
package struct StageAssessment: Sendable, Hashable {
    package var stage: LifecycleStage
    /// Which fact crossed which threshold, e.g. `p_alive 0.12 < lapsed threshold 0.15`.
    package var reason: String
    /// The last recorded stage, nil when none was recorded.
    package var recorded: LifecycleStage?
    /// When the client entered `stage` (the as_of itself for a change without a known start).
    package var since: Timestamp
    /// The stage before `stage`: the recorded stage after a change, or the recorded previous
    /// stage when unchanged.
    package var previous: LifecycleStage?

    /// Whether the stage differs from the recorded one (a transition to record).
    package var changed: Bool { recorded != stage }

    /// `at_risk → reactivated`, nil when unchanged.
    package var transition: String? {
        guard changed else { return nil }
        return "\(recorded?.rawValue ?? "none") → \(stage.rawValue)"
    }
}

/// What the stage rules read. Built by `ClientFacts`, or by hand in tests.
package struct LifecycleInput: Sendable, Hashable {
    /// Purchase times up to as_of, ascending.
    package var purchaseTimes: [Timestamp]
    package var pAlive: Double
    package var recorded: StageRecord?

    package init(purchaseTimes: [Timestamp], pAlive: Double, recorded: StageRecord? = nil) {
        self.purchaseTimes = purchaseTimes
        self.pAlive = pAlive
        self.recorded = recorded
    }
}

/// Computes lifecycle stages from facts and the catalog's thresholds.
///
/// The rules, first match wins:
/// 1. `prospect`: no purchase up to as_of.
/// 2. `onboarding`: the first purchase is at most `onboarding_days` old.
/// 3. `lapsed`: p_alive < `lapsed_p_alive`, or no purchase for `lapsed_days` or more.
/// 4. `at_risk`: p_alive < `at_risk_p_alive`, or no purchase for longer than
///    `at_risk_gap_factor` × the usual gap (the mean gap between purchases, `default_gap_days`
///    with a single purchase).
/// 5. `reactivated`: within `reactivated_days` of a purchase that ended a gap long enough to be
///    at risk (or lapsed), or that followed a recorded `at_risk`/`lapsed` stage.
/// 6. `loyal`: at least `loyal_min_purchases` purchases, p_alive ≥ `loyal_min_p_alive`, and
///    the first purchase at least `loyal_min_tenure_days` old.
/// 7. `active` otherwise.
package struct LifecycleAssessor: Sendable, Hashable {
    package var thresholds: LifecycleThresholds

    package init(thresholds: LifecycleThresholds = LifecycleThresholds()) {
        self.thresholds = thresholds
    }

    /// The mean gap in days between consecutive purchases, nil with fewer than two.
    package static func usualGapDays(_ times: ArraySlice<Timestamp>) -> Double? {
        guard let first = times.first, let last = times.last, times.count >= 2 else { return nil }
        return max(1, last.fractionalDays(since: first) / Double(times.count - 1))
    }

    package func assess(_ input: LifecycleInput, asOf: Timestamp) -> StageAssessment {
        let t = thresholds
        let recorded = input.recorded
        func result(_ stage: LifecycleStage, _ reason: String, since: Timestamp? = nil) -> StageAssessment {
            let start: Timestamp
            let previous: LifecycleStage?
            if let recorded, recorded.stage == stage {
                start = recorded.since
                previous = recorded.previous
            } else {
                start = since ?? asOf
                previous = recorded?.stage
            }
            return StageAssessment(stage: stage, reason: reason, recorded: recorded?.stage, since: start, previous: previous)
        }

        let times = input.purchaseTimes
        guard let first = times.first, let last = times.last else {
            return result(.prospect, "no purchase yet")
        }
        let sinceFirst = asOf.days(since: first)
        let sinceLast = asOf.days(since: last)
        let pAlive = input.pAlive

        if sinceFirst <= t.onboardingDays {
            return result(.onboarding, "first purchase \(sinceFirst) days ago ≤ onboarding window \(t.onboardingDays) days", since: first)
        }
        if pAlive < t.lapsedPAlive {
            return result(.lapsed, "p_alive \(fmt(pAlive)) < lapsed threshold \(fmt(t.lapsedPAlive))")
        }
        if sinceLast >= t.lapsedDays {
            return result(.lapsed, "no purchase for \(sinceLast) days ≥ lapsed after \(t.lapsedDays) days")
        }
        if pAlive < t.atRiskPAlive {
            return result(.atRisk, "p_alive \(fmt(pAlive)) < at-risk threshold \(fmt(t.atRiskPAlive))")
        }
        let gap = Self.usualGapDays(times[...]) ?? Double(t.defaultGapDays)
        if Double(sinceLast) > t.atRiskGapFactor * gap {
            return result(.atRisk, "no purchase for \(sinceLast) days > \(fmt(t.atRiskGapFactor)) × usual gap \(Int(gap.rounded())) days")
        }
        if let reactivation = reactivation(times, asOf: asOf, recorded: recorded) {
            return result(.reactivated, reactivation.reason, since: reactivation.at)
        }
        let tenure = sinceFirst
        if times.count >= t.loyalMinPurchases, pAlive >= t.loyalMinPAlive, tenure >= t.loyalMinTenureDays {
            return result(.loyal, "\(times.count) purchases ≥ \(t.loyalMinPurchases), p_alive \(fmt(pAlive)) ≥ \(fmt(t.loyalMinPAlive)), customer for \(tenure) days ≥ \(t.loyalMinTenureDays)")
        }
        return result(.active, "buying at the usual pace: last purchase \(sinceLast) days ago, usual gap \(Int(gap.rounded())) days, p_alive \(fmt(pAlive))")
    }

    /// The most recent purchase within the reactivation window that brought the client back.
    private func reactivation(_ times: [Timestamp], asOf: Timestamp, recorded: StageRecord?) -> (at: Timestamp, reason: String)? {
        let t = thresholds
        let windowStart = asOf.adding(days: -t.reactivatedDays)
        // From the recorded history: a purchase after an at_risk/lapsed stage.
        if let recorded {
            switch recorded.stage {
            case .atRisk, .lapsed:
                if let back = times.first(where: { $0 > recorded.since }), back >= windowStart {
                    return (back, "purchase on \(back.isoDate) after being \(recorded.stage.rawValue) since \(recorded.since.isoDate); reactivated for \(t.reactivatedDays) days")
                }
            case .reactivated:
                if recorded.since >= windowStart {
                    return (recorded.since, "reactivated on \(recorded.since.isoDate), within the \(t.reactivatedDays)-day reactivation window")
                }
            default:
                break
            }
        }
        // From the data: a long gap ended by a recent purchase.
        var i = times.count - 1
        while i >= 1, times[i] >= windowStart {
            let gapDays = times[i].days(since: times[i - 1])
            let usual = Self.usualGapDays(times[..<i]) ?? Double(t.defaultGapDays)
            if Double(gapDays) > t.atRiskGapFactor * usual || gapDays >= t.lapsedDays {
                return (times[i], "purchase on \(times[i].isoDate) after \(gapDays) days without purchase (> \(fmt(t.atRiskGapFactor)) × usual gap \(Int(usual.rounded())) days); reactivated for \(t.reactivatedDays) days")
            }
            i -= 1
        }
        return nil
    }
}

/// A number as a reason shows it: two decimals, no trailing zeros beyond one.
func fmt(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
    let scaled = (value * 100).rounded() / 100
    var text = String(scaled)
    if let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) == 2 { text += "0" }
    return text
}
