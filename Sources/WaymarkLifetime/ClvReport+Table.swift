internal import Foundation

extension ClvReport {
    /// The human-readable form.
    package func table() -> String {
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
