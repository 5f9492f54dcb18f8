package import WaymarkCore

/// One decision row in the canonical text an audit compares: a recommended (or withheld) item
/// with its rank, channel, score, message and explanation, as one JSON object on one line.
///
/// The nightly run's rows (in `recommendations`) and a live answer's (in `decision_log`) are
/// brought to this text, and so are the rows an audit recomputes: two decisions are the same
/// when their lines are equal byte for byte.
package struct DecisionRow: Sendable, Hashable {
    package var rank: Int
    package var item: String
    package var kind: String
    package var channel: String
    package var score: Double
    package var message: String?
    /// Withheld by the holdout.
    package var holdout: Bool
    /// The explanation's JSON text (`admitted_by`, `factors`, `summary`, …).
    package var explanation: String

    package init(rank: Int, item: String, kind: String, channel: String, score: Double, message: String?, holdout: Bool, explanation: String) {
        self.rank = rank
        self.item = item
        self.kind = kind
        self.channel = channel
        self.score = score
        self.message = message
        self.holdout = holdout
        self.explanation = explanation
    }

    /// The rows of an engine answer: offers, messages, then what the holdout withheld (as the
    /// nightly run writes them).
    package static func rows(of set: RecommendationSet) -> [DecisionRow] {
        var json: [UInt8] = []
        return ResultRows.recommendationRows(clientID: set.clientID, set, json: &json).map {
            DecisionRow(rank: $0.rank, item: $0.recommendation.itemID, kind: $0.recommendation.kind.rawValue,
                        channel: $0.recommendation.channel.rawValue, score: $0.recommendation.priority,
                        message: $0.recommendation.text, holdout: $0.holdout, explanation: $0.explanationJSON)
        }
    }

    /// The canonical line: `{"rank":1,"item":"…","kind":"offer","channel":"email","score":…,"holdout":false,"message":…,"explanation":{…}}`.
    package var line: String {
        "{\"rank\":\(rank),\"item\":\(JSONText.string(item)),\"kind\":\(JSONText.string(kind)),\"channel\":\(JSONText.string(channel)),"
            + "\"score\":\(ResultRows.number(score)),\"holdout\":\(holdout),\"message\":\(message.map(JSONText.string) ?? "null"),"
            + "\"explanation\":\(explanation)}"
    }

    /// The rows' lines joined by newlines: what `decision_log.decisions` holds.
    package static func text(_ rows: [DecisionRow]) -> String {
        rows.map(\.line).joined(separator: "\n")
    }
}
