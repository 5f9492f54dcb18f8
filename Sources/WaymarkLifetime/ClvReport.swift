internal import Foundation

/// A fitted BG/NBD or MBG/NBD model (with Gamma-Gamma when the file has monetary values) and,
/// with a horizon, the per-client predictions: what `waymark clv fit` prints, as a table or as JSON.
package struct ClvReport: Encodable {
    package struct Parameter: Encodable {
        package var name: String
        package var estimate: Double
        package var standardError: Double?
        enum CodingKeys: String, CodingKey { case name, estimate, standardError = "standard_error" }
    }

    package struct Fitted: Encodable {
        /// `bgnbd`, `mbgnbd` or `gamma_gamma`.
        package var model: String
        package var clients: Int
        package var distinctTriples: Int?
        package var parameters: [Parameter]
        package var logLikelihood: Double
        package var iterations: Int
        package var converged: Bool
        package var method: String
        enum CodingKeys: String, CodingKey {
            case model, clients, parameters, iterations, converged, method
            case distinctTriples = "distinct_triples"
            case logLikelihood = "log_likelihood"
        }
    }

    package struct Prediction: Encodable {
        package var clientID: String
        package var frequency: Int
        package var recency: Double
        package var age: Double
        package var probabilityAlive: Double
        package var expectedPurchases: Double?
        package var expectedAverageSpend: Double?
        package var expectedValue: Double?
        enum CodingKeys: String, CodingKey {
            case clientID = "client_id", frequency, recency, age = "T"
            case probabilityAlive = "probability_alive"
            case expectedPurchases = "expected_purchases"
            case expectedAverageSpend = "expected_average_spend"
            case expectedValue = "expected_value"
        }
    }

    package var purchases: Fitted
    package var spend: Fitted?
    package var horizon: Double?
    package var predictions: [Prediction]?
    /// What the user should know about the fit but did not stop it (printed on standard error,
    /// not part of the JSON): e.g. repeat buyers left out of Gamma-Gamma for a zero or missing spend.
    package var warnings: [String] = []
    /// Repeat buyers left out of Gamma-Gamma because their `monetary_value` is zero or missing.
    package var spendSkipped = 0

    enum CodingKeys: String, CodingKey { case purchases, spend, horizon, predictions }

    package static func make(rows: [CustomerSummaryRow], kind: LifetimeModelKind, horizon: Double?, penalty: Double) throws(LifetimeError) -> ClvReport {
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
        // Gamma-Gamma on the repeat buyers with a positive average spend; a repeat buyer with a
        // zero or missing spend is left out (counted, with a warning) rather than stopping the fit.
        func hasSpend(_ row: CustomerSummaryRow) -> Bool { (row.monetaryValue ?? 0) > 0 }
        var warnings: [String] = []
        var spendSkipped = 0
        if rows.contains(where: { $0.monetaryValue != nil }) {
            let skipped = rows.filter { $0.summary.frequency > 0 && !hasSpend($0) }
            spendSkipped = skipped.count
            if let first = skipped.first {
                warnings.append("\(spendSkipped) repeat buyer\(spendSkipped == 1 ? "" : "s") with a zero or missing monetary_value "
                    + "left out of Gamma-Gamma (the first: client \"\(first.clientID)\" on line \(first.line)); "
                    + "their expected spend is the population mean")
            }
        }
        if rows.contains(where: { $0.summary.frequency > 0 && hasSpend($0) }) {
            let spendFit = try GammaGammaModel.fit(
                rows.lazy.filter { $0.summary.frequency > 0 && hasSpend($0) }
                    .map { SpendSummary(frequency: $0.summary.frequency, averageSpend: $0.monetaryValue ?? 0) }, options: options)
            let q = spendFit.model.parameters, s = spendFit.standardErrors
            spendModel = spendFit.model
            spend = Fitted(
                model: "gamma_gamma", clients: spendFit.clientCount, distinctTriples: nil,
                parameters: [
                    Parameter(name: "p", estimate: q.p, standardError: s?.p),
                    Parameter(name: "q", estimate: q.q, standardError: s?.q),
                    Parameter(name: "v", estimate: q.v, standardError: s?.v),
                ],
                logLikelihood: spendFit.logLikelihood, iterations: spendFit.iterations, converged: spendFit.converged, method: spendFit.method)
        }
        var predictions: [Prediction]?
        if let horizon {
            predictions = rows.map { row in
                let s = row.summary
                let expected = finite(fit.model.expectedPurchases(in: horizon, frequency: s.frequency, recency: s.recency, age: s.age))
                let averageSpend = spendModel.flatMap {
                    finite(hasSpend(row) ? $0.expectedAverageSpend(frequency: s.frequency, averageSpend: row.monetaryValue ?? 0)
                                         : $0.expectedAverageSpend(frequency: 0, averageSpend: 0))
                }
                return Prediction(
                    clientID: row.clientID, frequency: s.frequency, recency: s.recency, age: s.age,
                    probabilityAlive: fit.model.probabilityAlive(frequency: s.frequency, recency: s.recency, age: s.age),
                    expectedPurchases: expected,
                    expectedAverageSpend: averageSpend,
                    expectedValue: expected.flatMap { purchases in averageSpend.map { purchases * $0 } })
            }
        }
        return ClvReport(purchases: purchases, spend: spend, horizon: horizon, predictions: predictions,
                         warnings: warnings, spendSkipped: spendSkipped)
    }

    private static func finite(_ value: Double) -> Double? { value.isFinite ? value : nil }
}
