/// The loyalty programme of a catalog: how purchases earn points, and the tiers.
///
/// Points balance = points earned by purchases under the earn rules + every ledger entry
/// (bonuses, redemptions, adjustments), up to as_of. The tier is decided by the *qualifying*
/// points: points earned by purchases plus positive ledger entries within the qualifying window
/// (default 365 days; 0 = the whole history), so a redemption never costs a tier.
package struct LoyaltyProgram: Sendable, Hashable {
    /// Points per currency unit spent (default 1).
    package var pointsPerUnit: Double = 1
    /// Per-category multipliers of `pointsPerUnit` (default 1).
    package var categoryMultipliers: [String: Double] = [:]
    /// Tiers in ascending threshold order. The first tier usually has threshold 0.
    package var tiers: [Tier] = []
    /// Days of history that count towards the tier; 0 counts the whole history.
    package var qualifyingWindowDays = 365

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

    /// Points one purchase earns (rounded down).
    package func points(for purchase: Purchase) -> Int {
        let multiplier = categoryMultipliers[purchase.category] ?? 1
        let raw = Double(purchase.amountCents) / 100 * pointsPerUnit * multiplier
        return raw > 0 ? Int(raw.rounded(.down)) : 0
    }

    /// The loyalty status of a client at `asOf`, from purchases and ledger entries up to then.
    package func status(purchases: [Purchase], ledger: [LoyaltyEntry], asOf: Timestamp) -> LoyaltyStatus {
        var names: [String] = []
        var lookup: [String: Int] = [:]
        let index = purchases.map { purchase in
            if let i = lookup[purchase.category] { return i }
            names.append(purchase.category)
            lookup[purchase.category] = names.count - 1
            return names.count - 1
        }
        return status(purchases: purchases, categoryIndex: index, categories: names, ledger: ledger, asOf: asOf)
    }

    /// The loyalty status, with each purchase's category given as an index into `categories`
    /// (the facts already know them: one multiplier look-up per distinct category, not per purchase).
    package func status(
        purchases: [Purchase], categoryIndex: [Int], categories: [String], ledger: [LoyaltyEntry], asOf: Timestamp
    ) -> LoyaltyStatus {
        let windowStart = qualifyingWindowDays > 0 ? asOf.adding(days: -qualifyingWindowDays) : Timestamp(seconds: .min)
        let multipliers = categoryMultipliers.isEmpty
            ? [Double](repeating: 1, count: categories.count)
            : categories.map { categoryMultipliers[$0] ?? 1 }
        var balance = 0
        var qualifying = 0
        // Read in place: no copy (and no retain) of each purchase.
        purchases.withUnsafeBufferPointer { buffer in
            for i in buffer.indices where buffer[i].at <= asOf {
                let raw = Double(buffer[i].amountCents) / 100 * pointsPerUnit * multipliers[categoryIndex[i]]
                // Points are capped at 10^15 per purchase and sums saturate: any valid amount (up to
                // 10^12) times any multiplier stays a number, never a crash.
                let earned = raw > 0 ? Int(min(raw.rounded(.down), 1e15)) : 0
                balance = balance.saturatingAdd(earned)
                if buffer[i].at > windowStart { qualifying = qualifying.saturatingAdd(earned) }
            }
        }
        for entry in ledger where entry.at <= asOf {
            balance = balance.saturatingAdd(entry.points)
            if entry.points > 0, entry.at > windowStart { qualifying = qualifying.saturatingAdd(entry.points) }
        }
        var tier = ""
        var next = ""
        var toNext = 0
        for candidate in tiers {
            if qualifying >= candidate.threshold {
                tier = candidate.name
            } else {
                next = candidate.name
                toNext = candidate.threshold - qualifying
                break
            }
        }
        return LoyaltyStatus(points: balance, qualifyingPoints: qualifying, tier: tier, nextTier: next, pointsToNextTier: toNext)
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
}

extension Int {
    /// `self + other`, held at `Int.max` or `Int.min` instead of trapping on overflow.
    package func saturatingAdd(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
