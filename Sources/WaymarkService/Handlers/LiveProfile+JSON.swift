import WaymarkStore
package import WaymarkCore

/// `profile`'s wire form, defined here once: the stdio server's `profile` result and
/// `waymark profile --format json` (through `Encodable`, which encodes this value).
///
/// Members in sorted key order, optional members left out when nil, doubles as
/// ``JSONValue/double(_:)`` writes them; nil when a number is not finite.
extension LiveProfile: JSONRepresentable {
    package var directJSON: JSONValue? {
        guard let scores = scores.directJSON, let facts = facts.directJSON else { return nil }
        var members: [(key: String, value: JSONValue)] = [
            ("client_id", .string(clientID)), ("as_of", .string(asOf)), ("segment", .string(segment)), ("region", .string(region)),
            ("consents", .array(consents.map { .string($0) })), ("do_not_contact", .bool(doNotContact)),
            ("scores", scores), ("facts", facts),
            ("stage_history", .array(stageHistory.map(\.json))), ("timeline", .array(timeline.map(\.json))),
        ]
        if let accountID { members.append(("account_id", .string(accountID))) }
        if let role { members.append(("role", .string(role))) }
        if let lastRun {
            guard let run = lastRun.directJSON else { return nil }
            members.append(("last_run", run))
        }
        if !cadences.isEmpty { members.append(("cadences", .array(cadences.map(\.json)))) }
        if let loyalty { members.append(("loyalty", loyalty.json)) }
        return .sortedObject(members)
    }
}

extension LiveProfile.Facts {
    var directJSON: JSONValue? {
        guard let total = JSONValue.double(totalSpend), let average = JSONValue.double(averageSpend) else { return nil }
        var members: [(key: String, value: JSONValue)] = [
            ("tenure_days", .integer(tenureDays)), ("purchase_count", .integer(purchaseCount)), ("total_spend", total),
            ("average_spend", average), ("rfm", .string(rfm)), ("owned_categories", .array(ownedCategories.map { .string($0) })),
            ("life_events", .array(lifeEvents.map { .string($0) })), ("interactions_90d", .integer(interactions90d)),
            ("next_tier", .string(nextTier)),
        ]
        if let age { members.append(("age", .integer(age))) }
        if let firstPurchase { members.append(("first_purchase", .string(firstPurchase))) }
        if let lastPurchase { members.append(("last_purchase", .string(lastPurchase))) }
        if let daysSinceLastPurchase { members.append(("days_since_last_purchase", .integer(daysSinceLastPurchase))) }
        return .sortedObject(members)
    }
}

extension LiveProfile.StageChange {
    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("date", .string(date)), ("stage", .string(stage)), ("reason", .string(reason))]
        if let previous { members.append(("previous", .string(previous))) }
        if let runID { members.append(("run_id", .number(String(runID)))) }
        return .sortedObject(members)
    }
}

extension LiveProfile.TimelineEntry {
    var json: JSONValue {
        .sortedObject([("at", .string(at)), ("what", .string(what)), ("channel", channel.map(JSONValue.string) ?? .null), ("detail", .string(detail))])
    }
}

extension LiveProfile.LastRun {
    var directJSON: JSONValue? {
        guard let clv = JSONValue.double(clv12m) else { return nil }
        var items: [JSONValue] = []
        items.reserveCapacity(recommendations.count)
        for item in recommendations {
            guard let score = JSONValue.double(item.score) else { return nil }
            items.append(.sortedObject([("rank", .integer(item.rank)), ("item", .string(item.item)), ("kind", .string(item.kind)),
                                        ("channel", .string(item.channel)), ("score", score)]))
        }
        return .sortedObject([("run_id", .number(String(runID))), ("as_of", .string(asOf)), ("stage", .string(stage)),
                              ("clv_12m", clv), ("recommendations", .array(items))])
    }
}

extension LiveProfile.CadenceEntry {
    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("cadence", .string(cadence)), ("title", .string(title)), ("status", .string(status)), ("steps_sent", .integer(stepsSent)),
            ("entered_at", .string(enteredAt)),
        ]
        if let steps { members.append(("steps", .integer(steps))) }
        if let nextDue { members.append(("next_due", .string(nextDue))) }
        if let nextItem { members.append(("next_item", .string(nextItem))) }
        if let endedAt { members.append(("ended_at", .string(endedAt))) }
        if let reason { members.append(("reason", .string(reason))) }
        return .sortedObject(members)
    }
}

extension LiveProfile.Loyalty {
    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("redeemable_points", .integer(redeemablePoints)), ("qualifying_points", .integer(qualifyingPoints)),
            ("bonus_points", .integer(bonusPoints)), ("expired_points", .integer(expiredPoints)), ("expiring_30d", .integer(expiring30d)),
            ("next_expiries", .array(nextExpiries.map { .sortedObject([("date", .string($0.date)), ("points", .integer($0.points))]) })),
        ]
        if let tierHeldUntil { members.append(("tier_held_until", .string(tierHeldUntil))) }
        return .sortedObject(members)
    }
}
