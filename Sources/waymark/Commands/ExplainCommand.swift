import ArgumentParser
import Foundation
import WaymarkCore
import WaymarkService
import WaymarkStore

/// `waymark explain --run RUN CLIENT` and `waymark explain --decision ID CLIENT`.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Reproduce a stored decision from the history as of its moment, or say which input changed since.",
        discussion: """
            Recomputes what a nightly run (--run) or a logged live answer (--decision, see `waymark decisions`) \
            decided for one client, with the catalog version and fitted models it used and the client's history \
            as of its moment, and compares it byte for byte with what was stored. When it differs, it names the \
            input that changed (e.g. a purchase dated before the run but recorded after it); it always lists what \
            was recorded after the decision's moment, which a decision made now would see.

            Examples:
              waymark explain --run 12 C0000042
              waymark explain --decision 7 C0000042 --format json
            """
    )

    @Argument(help: ArgumentHelp("The client id.", valueName: "client"))
    var client: String

    @Option(name: .customLong("run"), help: ArgumentHelp("A nightly run's decision (see `waymark runs list`).", valueName: "id"))
    var runID: Int64?

    @Option(name: .customLong("decision"), help: ArgumentHelp("A logged live answer (see `waymark decisions`).", valueName: "id"))
    var decisionID: Int64?

    @OptionGroup var output: OutputOptions

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if (runID == nil) == (decisionID == nil) {
            throw ValidationError("give --run RUN (a nightly run's decision) or --decision ID (a logged live answer), one of them")
        }
    }

    func run() throws {
        try reportingErrors {
            let connection = try database.connect(logger: database.logging.makeLogger("waymark.explain"))
            let audit = DecisionAudit(connection: connection)
            let replay = if let runID { try audit.replay(runID: runID, clientID: client) }
                else { try audit.replay(decisionID: decisionID ?? 0, clientID: client) }
            switch output.format {
            case .json: try writeOutput(try JSONOutput.line(replay))
            case .table: try writeOutput(Self.describe(replay))
            }
        }
    }

    static func describe(_ r: DecisionReplay) -> String {
        let what = r.runID.map { "run \($0) (nightly)" } ?? "decision \(r.decisionID ?? 0) (live)"
        var out = "\(r.clientID), \(what) as of \(r.asOf.iso8601): "
        out += r.identical ? "REPRODUCED: the recomputed decision is identical byte for byte\n"
            : "DIFFERENT: the recomputed decision differs from the stored one\n"
        out += "  catalog version \(r.catalogVersion), models " + (r.modelVersion.map { "of run \($0)" } ?? "not fitted (heuristics)")
        out += r.holdout ? ", client in the holdout\n" : "\n"
        out += "  inputs \(r.storedInputHash)" + (r.inputsUnchanged ? " (unchanged as of the decision's moment)\n" : " at the decision, \(r.recomputedInputHash) now\n")
        for change in r.changedInputs { out += "  changed: \(change)\n" }
        out += "\nStored decision:\n"
        out += rows(r.stored)
        if !r.identical {
            out += "\nRecomputed now:\n"
            out += rows(r.recomputed)
            out += "\nDifferences (rank by rank; --format json has both rows whole):\n"
            for index in 0..<max(r.stored.count, r.recomputed.count) {
                let before = index < r.stored.count ? r.stored[index] : nil
                let after = index < r.recomputed.count ? r.recomputed[index] : nil
                guard before != after else { continue }
                out += "  rank \(index + 1): \(brief(before)) → \(brief(after))\n"
            }
        }
        out += "\nRecorded after the decision's moment (a decision now would see it):\n"
        out += r.since.isEmpty ? "  nothing\n" : r.since.map { "  - \($0)\n" }.joined()
        return out
    }

    /// `offer-x (offer, email, score 12.6713)`, or `nothing`.
    static func brief(_ line: String?) -> String {
        guard let line, let value = try? JSONParser.parse(line) else { return "nothing" }
        let score = value["score"].flatMap { if case .number(let n) = $0 { Double(n) } else { nil } } ?? 0
        return "\(value["item"]?.stringValue ?? "?") (\(value["kind"]?.stringValue ?? "?"), \(value["channel"]?.stringValue ?? "?"), score \(String(format: "%.4f", score)))"
    }

    static func rows(_ lines: [String]) -> String {
        guard !lines.isEmpty else { return "  nothing recommended\n" }
        var table = [["RANK", "ITEM", "KIND", "CHANNEL", "SCORE", "SENT"]]
        for line in lines {
            guard let value = try? JSONParser.parse(line) else { continue }
            let score = value["score"].flatMap { if case .number(let n) = $0 { Double(n) } else { nil } } ?? 0
            table.append([value["rank"].map(\.jsonText) ?? "", value["item"]?.stringValue ?? "", value["kind"]?.stringValue ?? "",
                          value["channel"]?.stringValue ?? "", String(format: "%.4f", score),
                          value["holdout"] == .bool(true) ? "withheld (holdout)" : "yes"])
        }
        return alignedTable(table).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
    }
}
