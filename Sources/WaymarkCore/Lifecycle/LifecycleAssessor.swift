/// A client's stage at one date, with the reason and the transition from the recorded stage.
package struct StageAssessment: Sendable, Hashable {
    package var stage: LifecycleStage
    /// Which fact crossed which threshold, e.g. `p_alive 0.12 < lapsed threshold 0.15`.
    package var reason: String
    /// The last recorded stage, nil when none was recorded.
    package var recorded: LifecycleStage?
    /// When the client entered `stage`, dated from the timeline (see ``LifecycleAssessor``);
    /// never after as_of, and after the recorded stage's start when the stage changed.
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
    /// When the client was first seen: the start of `prospect`; nil when unknown.
    package var firstSeen: Timestamp?

    package init(purchaseTimes: [Timestamp], pAlive: Double, recorded: StageRecord? = nil, firstSeen: Timestamp? = nil) {
        self.purchaseTimes = purchaseTimes
        self.pAlive = pAlive
        self.recorded = recorded
        self.firstSeen = firstSeen
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
///
/// Each stage is dated from the timeline, so that the first run already knows when a client
/// entered it: `prospect` from `first_seen`; `onboarding` from the first purchase; `lapsed` from
/// the last purchase + `lapsed_days`; `at_risk` from the first day the gap exceeded
/// `at_risk_gap_factor` × the usual gap; a stage reached through p_alive from the earlier of
/// those two dates (as_of when neither has passed: p_alive's own history is not known);
/// `reactivated` from the purchase that brought the client back; `loyal` and `active` from when
/// their conditions first held since the last episode of being at risk (the end of onboarding,
/// the `loyal_min_purchases`-th purchase, the tenure, the end of the reactivation window).
/// An unchanged stage keeps its recorded start. A changed stage starts after the recorded one
/// (a second after it at the earliest), so the history stays in order.
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
                var computed = min(since ?? asOf, asOf)
                if let recorded, computed <= recorded.since {
                    computed = min(asOf, Timestamp(seconds: recorded.since.seconds + 1))
                }
                start = computed
                previous = recorded?.stage
            }
            return StageAssessment(stage: stage, reason: reason, recorded: recorded?.stage, since: start, previous: previous)
        }

        let times = input.purchaseTimes
        guard let first = times.first, let last = times.last else {
            return result(.prospect, "no purchase yet", since: input.firstSeen)
        }
        let sinceFirst = asOf.days(since: first)
        let sinceLast = asOf.days(since: last)
        let pAlive = input.pAlive

        if sinceFirst <= t.onboardingDays {
            return result(.onboarding, "first purchase \(counted(sinceFirst, "day")) ago ≤ onboarding window \(t.onboardingDays) days", since: first)
        }
        let gap = Self.usualGapDays(times[...]) ?? Double(t.defaultGapDays)
        // The first day the gap since the last purchase exceeded the factor × usual gap.
        let overdue = last.adding(days: Int((t.atRiskGapFactor * gap).rounded(.down)) + 1)
        let lapsedAt = last.adding(days: t.lapsedDays)
        let silentSince = min(overdue, lapsedAt)
        if pAlive < t.lapsedPAlive {
            return result(.lapsed, "p_alive \(fmt(pAlive)) < lapsed threshold \(fmt(t.lapsedPAlive))", since: silentSince)
        }
        if sinceLast >= t.lapsedDays {
            return result(.lapsed, "no purchase for \(sinceLast) days ≥ lapsed after \(t.lapsedDays) days", since: lapsedAt)
        }
        if pAlive < t.atRiskPAlive {
            return result(.atRisk, "p_alive \(fmt(pAlive)) < at-risk threshold \(fmt(t.atRiskPAlive))", since: silentSince)
        }
        if Double(sinceLast) > t.atRiskGapFactor * gap {
            return result(.atRisk, "no purchase for \(sinceLast) days > \(fmt(t.atRiskGapFactor)) × usual gap \(Int(gap.rounded())) days", since: overdue)
        }
        // The last return from a long gap, found once (both the reactivation and the start of
        // regular buying read it).
        let returned = lastReturn(times)
        if let reactivation = reactivation(times, asOf: asOf, recorded: recorded, lastReturn: returned) {
            return result(.reactivated, reactivation.reason, since: reactivation.at)
        }
        // Regular buying since the end of onboarding, or of the last reactivation window.
        var regularSince = first.adding(days: t.onboardingDays)
        if let back = returned { regularSince = max(regularSince, back.at.adding(days: t.reactivatedDays)) }
        let tenure = sinceFirst
        if times.count >= t.loyalMinPurchases, pAlive >= t.loyalMinPAlive, tenure >= t.loyalMinTenureDays {
            let loyalSince = max(regularSince, times[max(0, t.loyalMinPurchases - 1)], first.adding(days: t.loyalMinTenureDays))
            // Written as bytes, as the active reason below: every client's facts carry one.
            var text = TextBytes(capacity: 96)
            text.append(times.count)
            text.append(" purchases ≥ ")
            text.append(t.loyalMinPurchases)
            text.append(", p_alive ")
            text.append(reasonNumber: pAlive)
            text.append(" ≥ ")
            text.append(reasonNumber: t.loyalMinPAlive)
            text.append(", customer for ")
            text.append(tenure)
            text.append(" days ≥ ")
            text.append(t.loyalMinTenureDays)
            return result(.loyal, text.string, since: loyalSince)
        }
        var text = TextBytes(capacity: 96)
        text.append("buying at the usual pace: last purchase ")
        text.append(counted: sinceLast, "day")
        text.append(" ago, usual gap ")
        text.append(counted: Int(gap.rounded()), "day")
        text.append(", p_alive ")
        text.append(reasonNumber: pAlive)
        return result(.active, text.string, since: regularSince)
    }

    /// The most recent purchase within the reactivation window that brought the client back.
    ///
    /// A purchase after a recorded `at_risk`/`lapsed` stage, else a long gap ended by a purchase
    /// (from the data alone). A recorded `reactivated` stage still in its window keeps the
    /// reason it was recorded with, so the live answer and the stage history say the same thing.
    private func reactivation(_ times: [Timestamp], asOf: Timestamp, recorded: StageRecord?,
                              lastReturn returned: Return?) -> (at: Timestamp, reason: String)? {
        let t = thresholds
        let windowStart = asOf.adding(days: -t.reactivatedDays)
        if let recorded {
            switch recorded.stage {
            case .atRisk, .lapsed:
                if let back = times.first(where: { $0 > recorded.since }), back >= windowStart {
                    return (back, Self.returnReason(back, after: recorded.stage, days: t.reactivatedDays))
                }
            case .reactivated where recorded.since >= windowStart:
                let back = times.first(where: { $0 >= recorded.since }) ?? recorded.since
                if let previous = recorded.previous, previous == .atRisk || previous == .lapsed {
                    return (back, Self.returnReason(back, after: previous, days: t.reactivatedDays))
                }
                if let fromData = returned, fromData.at >= windowStart { return (fromData.at, fromData.reason(thresholds)) }
                return (back, Self.returnReason(back, after: recorded.previous ?? .atRisk, days: t.reactivatedDays))
            default:
                break
            }
        }
        // From the data: a long gap ended by a recent purchase.
        if let back = returned, back.at >= windowStart {
            return (back.at, back.reason(thresholds))
        }
        return nil
    }

    private static func returnReason(_ back: Timestamp, after stage: LifecycleStage, days: Int) -> String {
        "purchase on \(back.isoDate) after being \(stage.rawValue); reactivated for \(days) days"
    }

    /// A purchase that ended a gap long enough to be at risk (or lapsed): its reason is written
    /// only when the stage reads it.
    struct Return {
        var at: Timestamp
        var gapDays: Int
        var usual: Double

        func reason(_ t: LifecycleThresholds) -> String {
            "purchase on \(at.isoDate) after \(gapDays) days without purchase (> \(fmt(t.atRiskGapFactor)) × usual gap \(Int(usual.rounded())) days); reactivated for \(t.reactivatedDays) days"
        }
    }

    /// The last purchase that ended a gap long enough to be at risk (or lapsed).
    private func lastReturn(_ times: [Timestamp]) -> Return? {
        let t = thresholds
        var i = times.count - 1
        while i >= 1 {
            let gapDays = times[i].days(since: times[i - 1])
            let usual = Self.usualGapDays(times[..<i]) ?? Double(t.defaultGapDays)
            if Double(gapDays) > t.atRiskGapFactor * usual || gapDays >= t.lapsedDays {
                return Return(at: times[i], gapDays: gapDays, usual: usual)
            }
            i -= 1
        }
        return nil
    }
}

