import WaymarkStore
package import WaymarkCore

/// `profile`'s wire form, defined here once: the stdio server's `profile` result and
/// `waymark profile --format json` (through `Encodable`, which encodes this value).
///
/// Members in sorted key order, an absent value `null` (the member is always there: a segment or
/// region not given, no account, no run yet), doubles as ``JSONValue/double(_:)`` writes them; nil
/// when a number is not finite.
extension LiveProfile: JSONRepresentable {
    package var directJSON: JSONValue? {
        guard let scores = scores.directJSON, let facts = facts.directJSON else { return nil }
        var members: [(key: String, value: JSONValue)] = [
            ("client_id", .string(clientID)), ("as_of", .string(asOf)), ("segment", Self.given(segment)), ("region", Self.given(region)),
            ("consents", .array(consents.map { .string($0) })), ("do_not_contact", .bool(doNotContact)),
            ("scores", scores), ("facts", facts),
            ("stage_history", .array(stageHistory.map(\.json))), ("timeline", .array(timeline.map(\.json))),
        ]
        members.append(("account_id", accountID.map(JSONValue.string) ?? .null))
        members.append(("role", role.map(JSONValue.string) ?? .null))
        if let lastRun {
            guard let run = lastRun.directJSON else { return nil }
            members.append(("last_run", run))
        } else {
            members.append(("last_run", .null))
        }
        members.append(("cadences", .array(cadences.map(\.json))))
        members.append(("loyalty", loyalty?.json ?? .null))
        return .sortedObject(members)
    }

    /// A text column where empty means "not given" (segment, region), as JSON: null when empty.
    static func given(_ text: String) -> JSONValue { text.isEmpty ? .null : .string(text) }
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
        members.append(("age", age.map(JSONValue.integer) ?? .null))
        members.append(("first_purchase", firstPurchase.map(JSONValue.string) ?? .null))
        members.append(("last_purchase", lastPurchase.map(JSONValue.string) ?? .null))
        members.append(("days_since_last_purchase", daysSinceLastPurchase.map(JSONValue.integer) ?? .null))
        return .sortedObject(members)
    }
}

extension LiveProfile.StageChange {
    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("date", .string(date)), ("stage", .string(stage)), ("reason", .string(reason))]
        members.append(("previous", previous.map(JSONValue.string) ?? .null))
        members.append(("run_id", runID.map { .number(String($0)) } ?? .null))
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
        members.append(("steps", steps.map(JSONValue.integer) ?? .null))
        members.append(("next_due", nextDue.map(JSONValue.string) ?? .null))
        members.append(("next_item", nextItem.map(JSONValue.string) ?? .null))
        members.append(("ended_at", endedAt.map(JSONValue.string) ?? .null))
        members.append(("reason", reason.map(JSONValue.string) ?? .null))
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
        members.append(("tier_held_until", tierHeldUntil.map(JSONValue.string) ?? .null))
        return .sortedObject(members)
    }
}
