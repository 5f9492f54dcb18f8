import ArgumentParser
import Foundation
import WaymarkCore
import WaymarkStore

/// `waymark decisions [CLIENT]`: the live decision log.
struct DecisionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decisions",
        abstract: "The decision log: what live answers showed to whom, when (with the catalog's audit.decision_log on).",
        discussion: """
            Lists the logged live answers, newest first: the decision id (for `waymark explain --decision`), when \
            it was answered, the client, the catalog version, the models' run, the inputs' hash, whether the \
            client was in the holdout and the items shown. Entries older than audit.retention_days are deleted \
            as new ones are written.

            Examples:
              waymark decisions C0000042
              waymark decisions --limit 1000 --format csv > shown.csv
            """
    )

    @Argument(help: ArgumentHelp("Only this client's answers (default: every client's).", valueName: "client"))
    var client: String?

    @Option(help: ArgumentHelp("At most this many entries, newest first.", valueName: "n"))
    var limit: Int = 100

    @OptionGroup var output: RowsOutputOptions

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1; got \(limit)") }
    }

    struct Entry: Encodable {
        var decision_id: Int64
        var client_id: String
        var decided_at: String
        var as_of: String
        var catalog_version: Int64
        var model_version: Int64?
        var input_hash: String
        var holdout: Bool
        var shown: [String]
        var withheld: [String]
    }

    func run() throws {
        try reportingErrors {
            let connection = try database.connect(logger: database.logging.makeLogger("waymark.decisions"))
            let entries = try DecisionLog(connection: connection).entries(clientID: client, limit: limit).map { e in
                var shown: [String] = [], withheld: [String] = []
                for line in e.decisions.split(separator: "\n") {
                    guard let row = try? JSONParser.parse(String(line)), let item = row["item"]?.stringValue else { continue }
                    if row["holdout"] == .bool(true) { withheld.append(item) } else { shown.append(item) }
                }
                return Entry(decision_id: e.decisionID, client_id: e.clientID,
                             decided_at: Timestamp(seconds: Int64(e.decidedAt.rounded(.down))).iso8601, as_of: e.asOf.iso8601,
                             catalog_version: e.catalogVersion, model_version: e.modelVersion, input_hash: e.inputHash,
                             holdout: e.holdout, shown: shown, withheld: withheld)
            }
            switch output.format {
            case .json: try writeOutput(try JSONOutput.line(entries))
            case .csv:
                try writeOutput(csvText(["decision_id", "decided_at", "client_id", "catalog_version", "model_version", "input_hash", "holdout", "shown", "withheld"],
                                        entries.map { [String($0.decision_id), $0.decided_at, $0.client_id, String($0.catalog_version),
                                                       $0.model_version.map(String.init) ?? "", $0.input_hash, String($0.holdout),
                                                       $0.shown.joined(separator: ";"), $0.withheld.joined(separator: ";")] }))
            case .table:
                guard !entries.isEmpty else {
                    return try writeOutput("no logged decision\(client.map { " for \($0)" } ?? "") (the log is written when the catalog's audit.decision_log is true)\n")
                }
                var rows = [["ID", "DECIDED AT", "CLIENT", "CATALOG", "MODELS", "INPUTS", "SHOWN"]]
                for e in entries {
                    rows.append([String(e.decision_id), e.decided_at, e.client_id, String(e.catalog_version), e.model_version.map { "run \($0)" } ?? "-",
                                 e.input_hash, (e.holdout ? "holdout; withheld: " + e.withheld.joined(separator: ", ") : e.shown.joined(separator: ", "))])
                }
                try writeOutput(alignedTable(rows))
            }
        }
    }
}