/// `1 day`, `2 days`: a count with its noun, singular for one (the reasons' and the CLI's wording).
package func counted(_ count: Int, _ noun: String, plural: String? = nil) -> String {
    "\(count) \(count == 1 || count == -1 ? noun : plural ?? noun + "s")"
}

/// A number as a reason shows it: two decimals, no trailing zeros beyond one.
func fmt(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
    let hundredths = (value * 100).rounded()
    if abs(hundredths) < 1e15 {
        // The digits written once into the string's own storage (no intermediate strings).
        let length = ReasonNumber.length(hundredths: hundredths)
        return String(unsafeUninitializedCapacity: length) { buffer in
            ReasonNumber.write(hundredths: hundredths, length: length, into: UnsafeMutableRawBufferPointer(buffer))
            return length
        }
    }
    let scaled = (value * 100).rounded() / 100
    var text = String(scaled)
    if let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) == 2 { text += "0" }
    return text
}

/// `fmt`'s fast path: a number of hundredths below 10^15 (exact integers in a `Double`) written
/// as digits with two decimals, without the shortest-digits algorithm. `fmt` and
/// ``TextBytes/append(reasonNumber:)`` share it, so both write the same text.
enum ReasonNumber {
    /// The bytes of `hundredths` written with two decimals (`-` included).
    static func length(hundredths: Double) -> Int {
        var whole = Int(abs(hundredths)) / 100
        var digits = 1
        while whole >= 10 {
            whole /= 10
            digits += 1
        }
        return (hundredths.sign == .minus ? 1 : 0) + digits + 3
    }

    /// Writes `hundredths` (|h| < 10^15, integral) in `length` bytes at the start of `buffer`.
    static func write(hundredths: Double, length: Int, into buffer: UnsafeMutableRawBufferPointer) {
        let negative = hundredths.sign == .minus
        var n = Int(abs(hundredths))
        var i = length - 1
        repeat {
            if i == length - 3 {
                buffer[i] = UInt8(ascii: ".")
                i -= 1
            }
            buffer[i] = UInt8(ascii: "0") + UInt8(n % 10)
            n /= 10
            i -= 1
        } while i >= (negative ? 1 : 0)
        if negative { buffer[0] = UInt8(ascii: "-") }
    }
}
