/// The loyalty programme of a catalog: how purchases earn points, and the tiers.
///
/// Two balances. The *redeemable* points (`points`) = points earned by purchases under the earn
/// rules + bonus points for advocacy (`bonus_points`, per referral or review interaction) + every
/// ledger entry (bonuses, redemptions, adjustments), up to as_of, less what expired
/// (`points_expire_after_days`; a redemption spends the oldest points first). The *qualifying*
/// points decide the tier: points earned by purchases, advocacy bonuses and positive ledger
/// entries within the qualifying window (default 365 days; 0 = the whole history), so a
/// redemption never costs a tier. With `tier_review` the tier is reviewed once per period
/// (LoyaltyProgram+Relationship.swift): an upgrade is immediate, a downgrade waits for the
/// review and then a grace period.
package struct LoyaltyProgram: Sendable, Hashable {
    /// Points per currency unit spent (default 1).
    package var pointsPerUnit: Double = 1
    /// Per-category multipliers of `pointsPerUnit` (default 1).
    package var categoryMultipliers: [String: Double] = [:]

    /// Per category of `table` (a client's categories, by index), its multiplier: each of the
    /// catalog's few categories found in the client's table by fingerprint, instead of a SipHash
    /// of each of the client's categories (8 hashes were 1.4 % of a client's scoring).
    func multipliers(for table: SmallKeys) -> [Double] {
        var multipliers = [Double](filled: 1, count: table.keys.count)
        for (category, value) in categoryMultipliers {
            if let index = table.index(of: category, fingerprint: SmallKeys.fingerprint(category)) { multipliers[index] = value }
        }
        return multipliers
    }

    /// Tiers in ascending threshold order. The first tier usually has threshold 0.
    package var tiers: [Tier] = []
    /// Days of history that count towards the tier; 0 counts the whole history.
    package var qualifyingWindowDays = 365
    /// Points expire this many days after they were earned; 0: never.
    package var expiryDays = 0
    /// Bonus points per advocacy interaction, by kind (`referral`, `review`).
    package var bonusPoints: [String: Int] = [:]
    /// The periodic tier review, nil for a tier that follows the rolling qualifying window.
    package var tierReview: TierReview?

    /// Tier reviews every `everyDays` from `firstReview`; a client whose qualifying points of the
    /// period under review fall short keeps the tier held before for `graceDays` after the review.
    package struct TierReview: Sendable, Hashable {
        package var firstReview: Timestamp
        package var everyDays: Int
        package var graceDays: Int
        package init(firstReview: Timestamp, everyDays: Int, graceDays: Int) {
            self.firstReview = firstReview
            self.everyDays = everyDays
            self.graceDays = graceDays
        }
    }

    package struct Tier: Sendable, Hashable {
        package var name: String
        package var threshold: Int
        package init(name: String, threshold: Int) {
            self.name = name
            self.threshold = threshold
        }
    }

    package init(pointsPerUnit: Double = 1, categoryMultipliers: [String: Double] = [:], tiers: [Tier] = [], qualifyingWindowDays: Int = 365) {
        self.pointsPerUnit = pointsPerUnit
        self.categoryMultipliers = categoryMultipliers
        self.tiers = tiers.sorted { $0.threshold < $1.threshold }
        self.qualifyingWindowDays = qualifyingWindowDays
    }

    /// The loyalty status of a client at `asOf`, from purchases, ledger entries and advocacy interactions up to then.
    package func status(purchases: [Purchase], ledger: [LoyaltyEntry], interactions: [Interaction] = [], asOf: Timestamp) -> LoyaltyStatus {
        var names: [String] = []
        var lookup: [String: Int] = [:]
        let index = purchases.map { purchase in
            if let i = lookup[purchase.category] { return i }
            names.append(purchase.category)
            lookup[purchase.category] = names.count - 1
            return names.count - 1
        }
        return status(purchases: purchases, categoryIndex: index, multipliers: names.map { categoryMultipliers[$0] ?? 1 },
                      ledger: ledger, interactions: interactions, asOf: asOf)
    }

    /// Whether the programme uses expiry, tier reviews or bonus points: its qualifying and
    /// redeemable points then differ, and the status tracks them apart.
    package var rewardsRelationship: Bool { expiryDays > 0 || tierReview != nil || !bonusPoints.isEmpty }

    /// The loyalty status, with each category's multiplier given (`multipliers(for:)` of the
    /// facts' category table), indexed like `categoryIndex`'s values.
    func status(
        purchases: [Purchase], categoryIndex: [Int], multipliers: [Double], ledger: [LoyaltyEntry],
        interactions: [Interaction] = [], asOf: Timestamp
    ) -> LoyaltyStatus {
        if rewardsRelationship {
            return relationshipStatus(purchases: purchases, categoryIndex: categoryIndex, multipliers: multipliers,
                                      ledger: ledger, interactions: interactions, asOf: asOf)
        }
        let windowStart = qualifyingWindowDays > 0 ? asOf.adding(days: -qualifyingWindowDays) : Timestamp(seconds: .min)
        // Read in place, through pointers: no copy (and no retain) of each purchase, no bounds
        // check of the index per line (one pass per client of every run).
        var (balance, qualifying) = purchases.withUnsafeBufferPointer { lines in
            categoryIndex.withUnsafeBufferPointer { index in
                precondition(index.count == lines.count, "one category index per purchase")
                var balance = 0, qualifying = 0
                for i in lines.indices where lines[i].at <= asOf {
                    let earned = earned(amountCents: lines[i].amountCents, multiplier: multipliers[index[i]])
                    balance = balance.saturatingAdd(earned)
                    if lines[i].at > windowStart { qualifying = qualifying.saturatingAdd(earned) }
                }
                return (balance, qualifying)
            }
        }
        for entry in ledger where entry.at <= asOf {
            balance = balance.saturatingAdd(entry.points)
            if entry.points > 0, entry.at > windowStart { qualifying = qualifying.saturatingAdd(entry.points) }
        }
        let (tier, next, toNext) = tierFor(qualifying)
        return LoyaltyStatus(points: balance, qualifyingPoints: qualifying, tier: tier, nextTier: next, pointsToNextTier: toNext)
    }

    /// The points a purchase line earns, rounded down. Capped at 10^15 per purchase (and sums
    /// saturate): any valid amount (up to 10^12) times any multiplier stays a number, never a crash.
    @inline(__always)
    func earned(amountCents: Int64, multiplier: Double) -> Int {
        let raw = Double(amountCents) / 100 * pointsPerUnit * multiplier
        // Positive, so truncating is rounding down (one instruction, not a call to floor).
        return raw > 0 ? Int(min(raw, 1e15)) : 0
    }

    /// The tier `qualifying` points reach, the next one and the points missing to it.
    func tierFor(_ qualifying: Int) -> (tier: String, next: String, toNext: Int) {
        var tier = ""
        for candidate in tiers {
            if qualifying >= candidate.threshold {
                tier = candidate.name
            } else {
                return (tier, candidate.name, candidate.threshold - qualifying)
            }
        }
        return (tier, "", 0)
    }
}

