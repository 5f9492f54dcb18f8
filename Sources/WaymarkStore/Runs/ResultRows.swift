import Postgres
import WaymarkCore

/// Formats a run's result rows for COPY: `client_scores` and `recommendations` columns, and the
/// explanation JSON.
///
/// The workers turn each client's result into a ``ScoreRow`` and ``RecommendationRow``s (the
/// explanation already rendered as JSON, the costly part, so it runs on every worker); the two
/// writer threads append them field by field with ``CopyInWriter/appendField(_:)-(String?)``,
/// so no array or intermediate string is built per field.
enum ResultRows {
    static let scoreColumns = "run_id, client_id, stage, stage_reason, p_alive, expected_purchases_90d, clv_12m, tier, points, advocate, previous_stage, stage_changed, stage_since, points_to_next_tier, holdout, input_hash, inputs"
    static let recommendationColumns = "run_id, client_id, rank, item_id, kind, channel, score, message, explanation, holdout, catalog_version, model_version, input_hash"

    /// One `client_scores` row, waiting for its writer.
    struct ScoreRow: Sendable {
        var clientID: String
        var scores: ClientScores
        /// The client is in the catalog's holdout.
        var holdout = false
        /// What the engine saw of the client (``DecisionInputs``).
        var inputs: DecisionInputs? = nil
    }

    /// One `recommendations` row, waiting for its writer.
    struct RecommendationRow: Sendable {
        var clientID: String
        /// Offers take ranks 1…k, messages the ranks after them, then the cadence steps.
        var rank: Int
        var recommendation: Recommendation
        /// The explanation as JSON (not yet escaped for COPY).
        var explanationJSON: String
        /// Withheld by the holdout: what the client would have been offered.
        var holdout = false
        /// The hash of the client's inputs (``DecisionInputs/hash``).
        var inputHash: String? = nil
    }

    /// The recommendation rows of one client: offers first, then messages, then the cadence steps
    /// going out, then what the holdout withheld (`holdout` set), each stamped with `inputHash`.
    static func recommendationRows(clientID: String, _ set: RecommendationSet, inputHash: String? = nil, json: inout [UInt8]) -> [RecommendationRow] {
        var rows: [RecommendationRow] = []
        let given = set.all
        rows.reserveCapacity(given.count + set.withheld.count)
        for (index, r) in (given + set.withheld).enumerated() {
            rows.append(RecommendationRow(clientID: clientID, rank: index + 1, recommendation: r,
                                          explanationJSON: explanationJSON(r.explanation, scratch: &json),
                                          holdout: index >= given.count, inputHash: inputHash))
        }
        return rows
    }

    /// Appends a `client_scores` row (columns ``scoreColumns``).
    static func write(_ row: ScoreRow, runID: Int64, to writer: inout CopyInWriter) throws(PostgresError) {
        let s = row.scores
        try writer.appendField(runID)
        try writer.appendField(row.clientID)
        try writer.appendField(s.stage.rawValue)
        try writer.appendField(s.stageReason)
        try writer.appendField(number(s.pAlive))
        try writer.appendField(number(s.expectedPurchases90d))
        try writer.appendField(number(s.clv12m))
        try writer.appendField(s.tier)
        try writer.appendField(Int64(s.points))
        try writer.appendField(s.advocate ? "t" : "f")
        try writer.appendField(s.previousStage?.rawValue)
        try writer.appendField(s.transition != nil ? "t" : "f")
        try writer.appendField(timestamp(s.stageSince))
        try writer.appendField(Int64(s.pointsToNextTier))
        try writer.appendField(row.holdout ? "t" : "f")
        try writer.appendField(row.inputs?.hash)
        try writer.appendField(row.inputs?.encoded)
        try writer.endRow()
    }

