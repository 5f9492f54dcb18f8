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
    /// The JSON form, written straight to bytes (``JSONWriter``, members in key order: the answer
    /// is the largest the server writes, and a tree of values for it cost more than the engine);
    /// nil when a number cannot be written in JSON (not finite).
    package var directJSON: JSONValue? {
        var json = JSONWriter(capacity: 4096)
        write(to: &json)
        return json.value
    }

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("as_of"); json.string(asOf)
        if !cadenceSteps.isEmpty {
            json.key("cadence_steps")
            json.beginArray()
            for step in cadenceSteps { step.write(to: &json) }
            json.endArray()
        }
        json.key("catalog_document_version"); json.string(catalogDocumentVersion)
        json.key("catalog_version"); json.integer(catalogVersion)
        json.key("client_id"); json.string(clientID)
        if let contact {
            json.key("contact")
            json.beginObject()
            json.key("consents"); json.strings(contact.consents)
            json.key("do_not_contact"); json.bool(contact.doNotContact)
            json.key("inbound_channels"); json.strings(contact.inboundChannels)
            json.key("notices"); json.strings(contact.notices)
            json.endObject()
        }
        json.key("decision_id")
        if let decisionID { json.integer(decisionID) } else { json.null() }
        json.key("holdout"); json.bool(holdout)
        json.key("input_hash"); json.string(inputHash)
        json.key("messages")
        json.beginArray()
        for message in messages { message.write(to: &json) }
        json.endArray()
        json.key("model_version")
        if let modelVersion { json.integer(modelVersion) } else { json.null() }
        json.key("models_as_of"); json.string(modelsAsOf)
        if let notRecommended {
            json.key("not_recommended")
            json.beginArray()
            for rejection in notRecommended { rejection.write(to: &json) }
            json.endArray()
        }
        json.key("offers")
        json.beginArray()
        for offer in offers { offer.write(to: &json) }
        json.endArray()
        json.key("run_ids")
        json.beginArray()
        for id in runIDs { json.integer(id) }
        json.endArray()
        json.key("scores"); scores.write(to: &json)
        if !withheld.isEmpty {
            json.key("withheld")
            json.beginArray()
            for item in withheld { item.write(to: &json) }
            json.endArray()
        }
        json.endObject()
    }
}

extension LiveScores {
    /// The scores alone (the profile's answer carries them too).
    var directJSON: JSONValue? {
        var json = JSONWriter(capacity: 512)
        write(to: &json)
        return json.value
    }

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("advocate"); json.bool(advocate)
        json.key("clv_12m"); json.double(clv12m)
        json.key("expected_purchases_90d"); json.double(expectedPurchases90d)
        json.key("p_alive"); json.double(pAlive)
        json.key("points"); json.integer(points)
        json.key("points_to_next_tier"); json.integer(pointsToNextTier)
        json.key("previous_stage"); json.string(previousStage)
        json.key("stage"); json.string(stage)
        json.key("stage_reason"); json.string(stageReason)
        json.key("stage_since"); json.string(stageSince)
        json.key("tier"); json.string(tier)
        json.endObject()
    }
}

extension LiveRecommendation {
    /// `brief` (a requested short form) leaves out the explanation's parts.
    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("channel"); json.string(channel)
        if !brief {
            json.key("factors")
            json.beginObject()
            for (name, value) in zip(factors.names, factors.values) {
                json.separateKey(name)
                json.double(value)
            }
            json.endObject()
        }
        json.key("item"); json.string(item)
        json.key("kind"); json.string(kind)
        if !brief { json.key("propensity_reasons"); json.strings(propensityReasons) }
        json.key("rank"); json.integer(rank)
        json.key("reasons"); json.strings(reasons)
        json.key("score"); json.double(score)
        if !brief { json.key("summary"); json.string(summary) }
        json.key("text"); json.string(text)
        json.key("title"); json.string(title)
        json.key("trigger"); json.string(trigger)
        json.endObject()
    }
}

extension LiveRejection {
    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("check"); json.string(check)
        json.key("item"); json.string(item)
        json.key("kind"); json.string(kind)
        json.key("priority")
        if let priority { json.double(priority) } else { json.null() }
        json.key("reason"); json.string(reason)
        json.endObject()
    }
}

extension LiveCadenceStep {
    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("cadence"); json.string(cadence)
        json.key("cadence_title"); json.string(cadenceTitle)
        json.key("channel"); json.string(channel)
        json.key("description"); json.string(description)
        json.key("entered_at"); json.string(enteredAt)
        json.key("item"); json.string(item)
        json.key("kind"); json.string(kind)
        json.key("skipped"); json.bool(skipped)
        json.key("started_days_ago"); json.integer(startedDaysAgo)
        json.key("step"); json.integer(step)
        json.key("steps"); json.integer(steps)
        json.key("text"); json.string(text)
        json.key("title"); json.string(title)
        json.key("waiting"); json.string(waiting)
        json.endObject()
    }
}