/// A client's loyalty position at one date.
package struct LoyaltyStatus: Sendable, Hashable {
    /// Points balance.
    package var points: Int
    /// Points that count towards the tier.
    package var qualifyingPoints: Int
    /// Current tier, "" when below the first threshold or when the programme has no tiers.
    package var tier: String
    /// The next tier, "" at the top.
    package var nextTier: String
    /// Qualifying points missing to reach `nextTier`, 0 at the top.
    package var pointsToNextTier: Int
    /// Points not yet expired, by the day they expire, oldest first (empty when points never expire).
    package var expiringLots: [ExpiringPoints] = []
    /// Bonus points earned by advocacy (referrals, reviews).
    package var bonusPoints = 0
    /// With a tier review: the day a tier kept through the grace period is lost, nil otherwise.
    package var tierHeldUntil: Timestamp?
    /// Points that expired before as_of.
    package var expiredPoints = 0

    package init(points: Int, qualifyingPoints: Int, tier: String, nextTier: String, pointsToNextTier: Int) {
        self.points = points
        self.qualifyingPoints = qualifyingPoints
        self.tier = tier
        self.nextTier = nextTier
        self.pointsToNextTier = pointsToNextTier
    }

    /// Redeemable points that expire in (asOf, asOf + days]: the warning `points_expiring_within(days)`.
    package func pointsExpiring(within days: Int, asOf: Timestamp) -> Int {
        let end = asOf.adding(days: days)
        return expiringLots.reduce(0) { $1.expires > asOf && $1.expires <= end ? $0.saturatingAdd($1.points) : $0 }
    }

    /// Points earned together that expire on one day.
    package struct ExpiringPoints: Sendable, Hashable {
        package var expires: Timestamp
        package var points: Int
    }
}

extension Int {
    /// `self + other`, held at `Int.max` or `Int.min` instead of trapping on overflow.
    package func saturatingAdd(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
