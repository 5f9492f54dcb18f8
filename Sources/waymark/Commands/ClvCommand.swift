import ArgumentParser
import Foundation
import WaymarkCore
import WaymarkLifetime

/// `waymark clv`: the lifetime-value models on their own, for analysts.
struct ClvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clv",
        abstract: "Fit the lifetime-value models (BG/NBD or MBG/NBD, Gamma-Gamma) on a customer-summary file.",
        discussion: "The models, their formulas and how to read the output: docs/clv.md.",
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
                customer-summary format): frequency = repeat purchases, recency = time from the first to \
                the last purchase, T = time from the first purchase to the end of observation, all times in \
                one unit (days or weeks); monetary_value = the average value of the repeat purchases. \
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
        var model: ModelArgument = .bgnbd

        @Option(help: ArgumentHelp("Add per-client predictions over the next H time units (e.g. --predict 90).", valueName: "H"))
        var predict: Double?

        @Option(help: ArgumentHelp("L2 penalty on the parameters (e.g. 0.001), 0 for plain maximum likelihood.", valueName: "coefficient"))
        var penalty: Double = 0

        @Option(help: "table or json.")
        var format: OutputFormat = .table

        func validate() throws {
            if let predict, !(predict > 0 && predict.isFinite) {
                throw ValidationError("--predict must be a positive number of time units, got \(predict)")
            }
            if !(penalty >= 0 && penalty.isFinite) {
                throw ValidationError("--penalty must be 0 or a positive number, got \(penalty)")
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
            let report: ClvReport
            do {
                report = try ClvReport.make(
                    rows: CustomerSummaryCSV.parse(text, name: file == "-" ? "<stdin>" : file),
                    kind: model.kind, horizon: predict, penalty: penalty)
            } catch {
                printError("error: \(error)")
                throw ExitCode(error.code == .fitFailed ? ExitCodes.failure : ExitCodes.invalidInput)
            }
            switch format {
            case .table: writeOutput(report.table())
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                writeOutput(String(decoding: try encoder.encode(report), as: UTF8.self) + "\n")
            }
        }
    }

    enum ModelArgument: String, ExpressibleByArgument, CaseIterable {
        case bgnbd, mbgnbd
        var kind: LifetimeModelKind { self == .bgnbd ? .bgnbd : .mbgnbd }
    }

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }
}

/// What `waymark clv fit` prints, as a table or as JSON.
struct ClvReport: Encodable {
    struct Parameter: Encodable {
        var name: String
        var estimate: Double
        var standardError: Double?
        enum CodingKeys: String, CodingKey { case name, estimate, standardError = "standard_error" }
    }

    struct Fitted: Encodable {
        /// `bgnbd`, `mbgnbd` or `gamma_gamma`.
        var model: String
        var clients: Int
        var distinctTriples: Int?
        var parameters: [Parameter]
        var logLikelihood: Double
        var iterations: Int
        var converged: Bool
        var method: String
        enum CodingKeys: String, CodingKey {
            case model, clients, parameters, iterations, converged, method
            case distinctTriples = "distinct_triples"
            case logLikelihood = "log_likelihood"
        }
    }

    struct Prediction: Encodable {
        var clientID: String
        var frequency: Int
        var recency: Double
        var age: Double
        var probabilityAlive: Double
        var expectedPurchases: Double?
        var expectedAverageSpend: Double?
        var expectedValue: Double?
        enum CodingKeys: String, CodingKey {
            case clientID = "client_id", frequency, recency, age = "T"
            case probabilityAlive = "probability_alive"
            case expectedPurchases = "expected_purchases"
            case expectedAverageSpend = "expected_average_spend"
            case expectedValue = "expected_value"
        }
    }

    var purchases: Fitted
    var spend: Fitted?
    var horizon: Double?
    var predictions: [Prediction]?

