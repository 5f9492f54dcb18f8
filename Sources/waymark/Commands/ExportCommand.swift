import ArgumentParser
import Foundation
import WaymarkCore
import WaymarkStore

/// `waymark export`.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Stream the published recommendations as CSV or JSON Lines, for e-mail/SMS tools and warehouses.",
        discussion: """
            Columns: run_id, client_id, rank, item_id, kind, channel, score, message, stage, clv_12m, tier, \
            explanation. By default the current night's runs; --run picks one run. What the holdout withheld \
            is left out; --include-holdout adds it, with a last column holdout (true for the withheld rows).

            --record-presentations records every exported row (not the withheld ones) as presented now, so \
            live answers (recommend, serve) respect the cooldowns and caps for them: a client sent an offer \
            from the export at 9:00 is not offered it again at 9:05. Recording twice stores each once.

            Examples:
              waymark export --out recommendations.csv
              waymark export --run 42 --format jsonl | gzip > run42.jsonl.gz
              waymark export --record-presentations --out to-send.csv
            """
    )

    @Option(name: .customLong("run"), help: ArgumentHelp("The run to export (default: the current night).", valueName: "id"))
    var runID: Int64?

    @Option(help: ArgumentHelp("csv, jsonl (one object per line) or json (one array of the same objects).", valueName: "format"))
    var format: String = "csv"

    @Option(help: ArgumentHelp("Write to this file instead of stdout (a regular file is replaced only once complete; a device or FIFO is written in place).", valueName: "file"))
    var out: String?

    @Flag(name: .customLong("include-holdout"), help: "Also write what the holdout withheld, with a holdout column.")
    var includeHoldout = false

    @Flag(name: .customLong("record-presentations"), help: "Record the exported rows as presented now (they count against cooldowns and caps).")
    var recordPresentations = false

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if ResultExporter.Format(rawValue: format) == nil { throw ValidationError("--format must be csv, jsonl or json; got '\(format)'") }
    }

    func run() throws {
        try reportingErrors {
            let connection = try database.connect(logger: database.logging.makeLogger("waymark.export"))
            // A regular file appears only when complete; a device or FIFO is written in place.
            let output = try out.map { path throws(WriteFailure) in try DataOutput(path: path) } ?? .standardOutput()
            var buffer: [UInt8] = []
            buffer.reserveCapacity(1 << 16)
            let now = Timestamp(seconds: Int64(Date().timeIntervalSince1970))
            let rows = try ResultExporter(connection: connection).export(
                runID: runID, format: ResultExporter.Format(rawValue: format) ?? .csv, includeHoldout: includeHoldout,
                recordPresentationsAt: recordPresentations ? now : nil) { bytes in
                buffer.append(contentsOf: bytes)
                if buffer.count >= 1 << 16 {
                    try output.write(buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            try output.write(buffer)
            try output.finish()
            if let out {
                printError("exported \(rows) recommendations to \(out)")
            }
        }
    }
}
