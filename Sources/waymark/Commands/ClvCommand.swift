import ArgumentParser
import Foundation
import WaymarkCore
import WaymarkLifetime

/// `waymark clv`: the lifetime-value models on their own, for analysts.
struct ClvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clv",
        abstract: "Fit the lifetime-value models (BG/NBD or MBG/NBD, Gamma-Gamma) on a customer-summary file.",
        discussion: """
            The models, their formulas and how to read the output: docs/clv.md.

            Example:
              waymark clv fit summary.csv --predict 90
            """,
        subcommands: [Fit.self]
    )
}

extension ClvCommand {
    struct Fit: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fit",
            abstract: "Fit BG/NBD (or MBG/NBD) and, with monetary values, Gamma-Gamma; optionally predict per client.",
            discussion: """
                FILE is a CSV with the header client_id,frequency,recency,T[,monetary_value] (the BTYD \
                customer-summary format; the id column may also be named ID or customer_id, or be the \
                unnamed index column that Python lifetimes writes): frequency = repeat purchases, recency = time from the first to \
                the last purchase, T = time from the first purchase to the end of observation, all times in \
                one unit (days or weeks); monetary_value = the average value of the repeat purchases (a repeat buyer with a zero or \
                missing one is left out of Gamma-Gamma, with a warning). \
                Prints the fitted parameters with standard errors and the log-likelihood. A malformed file \
                is reported with its line and column (exit code 2).

                Examples:
                  waymark clv fit summary.csv
                  waymark clv fit summary.csv --model mbgnbd --predict 90 --format json
                """
        )

        @Argument(help: ArgumentHelp("The customer-summary CSV, or - for standard input.", valueName: "file"))
        var file: String

        @Option(help: "bgnbd (the default: BG/NBD) or mbgnbd (MBG/NBD, where one-time buyers can drop out too).")
        var model: LifetimeModelKind = .bgnbd

        @Option(help: ArgumentHelp("Add per-client predictions over the next H time units (e.g. --predict 90).", valueName: "H"))
        var predict: Double?

        @Option(help: ArgumentHelp("L2 penalty on the parameters (e.g. 0.001), 0 for plain maximum likelihood.", valueName: "coefficient"))
        var penalty: Double = 0

        @OptionGroup var output: OutputOptions

        func validate() throws {
            // Bounded: the expected purchases sum a series whose length grows with the horizon
            // (--predict 1e308 ran for ever); the penalty's range is the catalog's (settings.lifetime.penalty).
            if let predict, !(predict > 0 && predict <= 100_000) {
                throw ValidationError("--predict must be a positive number of time units, at most 100000, got \(predict)")
            }
            if !(penalty >= 0 && penalty <= 10) {
                throw ValidationError("--penalty must be from 0 to 10 (as settings.lifetime.penalty), got \(penalty)")
            }
        }

        func run() throws {
            let text: String
            do {
                if file == "-" {
                    text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                } else {
                    text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: file)), as: UTF8.self)
                }
            } catch {
                printError("error: cannot read \(file): \(error.localizedDescription)")
                throw ExitCode(ExitCodes.invalidInput)
            }
            let report = try reportingErrors {
                try ClvReport.make(
                    rows: CustomerSummaryCSV.parse(text, name: file == "-" ? "<stdin>" : file),
                    kind: model, horizon: predict, penalty: penalty)
            }
            for warning in report.warnings { printError("warning: \(warning)") }
            switch output.format {
            case .table: try writeOutput(report.table())
            case .json:
                try writeOutput(try JSONOutput.document(report))
            }
        }
    }

}
