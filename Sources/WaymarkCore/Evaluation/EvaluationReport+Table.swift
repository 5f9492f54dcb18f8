internal import Foundation

extension EvaluationReport {
    /// The report for people: fixed-width tables, one section per question.
    package func table() -> String {
        let k = setup.topK
        var out = "Backtest at cutoff \(setup.cutoff), horizon \(setup.horizonDays) days (to \(setup.horizonEnd)), top \(k), catalog \(setup.catalogVersion)\n"
        out += "\(population.clients) clients: \(population.buyersBeforeCutoff) bought before the cutoff, "
        out += "\(population.buyersInHorizon) bought in the horizon (\(population.purchasesInHorizon) purchases); "
        out += "the engine offered something to \(population.clientsWithOffers)"
        if let coverage = population.offerItemCoverage {
            out += " (\(population.offerItemsRecommended) distinct offers, \(percent(coverage)) of the catalog's)"
        }
        out += ".\n\n"

        out += "Next purchase, over the \(population.buyersInHorizon) clients who bought in the horizon (a hit: a recommended category bought)\n"
        var rows = [["method", "hit rate@\(k)", "precision@\(k)", "recall@\(k)", "NDCG@\(k)", "coverage"]]
        for result in methods {
            let m = result.overall
            rows.append([result.method.rawValue, number(m.hitRate), number(m.precision), number(m.recall), number(m.ndcg),
                         "\(m.recommendedCategories)/\(setup.categories.count)"])
        }
        out += layout(rows)
        if let lift = hitRateLiftOverPopularity {
            out += "Engine hit rate = \(String(format: "%.2f", lift)) × the popularity baseline's; "
        }
        out += "engine NDCG@\(k) beats every baseline: \(engineBeatsBaselinesOnNDCG ? "yes" : "no")\n\n"

        out += "Hit rate@\(k) by stage at the cutoff (buyers in the horizon)\n"
        rows = [["stage", "buyers"] + methods.map(\.method.rawValue)]
        for stage in LifecycleStage.allCases.map(\.rawValue) {
            guard let engine = methods.first?.stages.first(where: { $0.stage == stage }), engine.metrics.buyers > 0 else { continue }
            rows.append([stage, String(engine.metrics.buyers)] + methods.map { result in
                result.stages.first { $0.stage == stage }.map { number($0.metrics.hitRate) } ?? "-"
            })
        }
        out += layout(rows) + "\n"

        out += "Lifetime calibration: purchases in the horizon by purchases before the cutoff\n"
        rows = [["purchases", "clients", "predicted", "actual"]]
        for group in calibration.groups {
            rows.append([group.label, String(group.clients), number(group.meanPredicted), number(group.meanActual)])
        }
        out += layout(rows)
        out += "Mean absolute error per client \(number(calibration.meanAbsoluteError)), per group \(number(calibration.groupMeanAbsoluteError)); "
        out += "total predicted \(String(format: "%.1f", calibration.totalPredicted)), actual \(String(format: "%.0f", calibration.totalActual))\n"
        out += "p_alive ROC AUC (bought again vs not, among \(aliveAUC.positives + aliveAUC.negatives) earlier buyers): "
        out += aliveAUC.auc.map(number) ?? "n/a"
        out += " (\(aliveAUC.positives) bought again, \(aliveAUC.negatives) did not)\n"
        if let models {
            out += "\nModels fitted on the history up to the cutoff: "
            if let kind = models.lifetimeModel {
                let p = models.lifetimeParameters
                out += "\(kind) r \(sig(p["r"])), alpha \(sig(p["alpha"])), a \(sig(p["a"])), b \(sig(p["b"])) (weeks) on \(models.fittedClients) buyers"
            } else {
                out += "no lifetime model (heuristic p_alive)"
            }
            if !models.spendParameters.isEmpty {
                let s = models.spendParameters
                out += "; gamma-gamma p \(sig(s["p"])), q \(sig(s["q"])), v \(sig(s["v"]))"
            }
            out += "; \(Int(models.affinityTransitions)) category transitions; \(Int(models.acceptanceObservations)) responses\n"
        }
        return out
    }

    private func number(_ value: Double) -> String { String(format: "%.4f", value) }
    private func percent(_ value: Double) -> String { String(format: "%.0f %%", value * 100) }
    private func sig(_ value: Double?) -> String { value.map { String(format: "%.4g", $0) } ?? "-" }

    /// Left-aligned first column, right-aligned numbers, two spaces between columns.
    private func layout(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.map(\.count).max() ?? 0)).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        var out = ""
        for row in rows {
            var line = ""
            for (index, cell) in row.enumerated() {
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                line += index == 0 ? cell + padding : "  " + padding + cell
            }
            out += line + "\n"
        }
        return out
    }
}
