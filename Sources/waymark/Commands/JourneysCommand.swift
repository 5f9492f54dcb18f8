import ArgumentParser
import Foundation
import Logging
import WaymarkCore
import WaymarkReports
import WaymarkStore

/// `waymark journeys`: the journey map, from the stage history and the purchases.
struct JourneysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journeys",
        abstract: "The journey map: flows between stages both ways, entries and exits, time in each stage, conversion, by cohort.",
        discussion: """
            Read from the recorded stage history (written by each published `waymark score` run) and \
            the purchases. A flow is one change of stage (from → to, in either direction); an entry a \
            client's first recorded stage; an exit a move into lapsed, by the stage left. The median \
            days are over the stays that ended; the conversion of a stage is the share of its stays \
            with a purchase within --within days of entering it, over the stays whose window is over \
            by the as-of date. --since counts only the changes from that date on. --by adds the same \
            figures per cohort: segment (clients.segment), channel (of the first purchase) or \
            first_product. See docs/journeys.md.

            Examples:
              waymark journeys
              waymark journeys --since 2025-01-01 --by segment
              waymark journeys --by first_product --format json > journeys.json
              waymark journeys --report journeys.html
            """
    )

    @Option(help: ArgumentHelp("Count only the changes of stage from this date on, YYYY-MM-DD (e.g. 2025-01-01).", valueName: "date"))
    var since: DateArgument?

    @Option(help: ArgumentHelp("Cohorts: segment, channel (of the first purchase) or first_product.", valueName: "dimension"))
    var by: String?

    @Option(name: .customLong("as-of"), help: ArgumentHelp("History up to this date's midnight UTC, YYYY-MM-DD (default: now).", valueName: "date"))
    var asOf: DateArgument?

    @Option(help: ArgumentHelp("The N of the conversion: a purchase within N days of entering a stage (e.g. 30).", valueName: "days"))
    var within: Int = 30

    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("Also write a self-contained HTML report (an inline-SVG flow diagram) to this file.", valueName: "file.html"))
    var report: String?

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if let since, since.timestamp == nil { throw ValidationError("--since must be a date YYYY-MM-DD, e.g. 2025-01-01; got '\(since.text)'") }
        if let asOf, asOf.timestamp == nil { throw ValidationError("--as-of must be a date YYYY-MM-DD, e.g. 2026-01-01; got '\(asOf.text)'") }
        if let by, JourneyCohortDimension(rawValue: by) == nil {
            throw ValidationError("--by must be segment, channel or first_product; got '\(by)'")
        }
        guard within >= 1 && within <= 3650 else {
            throw ValidationError("--within must be a number of days from 1 to 3650, e.g. 30; got \(within)")
        }
    }

    func run() throws {
        try reportingErrors {
            let logger = database.logging.makeLogger("waymark.journeys")
            let connection = try database.connect(logger: logger)
            let moment = asOf?.timestamp ?? Timestamp(seconds: Int64(Date().timeIntervalSince1970))
            let map = try JourneyReader(connection: connection).map(
                asOf: moment, since: since?.timestamp, conversionDays: within, by: by.flatMap(JourneyCohortDimension.init(rawValue:)))
            if let report {
                try writeReport(map.html(), to: report)
                logger.notice("wrote the HTML report", metadata: ["file": "\(report)"])
            }
            switch output.format {
            case .table: try writeOutput(map.table())
            case .json: try writeOutput(try JSONOutput.line(map))
            }
        }
    }
}

/// Writes an HTML report whole or not at all (a temporary file renamed into place).
/// - Throws: ``StoreError`` `.failure` naming the file when it cannot be written.
func writeReport(_ html: String, to path: String) throws {
    do {
        try Data(html.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw StoreError(.failure, "cannot write the report to \(path): \(error.localizedDescription)")
    }
}