    static func make(rows: [CustomerSummaryRow], kind: LifetimeModelKind, horizon: Double?, penalty: Double) throws(LifetimeError) -> ClvReport {
        let options = LifetimeFitOptions(penalty: penalty)
        let fit = try LifetimeModel.fit(RFTSummary(rows.map(\.summary)), kind: kind, options: options)
        let p = fit.model.parameters, e = fit.standardErrors
        let purchases = Fitted(
            model: kind.rawValue, clients: fit.clientCount, distinctTriples: fit.groupCount,
            parameters: [
                Parameter(name: "r", estimate: p.r, standardError: e?.r),
                Parameter(name: "alpha", estimate: p.alpha, standardError: e?.alpha),
                Parameter(name: "a", estimate: p.a, standardError: e?.a),
                Parameter(name: "b", estimate: p.b, standardError: e?.b),
            ],
            logLikelihood: fit.logLikelihood, iterations: fit.iterations, converged: fit.converged, method: fit.method)
        var spendModel: GammaGammaModel?
        var spend: Fitted?
        if rows.allSatisfy({ $0.monetaryValue != nil }) && rows.contains(where: { $0.summary.frequency > 0 }) {
            let spendFit = try GammaGammaModel.fit(
                rows.map { SpendSummary(frequency: $0.summary.frequency, averageSpend: $0.monetaryValue ?? 0) }, options: options)
            let q = spendFit.model.parameters, s = spendFit.standardErrors
            spendModel = spendFit.model
            spend = Fitted(
                model: "gamma_gamma", clients: spendFit.clientCount, distinctTriples: nil,
                parameters: [
                    Parameter(name: "p", estimate: q.p, standardError: s?.p),
                    Parameter(name: "q", estimate: q.q, standardError: s?.q),
                    Parameter(name: "v", estimate: q.v, standardError: s?.v),
                ],
                logLikelihood: spendFit.logLikelihood, iterations: spendFit.iterations, converged: spendFit.converged, method: "nelder-mead")
        }
        var predictions: [Prediction]?
        if let horizon {
            predictions = rows.map { row in
                let s = row.summary
                let expected = finite(fit.model.expectedPurchases(in: horizon, frequency: s.frequency, recency: s.recency, age: s.age))
                let averageSpend = spendModel.flatMap { finite($0.expectedAverageSpend(frequency: s.frequency, averageSpend: row.monetaryValue ?? 0)) }
                return Prediction(
                    clientID: row.clientID, frequency: s.frequency, recency: s.recency, age: s.age,
                    probabilityAlive: fit.model.probabilityAlive(frequency: s.frequency, recency: s.recency, age: s.age),
                    expectedPurchases: expected,
                    expectedAverageSpend: averageSpend,
                    expectedValue: expected.flatMap { purchases in averageSpend.map { purchases * $0 } })
            }
        }
        return ClvReport(purchases: purchases, spend: spend, horizon: horizon, predictions: predictions)
    }

    private static func finite(_ value: Double) -> Double? { value.isFinite ? value : nil }

    /// The human-readable form.
    func table() -> String {
        var out = ""
        for fitted in [purchases] + (spend.map { [$0] } ?? []) {
            let what = fitted.distinctTriples.map { "\(fitted.clients) clients (\($0) distinct triples)" } ?? "\(fitted.clients) repeat buyers"
            let name = ["bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD", "gamma_gamma": "Gamma-Gamma"][fitted.model] ?? fitted.model
            out += "\(name) fitted on \(what): \(fitted.converged ? "converged" : "NOT converged") after \(fitted.iterations) iterations (\(fitted.method))\n"
            out += pad("parameter", 10) + pad("estimate", 14, right: true) + pad("std. error", 14, right: true) + "\n"
            for parameter in fitted.parameters {
                out += pad(parameter.name, 10) + pad(format(parameter.estimate), 14, right: true)
                    + pad(parameter.standardError.map(format) ?? "-", 14, right: true) + "\n"
            }
            out += "log-likelihood \(String(format: "%.4f", fitted.logLikelihood))\n\n"
        }
        if let predictions, let horizon {
            var columns = ["client_id", "frequency", "recency", "T", "p_alive", "expected_purchases(\(format(horizon)))"]
            if spend != nil { columns += ["expected_average_spend", "expected_value"] }
            out += columns.joined(separator: "\t") + "\n"
            for row in predictions {
                var cells = [row.clientID, String(row.frequency), format(row.recency), format(row.age),
                             String(format: "%.4f", row.probabilityAlive), row.expectedPurchases.map { String(format: "%.4f", $0) } ?? "-"]
                if spend != nil {
                    cells += [row.expectedAverageSpend.map { String(format: "%.2f", $0) } ?? "-",
                              row.expectedValue.map { String(format: "%.2f", $0) } ?? "-"]
                }
                out += cells.joined(separator: "\t") + "\n"
            }
        }
        return out
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e12 ? String(Int(value)) : String(format: "%.6g", value)
    }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return right ? padding + text : text + padding
    }
}
