internal import Foundation

extension EvaluationReport {
    /// A self-contained HTML page: inline CSS and SVG, no script, no network.
    ///
    /// Sections: the headline figures, the comparison with the baselines (grouped bars of hit
    /// rate, precision, recall and NDCG), the metrics per lifecycle stage (bars and a table), and
    /// the lifetime calibration plot (mean predicted versus actual purchases per group).
    package func html() -> String {
        let k = setup.topK
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Waymark backtest \(escape(setup.cutoff)) + \(setup.horizonDays) days</title>
            <style>
            body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1d2330; margin: 2rem auto; max-width: 1080px; padding: 0 1rem; line-height: 1.45; }
            h1 { font-size: 1.6rem; margin-bottom: .2rem; }
            h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #d8dde6; padding-bottom: .3rem; }
            p.sub { color: #5a6475; margin-top: 0; }
            .cards { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1.2rem 0; }
            .card { flex: 1 1 180px; border: 1px solid #d8dde6; border-radius: 8px; padding: .8rem 1rem; background: #f7f9fc; }
            .card .value { font-size: 1.6rem; font-weight: 600; }
            .card .label { color: #5a6475; font-size: .85rem; }
            .good { color: #1a7f37; } .bad { color: #b42318; }
            table { border-collapse: collapse; margin: .8rem 0; font-size: .9rem; }
            th, td { padding: .3rem .7rem; border-bottom: 1px solid #e3e7ee; text-align: right; }
            th:first-child, td:first-child { text-align: left; }
            th { background: #f0f3f8; }
            svg { display: block; margin: .6rem 0; background: #fff; }
            svg text { font-family: inherit; font-size: 12px; fill: #1d2330; }
            .note { color: #5a6475; font-size: .85rem; }
            </style>
            </head>
            <body>
            <h1>Would these recommendations have been right?</h1>
            <p class="sub">Backtest at cutoff <strong>\(escape(setup.cutoff))</strong>, horizon \(setup.horizonDays) days (to \(escape(setup.horizonEnd))), top \(k) offers, catalog \(escape(setup.catalogVersion)). Models fitted on the history up to the cutoff only.</p>

            """
        let engine = result(.engine)?.overall ?? RankingMetrics()
        let lift = hitRateLiftOverPopularity
        page += "<div class=\"cards\">\n"
        page += card(value: fixed(engine.hitRate, 3), label: "engine hit rate@\(k)")
        page += card(value: lift.map { fixed($0, 2) + "×" } ?? "n/a", label: "hit rate over the popularity baseline", good: lift.map { $0 >= 1.3 })
        page += card(value: fixed(engine.ndcg, 3), label: "engine NDCG@\(k)" + (engineBeatsBaselinesOnNDCG ? " (beats every baseline)" : " (a baseline does better)"), good: engineBeatsBaselinesOnNDCG)
        page += card(value: fixed(calibration.meanAbsoluteError, 3), label: "calibration MAE per client (purchases)")
        page += card(value: aliveAUC.auc.map { fixed($0, 3) } ?? "n/a", label: "p_alive ROC AUC")
        page += "</div>\n"
        page += "<p class=\"note\">\(population.clients) clients; \(population.buyersBeforeCutoff) bought before the cutoff; \(population.buyersInHorizon) bought in the horizon (\(population.purchasesInHorizon) purchases), the clients the ranking metrics average over. A hit is a recommended category bought in the horizon.</p>\n"

        page += "<h2>Engine against the baselines</h2>\n"
        let metricNames = ["hit rate@\(k)", "precision@\(k)", "recall@\(k)", "NDCG@\(k)"]
        page += groupedBars(
            id: "baselines",
            groups: metricNames,
            series: methods.map { ($0.method.rawValue, [$0.overall.hitRate, $0.overall.precision, $0.overall.recall, $0.overall.ndcg]) })
        page += "<table id=\"metrics\">\n<tr><th>method</th>" + metricNames.map { "<th>\($0)</th>" }.joined() + "<th>coverage</th><th>clients with a recommendation</th></tr>\n"
        for result in methods {
            let m = result.overall
            page += "<tr><td>\(escape(result.method.label))</td><td>\(fixed(m.hitRate, 4))</td><td>\(fixed(m.precision, 4))</td><td>\(fixed(m.recall, 4))</td><td>\(fixed(m.ndcg, 4))</td>"
            page += "<td>\(m.recommendedCategories)/\(setup.categories.count)</td><td>\(m.clientsWithRecommendations)</td></tr>\n"
        }
        page += "</table>\n"

        page += "<h2>Per lifecycle stage</h2>\n"
        let stages = LifecycleStage.allCases.map(\.rawValue).filter { stage in
            (methods.first?.stages.first { $0.stage == stage }?.metrics.buyers ?? 0) > 0
        }
        page += groupedBars(
            id: "stages",
            groups: stages,
            series: methods.map { result in
                (result.method.rawValue, stages.map { stage in result.stages.first { $0.stage == stage }?.metrics.hitRate ?? 0 })
            })
        page += "<table id=\"stages-table\">\n<tr><th>stage</th><th>buyers</th>" + methods.map { "<th>\($0.method.rawValue) hit@\(k)</th><th>\($0.method.rawValue) NDCG@\(k)</th>" }.joined() + "</tr>\n"
        for stage in stages {
            let buyers = methods.first?.stages.first { $0.stage == stage }?.metrics.buyers ?? 0
            page += "<tr><td>\(escape(stage))</td><td>\(buyers)</td>"
            for result in methods {
                let m = result.stages.first { $0.stage == stage }?.metrics ?? RankingMetrics()
                page += "<td>\(fixed(m.hitRate, 3))</td><td>\(fixed(m.ndcg, 3))</td>"
            }
            page += "</tr>\n"
        }
        page += "</table>\n"

        page += "<h2>Lifetime-value calibration</h2>\n"
        page += "<p class=\"note\">Mean purchases in the horizon per client, predicted at the cutoff (BG/NBD) and actual, grouped by purchases before the cutoff. Mean absolute error per client \(fixed(calibration.meanAbsoluteError, 3)), per group \(fixed(calibration.groupMeanAbsoluteError, 3)); total predicted \(fixed(calibration.totalPredicted, 1)), actual \(fixed(calibration.totalActual, 0)).</p>\n"
        page += calibrationPlot()
        page += "<table id=\"calibration\">\n<tr><th>purchases before</th><th>clients</th><th>mean predicted</th><th>mean actual</th></tr>\n"
        for group in calibration.groups {
            page += "<tr><td>\(escape(group.label))</td><td>\(group.clients)</td><td>\(fixed(group.meanPredicted, 3))</td><td>\(fixed(group.meanActual, 3))</td></tr>\n"
        }
        page += "</table>\n"
        page += "<p class=\"note\">p_alive at the cutoff separates the \(aliveAUC.positives) earlier buyers who bought again from the \(aliveAUC.negatives) who did not with a ROC AUC of \(aliveAUC.auc.map { fixed($0, 3) } ?? "n/a") (0.5 is chance).</p>\n"
        page += "</body>\n</html>\n"
        return page
    }

    // MARK: - Pieces

    private static let palette = ["#2f6fde", "#f29d38", "#7a8699", "#c9ced8", "#1a7f37", "#b42318"]

    private func card(value: String, label: String, good: Bool? = nil) -> String {
        let style = good.map { $0 ? " good" : " bad" } ?? ""
        return "<div class=\"card\"><div class=\"value\(style)\">\(escape(value))</div><div class=\"label\">\(escape(label))</div></div>\n"
    }

    /// Vertical bars: one cluster per group, one bar per series, values in 0…max, with a legend.
    private func groupedBars(id: String, groups: [String], series: [(name: String, values: [Double])]) -> String {
        let width = 1000.0, height = 340.0
        let left = 50.0, right = 20.0, top = 56.0, bottom = 40.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let maximum = niceCeiling(series.flatMap(\.values).max() ?? 0)
        let groupWidth = plotWidth / Double(max(groups.count, 1))
        let barWidth = groupWidth * 0.8 / Double(max(series.count, 1))
        var svg = "<svg id=\"\(id)-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\">\n"
        for tick in 0...4 {
            let value = maximum * Double(tick) / 4
            let y = top + plotHeight - plotHeight * Double(tick) / 4
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(width - right))\" y2=\"\(f(y))\" stroke=\"#e3e7ee\"/>"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(fixed(value, 2))</text>\n"
        }
        for (g, group) in groups.enumerated() {
            let x0 = left + groupWidth * Double(g) + groupWidth * 0.1
            for (s, entry) in series.enumerated() {
                let value = g < entry.values.count ? entry.values[g] : 0
                let h = maximum > 0 ? plotHeight * value / maximum : 0
                let x = x0 + barWidth * Double(s)
                svg += "<rect class=\"bar\" data-series=\"\(escape(entry.name))\" data-group=\"\(escape(group))\" x=\"\(f(x))\" y=\"\(f(top + plotHeight - h))\" width=\"\(f(barWidth - 2))\" height=\"\(f(h))\" fill=\"\(Self.palette[s % Self.palette.count])\"><title>\(escape(entry.name)) \(escape(group)): \(fixed(value, 4))</title></rect>"
                svg += "<text x=\"\(f(x + (barWidth - 2) / 2))\" y=\"\(f(top + plotHeight - h - 4))\" text-anchor=\"middle\" font-size=\"10\">\(fixed(value, 2))</text>\n"
            }
            svg += "<text x=\"\(f(left + groupWidth * (Double(g) + 0.5)))\" y=\"\(f(height - bottom + 18))\" text-anchor=\"middle\">\(escape(group))</text>\n"
        }
        svg += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(width - right))\" y2=\"\(f(top + plotHeight))\" stroke=\"#1d2330\"/>\n"
        for (s, entry) in series.enumerated() {
            let x = left + 10 + Double(s) * 160
            svg += "<rect x=\"\(f(x))\" y=\"12\" width=\"14\" height=\"14\" fill=\"\(Self.palette[s % Self.palette.count])\"/><text x=\"\(f(x + 20))\" y=\"24\">\(escape(entry.name))</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// Mean predicted (dashed) and actual (solid) purchases per group of purchases before the cutoff.
    private func calibrationPlot() -> String {
        let width = 1000.0, height = 360.0
        let left = 60.0, right = 20.0, top = 40.0, bottom = 50.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let groups = calibration.groups
        let maximum = niceCeiling(groups.flatMap { [$0.meanPredicted, $0.meanActual] }.max() ?? 0)
        let step = plotWidth / Double(max(groups.count - 1, 1))
        func point(_ index: Int, _ value: Double) -> (Double, Double) {
            (left + step * Double(index), top + plotHeight - (maximum > 0 ? plotHeight * value / maximum : 0))
        }
        var svg = "<svg id=\"calibration-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\">\n"
        for tick in 0...4 {
            let value = maximum * Double(tick) / 4
            let y = top + plotHeight - plotHeight * Double(tick) / 4
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(width - right))\" y2=\"\(f(y))\" stroke=\"#e3e7ee\"/>"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(fixed(value, 2))</text>\n"
        }
        for (index, group) in groups.enumerated() {
            let (x, _) = point(index, 0)
            svg += "<text x=\"\(f(x))\" y=\"\(f(top + plotHeight + 18))\" text-anchor=\"middle\">\(escape(group.label))</text>\n"
        }
        svg += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">purchases before the cutoff</text>\n"
        svg += "<text x=\"16\" y=\"\(f(top + plotHeight / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(f(top + plotHeight / 2)))\">purchases in the horizon (mean)</text>\n"
        let lines: [(name: String, color: String, dash: String, values: [Double])] = [
            ("predicted", Self.palette[0], "6 4", groups.map(\.meanPredicted)),
            ("actual", Self.palette[1], "", groups.map(\.meanActual)),
        ]
        for line in lines {
            let points = line.values.enumerated().map { point($0.offset, $0.element) }
            svg += "<polyline class=\"series\" data-series=\"\(line.name)\" fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2.5\"\(line.dash.isEmpty ? "" : " stroke-dasharray=\"\(line.dash)\"") points=\"\(points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " "))\"/>\n"
            for (index, p) in points.enumerated() {
                svg += "<circle cx=\"\(f(p.0))\" cy=\"\(f(p.1))\" r=\"4\" fill=\"\(line.color)\"><title>\(line.name) \(escape(groups[index].label)): \(fixed(line.values[index], 3))</title></circle>\n"
            }
        }
        svg += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(width - right))\" y2=\"\(f(top + plotHeight))\" stroke=\"#1d2330\"/>\n"
        for (index, line) in lines.enumerated() {
            let x = left + 10 + Double(index) * 140
            svg += "<line x1=\"\(f(x))\" y1=\"19\" x2=\"\(f(x + 24))\" y2=\"19\" stroke=\"\(line.color)\" stroke-width=\"2.5\"\(line.dash.isEmpty ? "" : " stroke-dasharray=\"\(line.dash)\"")/><text x=\"\(f(x + 30))\" y=\"23\">\(line.name)</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above `value` (1 for 0).
    private func niceCeiling(_ value: Double) -> Double {
        guard value > 0, value.isFinite else { return 1 }
        let magnitude = pow(10, floor(log10(value)))
        for factor in [1.0, 2, 2.5, 5, 10] where factor * magnitude >= value { return factor * magnitude }
        return 10 * magnitude
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }

    private func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

    private func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
