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
        out += ".\n"
        if let note = horizonNote { out += "Note: \(note).\n" }
        if let note = noOfferNote { out += "Note: \(note).\n" }
        out += "\n"

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

        let b = setup.bootstrap
        out += "Bootstrap \(percent(b.level)) intervals (\(b.resamples) resamples of the \(b.buyers) buyers, seed \(b.seed))\n"
        rows = [["method", "hit rate@\(k)", "interval", "NDCG@\(k)", "interval"]]
        for result in methods {
            rows.append([result.method.rawValue, number(result.overall.hitRate), interval(result.hitRateCI),
                         number(result.overall.ndcg), interval(result.ndcgCI)])
        }
        out += layout(rows) + "\n"

        out += "Hit rate@\(k) by stage at the cutoff (buyers in the horizon)\n"
        rows = [["stage", "buyers"] + methods.map(\.method.rawValue)]
        for stage in LifecycleStage.allCases.map(\.rawValue) {
            guard let engine = methods.first?.stages.first(where: { $0.stage == stage }), engine.metrics.buyers > 0 else { continue }
            rows.append([stage, String(engine.metrics.buyers)] + methods.map { result in
                result.stages.first { $0.stage == stage }.map { number($0.metrics.hitRate) } ?? "-"
            })
        }
        out += layout(rows)
        let stageLists = LifecycleStage.allCases.compactMap { stage in
            setup.stagePopularCategories[stage.rawValue].map { "\(stage.rawValue): \($0.joined(separator: ", "))" }
        }
        if !stageLists.isEmpty { out += "stage_popularity lists: " + stageLists.joined(separator: "; ") + "\n" }
        out += "\n"

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

        let p = propensityCalibration
        out += "\nPropensity calibration: \(p.offers) recommended offers by decile of predicted propensity (observed: the client bought the offer's category in the horizon)\n"
        rows = [["decile", "offers", "predicted from", "to", "mean predicted", "observed"]]
        for d in p.deciles {
            rows.append([String(d.decile), String(d.offers), number(d.minPredicted), number(d.maxPredicted), number(d.meanPredicted), number(d.observedRate)])
        }
        out += layout(rows)
        out += "Overall mean predicted \(number(p.meanPredicted)), observed \(number(p.observedRate)); "
        out += "Brier score \(number(p.brierScore)), expected calibration error \(number(p.expectedCalibrationError))\n"

        let shown = offerItems.prefix(20)
        out += "\nOffers: clients recommended to and hits (bought the offer's category in the horizon), most recommended first\n"
        rows = [["offer", "category", "clients", "share", "buyers", "hits", "hit rate"]]
        for item in shown {
            rows.append([item.itemID, item.category, String(item.recommended), String(format: "%.1f %%", item.clientShare * 100), String(item.buyers),
                         String(item.hits), number(item.hitRate)])
        }
        out += layout(rows)
        let never = offerItems.filter { $0.recommended == 0 }.count
        if offerItems.count > shown.count { out += "(\(offerItems.count - shown.count) more offers not shown) " }
        out += "\(never) of \(offerItems.count) offers never recommended\n"
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
            if let t = models.propensity {
                out += "propensity: \(t.summary)"
                if let days = setup.propensityHorizonDays, days < setup.horizonDays {
                    out += "; for \(days) \(days == 1 ? "day" : "days"), the span the purchases cover (at least the usual time between purchases)"
                }
                out += "\n"
            }
        }
        return out
    }

    private func number(_ value: Double) -> String { String(format: "%.4f", value) }
    private func percent(_ value: Double) -> String { String(format: "%.0f %%", value * 100) }
    private func interval(_ bounds: [Double]?) -> String {
        guard let bounds, bounds.count == 2 else { return "-" }
        return "[\(number(bounds[0])), \(number(bounds[1]))]"
    }
    private func sig(_ value: Double?) -> String { value.map { String(format: "%.4g", $0) } ?? "-" }

    private func layout(_ rows: [[String]]) -> String { numberTable(rows) }
}

/// A fixed-width table for people: left-aligned first column, right-aligned numbers, two spaces
/// between columns, a line break after each row.
package func numberTable(_ rows: [[String]]) -> String {
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
