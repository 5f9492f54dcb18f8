internal import Foundation

extension ClientFacts: RuleContext {
    package func value(of fact: Fact) -> RuleValue {
        switch fact {
        case .age: age.map { .int($0) } ?? .null
        case .tenureDays: .int(tenureDays)
        case .stage: .string(stage.stage.rawValue)
        case .previousStage: .string(stage.previous?.rawValue ?? "")
        case .daysInStage: .int(max(0, asOf.days(since: stage.since)))
        case .purchaseCount: .int(purchaseCount)
        case .totalSpend: .double(totalSpend)
        case .averageSpend: .double(averageSpend)
        case .daysSinceFirstPurchase: firstPurchase.map { .int(asOf.days(since: $0)) } ?? .null
        case .daysSinceLastPurchase: lastPurchase.map { .int(asOf.days(since: $0)) } ?? .null
        case .recencyScore: .int(recencyScore)
        case .frequencyScore: .int(frequencyScore)
        case .monetaryScore: .int(monetaryScore)
        case .pAlive: .double(pAlive)
        case .expectedPurchases90d: .double(expectedPurchases90d)
        case .clv12m: .double(clv12m)
        case .tier: .string(loyalty.tier)
        case .nextTier: .string(loyalty.nextTier)
        case .points: .int(loyalty.points)
        case .pointsToNextTier: .int(loyalty.pointsToNextTier)
        case .qualifyingPoints: .int(loyalty.qualifyingPoints)
        case .pointsExpiring30d: .int(loyalty.pointsExpiring(within: 30, asOf: asOf))
        case .ownedProducts: .list(lastPurchaseOfProduct.keys.keys.sorted().map { .string($0) })
        case .ownedCategories: .list(lastPurchaseOfCategory.keys.keys.sorted().map { .string($0) })
        case .recentCategories: recentCategoriesValue
        case .lifeEvents: .list(lastEventOfKind.keys.keys.sorted().map { .string($0) })
        case .interactions90d: .int(interactions90d)
        case .advocate: .bool(advocate)
        case .consents: .list(profile.consents.channels.map { .string($0.rawValue) })
        case .doNotContact: .bool(profile.doNotContact)
        case .segment: .string(profile.segment)
        case .region: .string(profile.region)
        case .accountId: .string(profile.accountID)
        case .role, .accountRole: .string(profile.role)
        case .accountMembers: .int(account.members)
        case .accountRoles: .list(account.roles.map { .string($0) })
        case .accountTotalSpend: .double(account.totalSpend)
        case .accountStages: .list(account.stages.map { .string($0) })
        case .accountOwnedProducts:
            .list(account.othersOwnedProducts.union(lastPurchaseOfProduct.keys.keys).sorted().map { .string($0) })
        case .accountOwnedCategories:
            .list(account.othersOwnedCategories.union(lastPurchaseOfCategory.keys.keys).sorted().map { .string($0) })
        case .attributes: .null
        }
    }

    package func attribute(_ name: String) -> RuleValue {
        profile.attributes[name] ?? .null
    }

    package func owns(product: String) -> Bool { lastPurchaseOfProduct.keys.index(of: product) != nil }

    package func ownsCategory(_ category: String) -> Bool { lastPurchaseOfCategory.keys.index(of: category) != nil }

    package func accountOwns(product: String) -> Bool {
        owns(product: product) || account.othersOwnedProducts.contains(product)
    }

    package func accountOwnsCategory(_ category: String) -> Bool {
        ownsCategory(category) || account.othersOwnedCategories.contains(category)
    }

    package func boughtWithin(_ productOrCategory: String, days: Int) -> Bool {
        guard let at = lastPurchase(of: productOrCategory) else { return false }
        return asOf.days(since: at) <= days
    }

    package func eventWithin(_ kind: String, days: Int) -> Bool {
        guard let at = lastEventOfKind.last(kind) else { return false }
        return asOf.days(since: at) <= days
    }

    package func pointsExpiringWithin(days: Int) -> Int {
        loyalty.pointsExpiring(within: days, asOf: asOf)
    }

    package func interactionsWithin(_ channel: String, days: Int) -> Int {
        let start = asOf.start(ofLast: days)
        let filter = channel == "any" ? nil : Channel(rawValue: channel)
        if channel != "any", filter == nil { return 0 }
        // Read in place: no copy (and no retain) of each interaction's strings.
        return interactions.withUnsafeBufferPointer { buffer in
            var count = 0
            for i in buffer.indices where buffer[i].at > start {
                if filter == nil || buffer[i].channel == filter { count += 1 }
            }
            return count
        }
    }

    package func consent(_ channel: String) -> Bool {
        guard let channel = Channel(rawValue: channel) else { return false }
        return profile.consents.contains(channel)
    }

    package func daysSincePurchase(_ productOrCategory: String) -> Int? {
        lastPurchase(of: productOrCategory).map { asOf.days(since: $0) }
    }

    package func daysSinceEvent(_ kind: String) -> Int? {
        lastEventOfKind.last(kind).map { asOf.days(since: $0) }
    }

    package func respondedWithin(_ itemID: String, outcome: String, days: Int) -> Bool {
        responded(respondedItems.index(of: itemID), outcome: outcome, days: days)
    }

    // Literal arguments: a direct probe with the fingerprint computed at rule compile time.

    package func owns(product: RuleKey) -> Bool {
        lastPurchaseOfProduct.keys.index(of: product.text, fingerprint: product.fingerprint) != nil
    }

    package func ownsCategory(_ category: RuleKey) -> Bool {
        lastPurchaseOfCategory.keys.index(of: category.text, fingerprint: category.fingerprint) != nil
    }

    package func boughtWithin(_ productOrCategory: RuleKey, days: Int) -> Bool {
        guard let at = lastPurchase(of: productOrCategory) else { return false }
        return asOf.days(since: at) <= days
    }

    package func eventWithin(_ kind: RuleKey, days: Int) -> Bool {
        guard let at = lastEventOfKind.last(kind) else { return false }
        return asOf.days(since: at) <= days
    }

    package func daysSincePurchase(_ productOrCategory: RuleKey) -> Int? {
        lastPurchase(of: productOrCategory).map { asOf.days(since: $0) }
    }

    package func daysSinceEvent(_ kind: RuleKey) -> Int? {
        lastEventOfKind.last(kind).map { asOf.days(since: $0) }
    }

    package func respondedWithin(_ itemID: RuleKey, outcome: String, days: Int) -> Bool {
        responded(respondedItems.index(of: itemID.text, fingerprint: itemID.fingerprint), outcome: outcome, days: days)
    }

    /// Whether the responded item at `item` (nil: never responded) got `outcome` within `days`.
    private func responded(_ item: Int?, outcome: String, days: Int) -> Bool {
        guard let item else { return false }
        let start = asOf.start(ofLast: days)
        var i = newestResponse[item]
        while i >= 0 {
            let response = responses[Int(i)]
            i = olderResponse[Int(i)]
            guard response.decidedAt > start else { continue }
            if outcome == "any" || response.outcome.rawValue == outcome { return true }
        }
        return false
    }
}
