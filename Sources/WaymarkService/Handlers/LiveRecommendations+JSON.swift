import WaymarkStore
package import WaymarkCore

/// `recommend`'s wire form, defined here once: the stdio server's `recommend` result and
/// `waymark recommend --format json` (through `Encodable`, which encodes this value).
///
/// Members in sorted key order, an absent value `null` (the member is always there), doubles
/// written as Swift writes them with a trailing `.0` dropped (``JSONValue/double(_:)``). Some
/// members are sections rather than values, present only when they apply: `contact` (a client who
/// may not be contacted freely), `not_recommended` (asked for with `explain`), `withheld`,
/// `cadence_steps`, and the explanation's parts (left out by the brief detail).
extension LiveRecommendations: JSONRepresentable {
    /// The JSON form; nil when a number cannot be written in JSON (not finite).
    package var directJSON: JSONValue? {
        var members: [(key: String, value: JSONValue)] = [
            ("as_of", .string(asOf)),
            ("catalog_document_version", .string(catalogDocumentVersion)),
            ("catalog_version", .number(String(catalogVersion))),
            ("client_id", .string(clientID)),
            ("run_ids", .array(runIDs.map { .number(String($0)) })),
        ]
        members.append(("models_as_of", modelsAsOf.map(JSONValue.string) ?? .null))
        members.append(("holdout", .bool(holdout)))
        members.append(("input_hash", .string(inputHash)))
        members.append(("model_version", modelVersion.map { .number(String($0)) } ?? .null))
        members.append(("decision_id", decisionID.map { .number(String($0)) } ?? .null))
        if !withheld.isEmpty {
            var values: [JSONValue] = []
            for item in withheld {
                guard let value = item.directJSON else { return nil }
                values.append(value)
            }
            members.append(("withheld", .array(values)))
        }
        var offerValues: [JSONValue] = []
        offerValues.reserveCapacity(offers.count)
        for offer in offers {
            guard let value = offer.directJSON else { return nil }
            offerValues.append(value)
        }
        var messageValues: [JSONValue] = []
        messageValues.reserveCapacity(messages.count)
        for message in messages {
            guard let value = message.directJSON else { return nil }
            messageValues.append(value)
        }
        members.append(("offers", .array(offerValues)))
        members.append(("messages", .array(messageValues)))
        guard let scoreValue = scores.directJSON else { return nil }
        members.append(("scores", scoreValue))
        if let contact {
            members.append(("contact", .sortedObject([
                ("do_not_contact", .bool(contact.doNotContact)),
                ("consents", .array(contact.consents.map(JSONValue.string))),
                ("inbound_channels", .array(contact.inboundChannels.map(JSONValue.string))),
                ("notices", .array(contact.notices.map(JSONValue.string))),
            ])))
        }
        if !cadenceSteps.isEmpty { members.append(("cadence_steps", .array(cadenceSteps.map(\.json)))) }
        if let notRecommended {
            var rejections: [JSONValue] = []
            rejections.reserveCapacity(notRecommended.count)
            for rejection in notRecommended {
                guard let value = rejection.directJSON else { return nil }
                rejections.append(value)
            }
            members.append(("not_recommended", .array(rejections)))
        }
        return .sortedObject(members)
    }
}

extension LiveScores {
    var directJSON: JSONValue? {
        guard let clv = JSONValue.double(clv12m), let expected = JSONValue.double(expectedPurchases90d),
              let alive = JSONValue.double(pAlive) else { return nil }
        var members: [(key: String, value: JSONValue)] = [
            ("advocate", .bool(advocate)), ("clv_12m", clv), ("expected_purchases_90d", expected), ("p_alive", alive),
            ("points", .integer(points)), ("points_to_next_tier", .integer(pointsToNextTier)), ("stage", .string(stage)),
            ("stage_reason", .string(stageReason)), ("stage_since", .string(stageSince)), ("tier", .string(tier)),
        ]
        members.append(("previous_stage", previousStage.map(JSONValue.string) ?? .null))
        return .sortedObject(members)
    }
}

extension LiveRecommendation {
    var directJSON: JSONValue? {
        guard let scoreValue = JSONValue.double(score) else { return nil }
        var factorMembers: [(key: String, value: JSONValue)] = []
        factorMembers.reserveCapacity(factors.count)
        for (name, value) in factors {
            guard let number = JSONValue.double(value) else { return nil }
            factorMembers.append((name, number))
        }
        var members: [(key: String, value: JSONValue)] = [
            ("channel", .string(channel)), ("item", .string(item)),
            ("kind", .string(kind)), ("rank", .integer(rank)), ("reasons", .array(reasons.map { .string($0) })),
            ("score", scoreValue), ("title", .string(title)),
        ]
        // `brief` (a requested short form) leaves out the explanation's parts.
        if !brief {
            members.append(("factors", .sortedObject(factorMembers)))
            members.append(("summary", .string(summary)))
            members.append(("propensity_reasons", .array(propensityReasons.map { .string($0) })))
        }
        members.append(("text", text.map(JSONValue.string) ?? .null))
        members.append(("trigger", trigger.map(JSONValue.string) ?? .null))
        return .sortedObject(members)
    }
}

extension LiveRejection {
    var directJSON: JSONValue? {
        var members: [(key: String, value: JSONValue)] = [
            ("check", .string(check)), ("item", .string(item)), ("kind", .string(kind)), ("reason", .string(reason)),
        ]
        if let priority {
            guard let number = JSONValue.double(priority) else { return nil }
            members.append(("priority", number))
        } else {
            members.append(("priority", .null))
        }
        return .sortedObject(members)
    }
}

extension LiveCadenceStep {
    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("cadence", .string(cadence)), ("cadence_title", .string(cadenceTitle)), ("step", .integer(step)), ("steps", .integer(steps)),
            ("item", .string(item)), ("kind", .string(kind)), ("title", .string(title)), ("channel", .string(channel)),
            ("entered_at", .string(enteredAt)), ("started_days_ago", .integer(startedDaysAgo)), ("description", .string(description)),
        ]
        members.append(("text", text.map(JSONValue.string) ?? .null))
        members.append(("waiting", waiting.map(JSONValue.string) ?? .null))
        return .sortedObject(members)
    }
}