    /// Appends a `recommendations` row (columns ``recommendationColumns``).
    static func write(_ row: RecommendationRow, runID: Int64, catalogVersion: Int64?, to writer: inout CopyInWriter) throws(PostgresError) {
        let r = row.recommendation
        try writer.appendField(runID)
        try writer.appendField(row.clientID)
        try writer.appendField(Int64(row.rank))
        try writer.appendField(r.itemID)
        try writer.appendField(r.kind.rawValue)
        try writer.appendField(r.channel.rawValue)
        try writer.appendField(number(r.priority))
        try writer.appendField(r.text)
        try writer.appendField(row.explanationJSON)
        try writer.appendField(row.holdout ? "t" : "f")
        try writer.appendField(catalogVersion.map(String.init))
        // A nightly run scores with the models it fitted itself.
        try writer.appendField(runID)
        try writer.appendField(row.inputHash)
        try writer.endRow()
    }

    static func number(_ value: Double) -> String {
        value.isFinite ? value.description : (value.isNaN ? "NaN" : (value > 0 ? "Infinity" : "-Infinity"))
    }

    /// `YYYY-MM-DD HH:MM:SS+00`.
    static func timestamp(_ t: Timestamp) -> String {
        let iso = t.iso8601
        return "\(t.isoDate) \(iso.dropFirst(11).dropLast())+00"
    }

    /// The explanation as JSON: `admitted_by`, `trigger`, `factors`, `summary`.
    static func explanationJSON(_ e: Explanation) -> String {
        var scratch: [UInt8] = []
        return explanationJSON(e, scratch: &scratch)
    }

    /// The explanation as JSON, built in `scratch` (reused between calls: one string per call).
    static func explanationJSON(_ e: Explanation, scratch json: inout [UInt8]) -> String {
        json.removeAll(keepingCapacity: true)
        let f = e.factors
        ascii("{\"admitted_by\":[", to: &json)
        for (index, check) in e.admittedBy.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            JSONText.appendString(check, to: &json)
        }
        json.append(UInt8(ascii: "]"))
        if let trigger = e.trigger {
            ascii(",\"trigger\":", to: &json)
            JSONText.appendString(trigger, to: &json)
        }
        if let cadence = e.cadence {
            ascii(",\"cadence\":", to: &json)
            JSONText.appendString(cadence, to: &json)
        }
        if !e.propensityReasons.isEmpty {
            ascii(",\"propensity_reasons\":[", to: &json)
            for (index, reason) in e.propensityReasons.enumerated() {
                if index > 0 { json.append(UInt8(ascii: ",")) }
                JSONText.appendString(reason, to: &json)
            }
            json.append(UInt8(ascii: "]"))
        }
        ascii(",\"factors\":{", to: &json)
        factor("acceptance", f.acceptance, first: true, to: &json)
        factor("alpha", f.alpha, to: &json)
        factor("beta", f.beta, to: &json)
        factor("affinity_lift", f.affinityLift, to: &json)
        factor("life_event_boost", f.lifeEventBoost, to: &json)
        factor("activity", f.activity, to: &json)
        factor("propensity", f.propensity, to: &json)
        factor("value", f.value, to: &json)
        factor("channel_fit", f.channelFit, to: &json)
        factor("contact_recency", f.contactRecency, to: &json)
        factor("context", f.context, to: &json)
        factor("lever", f.lever, to: &json)
        factor("priority", f.priority, to: &json)
        ascii("},\"summary\":", to: &json)
        JSONText.appendString(e.summary, to: &json)
        json.append(UInt8(ascii: "}"))
        return String(decoding: json, as: UTF8.self)
    }

    private static func factor(_ name: StaticString, _ value: Double, first: Bool = false, to json: inout [UInt8]) {
        if !first { json.append(UInt8(ascii: ",")) }
        json.append(UInt8(ascii: "\""))
        ascii(name, to: &json)
        ascii("\":", to: &json)
        if value.isFinite {
            var text = value.description
            text.withUTF8 { json.append(contentsOf: $0) }
        } else {
            ascii("null", to: &json)
        }
    }

    private static func ascii(_ text: StaticString, to json: inout [UInt8]) {
        text.withUTF8Buffer { json.append(contentsOf: $0) }
    }

    /// A JSON string literal.
    static func quote(_ text: String) -> String { JSONText.string(text) }
}
