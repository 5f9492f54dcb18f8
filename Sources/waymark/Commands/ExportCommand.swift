import ArgumentParser
import Foundation
import WaymarkStore

/// `waymark export`.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Stream the published recommendations as CSV or JSON Lines, for e-mail/SMS tools and warehouses.",
        discussion: """
            Columns: run_id, client_id, rank, item_id, kind, channel, score, message, stage, clv_12m, tier, \
            explanation. By default the current night's runs; --run picks one run.

            Examples:
              waymark export --out recommendations.csv
              waymark export --run 42 --format jsonl | gzip > run42.jsonl.gz
            """
    )

    @Option(name: .customLong("run"), help: ArgumentHelp("The run to export (default: the current night).", valueName: "id"))
    var runID: Int64?

    @Option(help: ArgumentHelp("csv or jsonl.", valueName: "format"))
    var format: String = "csv"

    @Option(help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"))
    var out: String?

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if ResultExporter.Format(rawValue: format) == nil { throw ValidationError("--format must be csv or jsonl; got '\(format)'") }
    }

    func run() throws {
        try reportingErrors {
            let connection = try database.connect(logger: database.logging.makeLogger("waymark.export"))
            let handle: FileHandle
            if let out {
                guard FileManager.default.createFile(atPath: out, contents: nil), let file = FileHandle(forWritingAtPath: out) else {
                    throw StoreError(.invalidInput, "cannot write to \(out): check the directory exists and is writable")
                }
                handle = file
            } else {
                handle = FileHandle.standardOutput
            }
            var buffer: [UInt8] = []
            buffer.reserveCapacity(1 << 16)
            let rows = try ResultExporter(connection: connection).export(runID: runID, format: ResultExporter.Format(rawValue: format) ?? .csv) { bytes in
                buffer.append(contentsOf: bytes)
                if buffer.count >= 1 << 16 {
                    handle.write(Data(buffer))
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            handle.write(Data(buffer))
            if let out {
                try? handle.close()
                printError("exported \(rows) recommendations to \(out)")
            }
        }
    }
}
