import ArgumentParser
import Foundation
import WaymarkStore

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import clients, products, purchases, events, interactions or responses from CSV or JSON Lines.",
        discussion: """
            All or nothing: one bad row and nothing is stored; the first problems are listed with file, \
            line, column, value and what was expected (exit code 2). With --reject-file the good rows are \
            imported and each bad row is written to the reject file with its reason. Re-importing a file \
            changes nothing (rows are upserted by their id). Columns: see the README.

            Examples:
              waymark import clients data/clients.csv
              waymark import purchases - --format jsonl < purchases.jsonl
              waymark import purchases purchases.csv --reject-file rejected.csv
            """
    )

    @Argument(help: ArgumentHelp("What the file holds: \(ImportKind.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "kind"))
    var kind: ImportKindArgument

    @Argument(help: ArgumentHelp("The file to read, or - for standard input.", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("csv or jsonl (default: from the file's extension).", valueName: "format"))
    var format: ImportFormatArgument?

    @Option(name: .customLong("reject-file"),
            help: ArgumentHelp("Import the good rows and write the bad ones, with their reasons, to this CSV file.", valueName: "file"))
    var rejectFile: String?

    @Option(name: .customLong("max-line-bytes"),
            help: ArgumentHelp("The longest line (CSV record, JSON Lines line) read, in bytes; a longer one stops the import with exit 2 (default 1048576).", valueName: "bytes"))
    var maxLineBytes: Int = 1 << 20

    @Option(name: .customLong("output-format"), help: "How to print the summary: table or json.")
    var outputFormat: OutputFormat = .table

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard maxLineBytes >= 64 else { throw ValidationError("--max-line-bytes must be at least 64, e.g. --max-line-bytes 1048576") }
        if format == nil && ImportFormat.inferred(from: file) == nil {
            throw ValidationError("cannot tell the format of '\(file)' from its name: pass --format csv or --format jsonl")
        }
    }

    func run() throws {
        try reportingErrors {
            let logger = database.logging.makeLogger("waymark.import")
            let chosenFormat = format?.value ?? ImportFormat.inferred(from: file) ?? .csv
            let input = try FileInput(path: file)
            let connection = try database.connect(logger: logger)
            let rejects = try rejectFile.map { path throws(StoreError) in try RejectWriter(path: path) }
            let showProgress = standardErrorIsTerminal
            let started = Date()
            let progressLog = showProgress ? nil : ProgressLog(logger: logger, activity: "importing \(kind.value.rawValue)", unit: "rows")
            var importer = Importer(connection: connection, logger: logger)
            importer.maximumLineBytes = maxLineBytes
            let summary = try importer.importRows(
                kind: kind.value, format: chosenFormat, input: input, name: file, rejectFile: rejects,
                progress: showProgress ? { progress in
                    let seconds = max(Date().timeIntervalSince(started), 0.001)
                    let line = String(format: "\r%@: %d rows, %.1f MB, %.0f rows/s ", kind.value.rawValue,
                                      progress.rows, Double(progress.bytes) / 1e6, Double(progress.rows) / seconds)
                    writeStandardError(line)
                } : { progress in progressLog?.report(done: progress.rows, total: nil) })
            try rejects?.close()
            if showProgress { writeStandardError("\n") }
            switch outputFormat {
            case .table:
                var text = "\(summary.kind) from \(summary.file): \(summary.rowsRead) rows read, \(summary.inserted) inserted, "
                    + "\(summary.updated) updated, \(summary.unchanged) unchanged"
                if let rejectFile { text += ", \(summary.rejected) rejected (see \(rejectFile))" }
                try writeOutput(text + "\n")
            case .json:
                try writeOutput(try JSONOutput.line(summary))
            }
        }
    }
}

struct ImportKindArgument: ExpressibleByArgument {
    let value: ImportKind
    init?(argument: String) {
        guard let kind = ImportKind(rawValue: argument.lowercased()) else { return nil }
        value = kind
    }
    static var allValueStrings: [String] { ImportKind.allCases.map(\.rawValue) }
}

struct ImportFormatArgument: ExpressibleByArgument {
    let value: ImportFormat
    init?(argument: String) {
        guard let format = ImportFormat(rawValue: argument.lowercased()) else { return nil }
        value = format
    }
    static var allValueStrings: [String] { ImportFormat.allCases.map(\.rawValue) }
}

