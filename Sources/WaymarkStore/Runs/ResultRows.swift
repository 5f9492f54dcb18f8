import WaymarkCore

/// Formats a run's result rows for COPY: `client_scores` and `recommendations` columns, and the
/// explanation JSON.
enum ResultRows {
    static let scoreColumns = "run_id, client_id, stage, stage_reason, p_alive, expected_purchases_90d, clv_12m, tier, points, advocate, previous_stage, stage_changed, stage_since, points_to_next_tier"
    static let recommendationColumns = "run_id, client_id, rank, item_id, kind, channel, score, message, explanation"

    static func score(runID: Int64, clientID: String, _ s: ClientScores) -> [String?] {
        [String(runID), clientID, s.stage.rawValue, s.stageReason, number(s.pAlive), number(s.expectedPurchases90d),
         number(s.clv12m), s.tier, String(s.points), s.advocate ? "t" : "f", s.previousStage?.rawValue,
         s.transition != nil ? "t" : "f", timestamp(s.stageSince), String(s.pointsToNextTier)]
    }

    /// Offers take ranks 1…k, messages the ranks after them.
    static func recommendations(runID: Int64, clientID: String, _ set: RecommendationSet) -> [[String?]] {
        var rows: [[String?]] = []
        for (index, r) in set.all.enumerated() {
            rows.append([String(runID), clientID, String(index + 1), r.itemID, r.kind.rawValue, r.channel.rawValue,
                         number(r.priority), r.text, explanationJSON(r.explanation)])
        }
        return rows
    }

    static func number(_ value: Double) -> String {
        value.isFinite ? "\(value)" : (value.isNaN ? "NaN" : (value > 0 ? "Infinity" : "-Infinity"))
    }

    /// `YYYY-MM-DD HH:MM:SS+00`.
    static func timestamp(_ t: Timestamp) -> String {
        let seconds = ((t.seconds % 86_400) + 86_400) % 86_400
        func pad(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(t.isoDate) \(pad(seconds / 3600)):\(pad(seconds / 60 % 60)):\(pad(seconds % 60))+00"
    }

    /// The explanation as JSON: `admitted_by`, `trigger`, `factors`, `summary`.
    static func explanationJSON(_ e: Explanation) -> String {
        let f = e.factors
        var json = "{\"admitted_by\":[" + e.admittedBy.map(quote).joined(separator: ",") + "]"
        if let trigger = e.trigger { json += ",\"trigger\":" + quote(trigger) }
        let factors: [(String, Double)] = [
            ("acceptance", f.acceptance), ("alpha", f.alpha), ("beta", f.beta), ("affinity_lift", f.affinityLift),
            ("life_event_boost", f.lifeEventBoost), ("activity", f.activity), ("propensity", f.propensity),
            ("value", f.value), ("channel_fit", f.channelFit), ("contact_recency", f.contactRecency),
            ("context", f.context), ("lever", f.lever), ("priority", f.priority),
        ]
        json += ",\"factors\":{" + factors.map { "\"\($0.0)\":\($0.1.isFinite ? "\($0.1)" : "null")" }.joined(separator: ",") + "}"
        json += ",\"summary\":" + quote(e.summary) + "}"
        return json
    }

    /// A JSON string literal.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
