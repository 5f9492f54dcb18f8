import ArgumentParser
import Foundation
import Logging
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
              waymark import purchases - --input-format jsonl < purchases.jsonl
              waymark import purchases purchases.csv --reject-file rejected.csv --format json

            --format names the summary's format (table or json), as for every other command; the \
            input's format is --input-format. The earlier spellings still work: --format csv|jsonl \
            for the input and --output-format for the summary.
            """
    )

    @Argument(help: ArgumentHelp("What the file holds: \(ImportKind.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "kind"))
    var kind: ImportKindArgument

    @Argument(help: ArgumentHelp("The file to read, or - for standard input.", valueName: "file"))
    var file: String

    @Option(name: .customLong("input-format"), help: ArgumentHelp("The file's format: csv or jsonl (default: from the file's extension).", valueName: "format"))
    var inputFormat: ImportFormatArgument?

    @Option(help: ArgumentHelp("How to print the summary: table or json (csv or jsonl: the input's format, the earlier spelling of --input-format).", valueName: "format"))
    var format: ImportFormatOrOutput?

    @Option(name: .customLong("reject-file"),
            help: ArgumentHelp("Import the good rows and write the bad ones, with their reasons, to this CSV file.", valueName: "file"))
    var rejectFile: String?

    @Option(name: .customLong("max-line-bytes"),
            help: ArgumentHelp("The longest line (CSV record, JSON Lines line) read, in bytes; a longer one stops the import with exit 2 (default 1048576).", valueName: "bytes"))
    var maxLineBytes: Int = 1 << 20

    @Option(name: .customLong("output-format"), help: "How to print the summary: table or json (the earlier spelling of --format).")
    var outputFormat: OutputFormat?

    /// The input's format as asked: --input-format, or --format csv|jsonl.
    var askedInput: ImportFormat? {
        if let inputFormat { return inputFormat.value }
        if case .input(let format)? = format { return format }
        return nil
    }

    /// The summary's format: --format table|json, or --output-format, else a table.
    var summaryFormat: OutputFormat {
        if case .output(let output)? = format { return output }
        return outputFormat ?? .table
    }

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard maxLineBytes >= 64 else { throw ValidationError("--max-line-bytes must be at least 64, e.g. --max-line-bytes 1048576") }
        if let inputFormat, case .input(let other)? = format, other != inputFormat.value {
            throw ValidationError("--input-format \(inputFormat.value.rawValue) and --format \(other.rawValue) disagree: pass one")
        }
        if let outputFormat, case .output(let other)? = format, other != outputFormat {
            throw ValidationError("--format \(other.rawValue) and --output-format \(outputFormat.rawValue) disagree: pass one")
        }
        if askedInput == nil && ImportFormat.inferred(from: file) == nil {
            throw ValidationError("cannot tell the format of '\(file)' from its name: pass --input-format csv or --input-format jsonl (earlier spelling: --format csv|jsonl)")
        }
    }

    func run() throws {
        try reportingErrors {
            let logger = database.logging.makeLogger("waymark.import")
            let chosenFormat = askedInput ?? ImportFormat.inferred(from: file) ?? .csv
            let input = try FileInput(path: file)
            let connection = try database.connect(logger: logger)
            let rejects = try rejectFile.map { path throws(StoreError) in try RejectWriter(path: path) }
            let showProgress = standardErrorIsTerminal
            let started = Date()
            // A regular file's size gives the log line an ETA (a pipe or a device has none).
            let attributes = file == "-" ? nil : try? FileManager.default.attributesOfItem(atPath: file)
            let fileSize = attributes?[.type] as? FileAttributeType == .typeRegular ? (attributes?[.size] as? NSNumber)?.intValue : nil
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
                } : { progress in
                    progressLog?.report(done: progress.rows, total: nil, fraction: fileSize.map { Double(progress.bytes) / Double($0) })
                })
            try rejects?.close()
            if showProgress { writeStandardError("\n") }
            if kind.value == .clients, summary.imported > 0, let warning = try Importer.consentWarning(connection) {
                logger.warning("\(warning)")
            }
            switch summaryFormat {
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

/// `import --format`: the summary's format (table, json) like every command's `--format`, or
/// the input's (csv, jsonl), its earlier meaning, still accepted.
enum ImportFormatOrOutput: ExpressibleByArgument, Equatable {
    case input(ImportFormat)
    case output(OutputFormat)

    init?(argument: String) {
        if let output = OutputFormat(rawValue: argument.lowercased()) {
            self = .output(output)
        } else if let input = ImportFormat(rawValue: argument.lowercased()) {
            self = .input(input)
        } else {
            return nil
        }
    }

    static var allValueStrings: [String] { OutputFormat.allCases.map(\.rawValue) + ImportFormat.allCases.map(\.rawValue) }
}

struct ImportFormatArgument: ExpressibleByArgument {
    let value: ImportFormat
    init?(argument: String) {
        guard let format = ImportFormat(rawValue: argument.lowercased()) else { return nil }
        value = format
    }
    static var allValueStrings: [String] { ImportFormat.allCases.map(\.rawValue) }
}

