import ArgumentParser
import Foundation
import Logging
import WaymarkCore
import WaymarkLifetime
import WaymarkReports
import WaymarkStore

/// `waymark evaluate`: would the recommendations have been right? A backtest against baselines.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Backtest: recommend as of a past date and compare with what clients bought next, beside simple baselines.",
        discussion: """
            Everything up to the cutoff (midnight UTC of DATE) is history: the models are fitted on it \
            and the engine recommends from it, as the nightly run would have that day; nothing later is \
            read except the purchases of the horizon, (cutoff, cutoff + DAYS], which are the truth. \
            Reports hit rate, precision, recall and NDCG at k (a hit: a recommended category bought), \
            catalog coverage, overall and per lifecycle stage, for the engine and five baselines \
            (most popular categories, repeat of the last category, a seeded random pick, the client's \
            own most bought categories, the most popular in the client's stage), with bootstrap 95 % \
            intervals (seeded by --seed); the lifetime-value calibration (predicted against actual \
            purchases in the horizon by purchases before the cutoff, with the mean absolute error) and \
            the ROC AUC of p_alive; the propensity's calibration by decile; each offer's reach and hits. \
            See docs/evaluation.md.

            Examples:
              waymark evaluate --cutoff 2025-07-01 --horizon 180
              waymark evaluate --cutoff 2025-07-01 --horizon 180 --top 3 --format json > backtest.json
              waymark evaluate --cutoff 2025-07-01 --horizon 180 --report backtest.html
              waymark evaluate --cutoff 2025-07-01 --horizon 180 --catalog catalog/examples/financial-advisor.yaml
            """
    )

    @Option(help: ArgumentHelp("The cutoff date, YYYY-MM-DD (e.g. 2025-07-01): history is everything up to its midnight UTC.", valueName: "date"))
    var cutoff: DateArgument

    @Option(help: ArgumentHelp("The horizon in days after the cutoff (e.g. 180).", valueName: "days"))
    var horizon: Int

    @Option(help: ArgumentHelp("Offers per client and the k of every metric (default: the catalog's top_offers).", valueName: "k"))
    var top: Int?

    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("Also write a self-contained HTML report (inline SVG charts) to this file.", valueName: "file.html"))
    var report: String?

    @Option(help: ArgumentHelp("Evaluate this catalog file instead of the database's current catalog.", valueName: "file"))
    var catalog: String?

    @Option(help: ArgumentHelp("The seed of the random baseline and of the bootstrap intervals.", valueName: "seed"))
    var seed: UInt64 = 42

    @Option(help: ArgumentHelp("Lifetime model: bgnbd or mbgnbd, as `waymark score --model` (default: the catalog's settings.lifetime.model, mbgnbd).", valueName: "model"))
    var model: String?

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard cutoff.timestamp != nil else {
            throw ValidationError("--cutoff must be a date YYYY-MM-DD, e.g. 2025-07-01; got '\(cutoff.text)'")
        }
        guard horizon >= 1 && horizon <= 3650 else {
            throw ValidationError("--horizon must be a number of days from 1 to 3650, e.g. 180; got \(horizon)")
        }
        if let model, LifetimeModelKind(rawValue: model) == nil {
            throw ValidationError("--model must be bgnbd or mbgnbd; got '\(model)'")
        }
        if let top, top < 1 || top > 50 {
            throw ValidationError("--top must be from 1 to 50, e.g. 3; got \(top)")
        }
    }

    func run() throws {
        try reportingErrors {
            let logger = database.logging.makeLogger("waymark.evaluate")
            let configuration = database.store(applicationName: "waymark evaluate").configuration
            // Fail early, with the documented exit code, when the database is not there.
            let connection = try database.connect(logger: logger)
            var given: Catalog?
            if let catalog {
                do {
                    given = try CatalogStore(connection: connection).validate(try CatalogCommand.read(catalog), file: catalog)
                } catch let error as CatalogError {
                    throw StoreError(.invalidInput, error.description, underlying: error)
                }
            }
            var options = Backtest.Options(cutoff: cutoff.timestamp!, horizonDays: horizon, topK: top, seed: seed, catalog: given)
            options.model = model.flatMap { LifetimeModelKind(rawValue: $0) }
            let progressLog = ProgressLog(logger: logger, activity: "evaluating", unit: "clients")
            var evaluated = 0
            var total: Int?
            let result = try Backtest(configuration: configuration, logger: logger).run(options, onClient: { _ in
                evaluated += 1
                if evaluated % 256 == 0 { progressLog.report(done: evaluated, total: total) }
            }, onTotal: { total = $0 })
            if let report {
                try writeReport(result.report.html(), to: report)
                logger.notice("wrote the HTML report", metadata: ["file": "\(report)"])
            }
            switch output.format {
            case .table: try writeOutput(result.report.table())
            case .json: try writeOutput(String(decoding: try EvaluationReport.jsonEncoder().encode(result.report), as: UTF8.self) + "\n")
            }
        }
    }
}
