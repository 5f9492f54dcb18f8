extension LoyaltyProgram {
    /// One earning or spending of points, in time order.
    private struct Movement {
        var at: Timestamp
        var points: Int
        /// Counts towards the tier (purchase points, advocacy bonuses, positive ledger entries).
        var qualifies: Bool
        var bonus: Bool
    }

    /// The status with expiry, advocacy bonuses or tier reviews (the catalog's `loyalty` asked for one).
    ///
    /// - Expiry: each earning expires `expiryDays` after it was earned; a negative ledger entry (a
    ///   redemption) spends the oldest unexpired points first; what is left of an earning on its
    ///   expiry day is gone. A redemption larger than the unexpired points leaves a debt that later
    ///   earnings repay.
    /// - Tier review: periods run from `firstReview` every `everyDays` (before it, too). The tier
    ///   is the higher of the tier of this period's qualifying points so far (an upgrade is
    ///   immediate) and the tier of the previous period's (the review); during the first
    ///   `graceDays` of a period, the tier of the period before that still holds.
    func relationshipStatus(
        purchases: [Purchase], categoryIndex: [Int], multipliers: [Double], ledger: [LoyaltyEntry],
        interactions: [Interaction], asOf: Timestamp
    ) -> LoyaltyStatus {
        var moves: [Movement] = []
        moves.reserveCapacity(purchases.count + ledger.count)
        for (i, purchase) in purchases.enumerated() where purchase.at <= asOf {
            let earned = earned(amountCents: purchase.amountCents, multiplier: multipliers[categoryIndex[i]])
            if earned > 0 { moves.append(Movement(at: purchase.at, points: earned, qualifies: true, bonus: false)) }
        }
        for entry in ledger where entry.at <= asOf && entry.points != 0 {
            moves.append(Movement(at: entry.at, points: entry.points, qualifies: entry.points > 0, bonus: false))
        }
        if !bonusPoints.isEmpty {
            for interaction in interactions where interaction.at <= asOf {
                if let bonus = bonusPoints[interaction.kind], bonus > 0 {
                    moves.append(Movement(at: interaction.at, points: bonus, qualifies: true, bonus: true))
                }
            }
        }
        // Earnings before spendings of the same moment.
        moves.sort { $0.at != $1.at ? $0.at < $1.at : $0.points > $1.points }

        // Redeemable points, with expiry.
        var lots: [LoyaltyStatus.ExpiringPoints] = []
        var first = 0   // lots[..<first] are spent or expired
        var debt = 0, expired = 0, bonus = 0
        let forever = expiryDays <= 0
        func expire(before moment: Timestamp) {
            while first < lots.count, lots[first].expires <= moment {
                expired = expired.saturatingAdd(lots[first].points)
                first += 1
            }
        }
        for move in moves {
            if move.bonus { bonus = bonus.saturatingAdd(move.points) }
            if !forever { expire(before: move.at) }
            if move.points > 0 {
                var amount = move.points
                if debt > 0 {
                    let repaid = min(debt, amount)
                    debt -= repaid
                    amount -= repaid
                }
                if amount > 0 {
                    let expires = forever ? Timestamp(seconds: .max) : move.at.adding(days: expiryDays)
                    lots.append(LoyaltyStatus.ExpiringPoints(expires: expires, points: amount))
                }
            } else {
                var spend = -move.points
                while spend > 0, first < lots.count {
                    let used = min(spend, lots[first].points)
                    lots[first].points -= used
                    spend -= used
                    if lots[first].points == 0 { first += 1 }
                }
                debt = debt.saturatingAdd(spend)
            }
        }
        if !forever { expire(before: asOf) }
        // An earning that expires exactly at as_of is gone; one that expires later is still there.
        let remaining = Array(lots[first...])
        let balance = remaining.reduce(0) { $0.saturatingAdd($1.points) } - debt

        // Qualifying points and the tier.
        func qualifying(after start: Timestamp, through end: Timestamp) -> Int {
            moves.reduce(0) { $1.qualifies && $1.at > start && $1.at <= end ? $0.saturatingAdd($1.points) : $0 }
        }
        var status: LoyaltyStatus
        if let review = tierReview, review.everyDays > 0 {
            let period = Int64(review.everyDays) * Timestamp.secondsPerDay
            let offset = asOf.seconds - review.firstReview.seconds
            let k = offset >= 0 ? offset / period : -((-offset + period - 1) / period)
            let start = Timestamp(seconds: review.firstReview.seconds + k * period)
            let previous = Timestamp(seconds: start.seconds - period), before = Timestamp(seconds: previous.seconds - period)
            let now = qualifying(after: start, through: asOf)
            let rank = { (points: Int) in self.tiers.lastIndex { points >= $0.threshold } ?? -1 }
            var best = max(rank(now), rank(qualifying(after: previous, through: start)))
            let graceEnd = start.adding(days: review.graceDays)
            var heldUntil: Timestamp?
            if asOf < graceEnd, rank(qualifying(after: before, through: previous)) > best {
                best = rank(qualifying(after: before, through: previous))
                heldUntil = graceEnd
            }
            let tier = best >= 0 ? tiers[best].name : ""
            let next = best + 1 < tiers.count ? tiers[best + 1] : nil
            status = LoyaltyStatus(points: balance, qualifyingPoints: now, tier: tier, nextTier: next?.name ?? "",
                                   pointsToNextTier: next.map { max($0.threshold - now, 0) } ?? 0)
            status.tierHeldUntil = heldUntil
        } else {
            let windowStart = qualifyingWindowDays > 0 ? asOf.adding(days: -qualifyingWindowDays) : Timestamp(seconds: .min)
            let points = qualifying(after: windowStart, through: asOf)
            let (tier, next, toNext) = tierFor(points)
            status = LoyaltyStatus(points: balance, qualifyingPoints: points, tier: tier, nextTier: next, pointsToNextTier: toNext)
        }
        status.expiringLots = forever ? [] : remaining
        status.bonusPoints = bonus
        status.expiredPoints = expired
        return status
    }
}
