import ArgumentParser
import Foundation
import WaymarkCore
import WaymarkService
import WaymarkStore

/// `waymark recommend CLIENT`.
struct RecommendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract: "The next offers and messages for one client, from live data, with the reasons.",
        discussion: """
            Uses the client's data as it is now (a purchase recorded a minute ago counts), the current \
            catalog and the last published run's fitted models.

            Examples:
              waymark recommend C0000042
              waymark recommend C0000042 --top 5 --explain
              waymark recommend C0000042 --format json
            """
    )

    @Argument(help: ArgumentHelp("The client id.", valueName: "client"))
    var client: String

    @Option(help: ArgumentHelp("At most this many offers, 0 to 100; 0: messages only (default: the catalog's top_offers).", valueName: "k"))
    var top: Int?

    @Flag(help: "Also say why every other item was not recommended.")
    var explain = false

    @Option(help: ArgumentHelp("Only recommendations for this channel (email, sms, web, …).", valueName: "channel"))
    var channel: String?

    @Option(name: .customLong("as-of"), help: ArgumentHelp("Score as of this date's midnight UTC, YYYY-MM-DD (default: now).", valueName: "date"))
    var asOf: DateArgument?

    @OptionGroup var output: RowsOutputOptions

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if let asOf, asOf.timestamp == nil { throw ValidationError("--as-of must be a date YYYY-MM-DD; got '\(asOf.text)'") }
        if let channel, Channel(rawValue: channel) == nil {
            throw ValidationError("--channel must be one of \(Channel.allCases.map(\.rawValue).joined(separator: ", ")); got '\(channel)'")
        }
        if let top, !(0...100).contains(top) { throw ValidationError("--top must be from 0 to 100 (0: messages only); got \(top)") }
    }

    func run() throws {
        try reportingErrors {
            let connection = try database.connect(logger: database.logging.makeLogger("waymark.recommend"))
            let answer = try LiveRecommender(connection: connection).recommend(
                clientID: client, asOf: asOf?.timestamp, top: top,
                channel: channel.flatMap { Channel(rawValue: $0) }, explain: explain)
            switch output.format {
            case .json: try writeOutput(try JSONOutput.line(answer))
            case .csv: try writeOutput(Self.csv(answer))
            case .table: try writeOutput(Self.describe(answer, explain: explain))
            }
        }
    }

    /// One row per recommended offer, then message: the ranking and the reasons in words; then one
    /// row per cadence step due (kind `cadence_step`, rank its order among them, no score, the
    /// step's sentence as the summary, and why it waits, or "goes out now", as the reason).
    static func csv(_ a: LiveRecommendations) -> String {
        csvText(["client_id", "as_of", "kind", "rank", "item_id", "channel", "score", "title", "summary", "reasons"],
                (a.offers + a.messages).map { r in
                    [a.clientID, a.asOf, r.kind, String(r.rank), r.item, r.channel, String(r.score), r.title, r.summary,
                     (r.reasons + r.propensityReasons).joined(separator: " | ")]
                } + a.cadenceSteps.enumerated().map { k, step in
                    [a.clientID, a.asOf, "cadence_step", String(k + 1), step.item, step.channel, "", step.title, step.description,
                     step.waiting.map { step.skipped ? "skipped: \($0)" : "waits: \($0)" } ?? "goes out now"]
                })
    }

    static func describe(_ a: LiveRecommendations, explain: Bool) -> String {
        let s = a.scores
        var out = ""
        for notice in a.contact?.notices ?? [] { out += "!! \(notice.prefix(1).uppercased() + notice.dropFirst())\n" }
        out += "\(a.clientID) as of \(a.asOf): \(s.stage.replacingOccurrences(of: "_", with: " ")) since \(s.stageSince)"
        out += s.advocate ? ", advocate\n" : "\n"
        out += "  why: \(s.stageReason)\n"
        out += String(format: "  p(alive) %.2f, expected purchases in 90 days %.2f, CLV 12 months %.2f\n", s.pAlive, s.expectedPurchases90d, s.clv12m)
        if !s.tier.isEmpty { out += "  tier \(s.tier), \(s.points) points" + (s.pointsToNextTier > 0 ? ", \(s.pointsToNextTier) to the next tier" : "") + "\n" }
        out += "  catalog version \(a.catalogVersion) (\(a.catalogDocumentVersion)), models " + (a.modelsAsOf.map { "of the run as of \($0)" } ?? "not fitted yet (heuristics)") + "\n"
        out += "  inputs \(a.inputHash)" + (a.decisionID.map { ", logged as decision \($0)" } ?? "") + "\n"
        if a.holdout { out += "  holdout: the client is in the control group: no offers, only service messages\n" }
        for (title, items) in [("Offers", a.offers), ("Messages", a.messages)] {
            out += "\n\(title):\n"
            if items.isEmpty { out += "  none\n"; continue }
            var rows = [["#", "ITEM", "CHANNEL", "SCORE", "TITLE"]]
            for r in items { rows.append([String(r.rank), r.item, r.channel, String(format: "%.3f", r.score), r.title]) }
            out += alignedTable(rows).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
            for r in items {
                out += "  \(r.rank). \(r.item) because:\n"
                for reason in r.reasons { out += "       - \(reason)\n" }
                if let trigger = r.trigger { out += "       - life event: \(trigger)\n" }
                out += "       - \(r.summary)\n"
                if let text = r.text, !text.isEmpty { out += "       text: \(text.replacingOccurrences(of: "\n", with: " "))\n" }
            }
        }
        if !a.withheld.isEmpty {
            out += "\nWithheld by the holdout (what the client would have been offered):\n"
            var rows = [["#", "ITEM", "KIND", "CHANNEL", "SCORE"]]
            for r in a.withheld { rows.append([String(r.rank), r.item, r.kind, r.channel, String(format: "%.3f", r.score)]) }
            out += alignedTable(rows).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
        }
        if !a.cadenceSteps.isEmpty {
            out += "\nCadence steps due:\n"
            for step in a.cadenceSteps {
                out += "  - \(step.item) (\(step.title)) by \(step.channel): \(step.description)" + (step.waiting == nil ? "; goes out now\n" : "\n")
                if let text = step.text, !text.isEmpty { out += "       text: \(text.replacingOccurrences(of: "\n", with: " "))\n" }
            }
        }
        if explain, let rejected = a.notRecommended, !rejected.isEmpty {
            out += "\nNot recommended:\n"
            var rows = [["ITEM", "CHECK", "REASON"]]
            for r in rejected { rows.append([r.item, r.check.replacingOccurrences(of: "_", with: " "), r.reason]) }
            out += alignedTable(rows).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
        }
        return out
    }
}
