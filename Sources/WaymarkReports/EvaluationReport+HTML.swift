internal import Foundation
internal import Mustache
package import WaymarkCore

extension EvaluationReport {
    /// A self-contained HTML page: inline CSS and SVG, no script, no network.
    ///
    /// Sections: the headline figures, the comparison with the baselines (grouped bars of hit
    /// rate, precision, recall and NDCG), the metrics per lifecycle stage (bars and a table), and
    /// the lifetime calibration plot (mean predicted versus actual purchases per group).
    /// Rendered from the Mustache templates in `Templates/` (which escape every value); this
    /// file only computes the figures and the charts' geometry.
    package func html() -> String {
        let k = setup.topK
        let engine = result(.engine)?.overall ?? RankingMetrics()
        let lift = hitRateLiftOverPopularity
        let metricNames = ["hit rate@\(k)", "precision@\(k)", "recall@\(k)", "NDCG@\(k)"]
        let stages = LifecycleStage.allCases.map(\.rawValue).filter { stage in
            (methods.first?.stages.first { $0.stage == stage }?.metrics.buyers ?? 0) > 0
        }
        let context: [String: Any] = [
            "cutoff": setup.cutoff, "horizonDays": setup.horizonDays, "horizonEnd": setup.horizonEnd,
            "k": k, "catalogVersion": setup.catalogVersion,
            "cards": [
                card(value: fixed(engine.hitRate, 3), label: "engine hit rate@\(k)"),
                card(value: lift.map { fixed($0, 2) + "×" } ?? "n/a", label: "hit rate over the popularity baseline", good: lift.map { $0 >= 1.3 }),
                card(value: fixed(engine.ndcg, 3), label: "engine NDCG@\(k)" + (engineBeatsBaselinesOnNDCG ? " (beats every baseline)" : " (a baseline does better)"), good: engineBeatsBaselinesOnNDCG),
                card(value: fixed(calibration.meanAbsoluteError, 3), label: "calibration MAE per client (purchases)"),
                card(value: aliveAUC.auc.map { fixed($0, 3) } ?? "n/a", label: "p_alive ROC AUC"),
            ],
            "clients": population.clients, "buyersBeforeCutoff": population.buyersBeforeCutoff,
            "buyersInHorizon": population.buyersInHorizon, "purchasesInHorizon": population.purchasesInHorizon,
            "baselinesChart": groupedBars(
                id: "baselines", groups: metricNames,
                series: methods.map { ($0.method.rawValue, [$0.overall.hitRate, $0.overall.precision, $0.overall.recall, $0.overall.ndcg]) }),
            "metricNames": metricNames,
            "methods": methods.map { result -> [String: Any] in
                let m = result.overall
                return [
                    "label": result.method.label, "hitRate": fixed(m.hitRate, 4), "precision": fixed(m.precision, 4),
                    "recall": fixed(m.recall, 4), "ndcg": fixed(m.ndcg, 4),
                    "coverage": "\(m.recommendedCategories)/\(setup.categories.count)",
                    "clientsWithRecommendations": m.clientsWithRecommendations,
                ]
            },
            "stagesChart": groupedBars(
                id: "stages", groups: stages,
                series: methods.map { result in
                    (result.method.rawValue, stages.map { stage in result.stages.first { $0.stage == stage }?.metrics.hitRate ?? 0 })
                }),
            "methodNames": methods.map(\.method.rawValue),
            "stages": stages.map { stage -> [String: Any] in
                [
                    "stage": stage,
                    "buyers": methods.first?.stages.first { $0.stage == stage }?.metrics.buyers ?? 0,
                    "cells": methods.map { result -> [String: Any] in
                        let m = result.stages.first { $0.stage == stage }?.metrics ?? RankingMetrics()
                        return ["hitRate": fixed(m.hitRate, 3), "ndcg": fixed(m.ndcg, 3)]
                    },
                ]
            },
            "calibrationMAE": fixed(calibration.meanAbsoluteError, 3),
            "calibrationGroupMAE": fixed(calibration.groupMeanAbsoluteError, 3),
            "totalPredicted": fixed(calibration.totalPredicted, 1), "totalActual": fixed(calibration.totalActual, 0),
            "calibrationChart": calibrationPlot(),
            "calibrationGroups": calibration.groups.map { group -> [String: Any] in
                ["label": group.label, "clients": group.clients,
                 "meanPredicted": fixed(group.meanPredicted, 3), "meanActual": fixed(group.meanActual, 3)]
            },
            "alivePositives": aliveAUC.positives, "aliveNegatives": aliveAUC.negatives,
            "aliveAUC": aliveAUC.auc.map { fixed($0, 3) } ?? "n/a",
        ]
        return ReportTemplates.evaluationReport.render(context)
    }

    // MARK: - Pieces

    private static let palette = ["#2f6fde", "#f29d38", "#7a8699", "#c9ced8", "#1a7f37", "#b42318"]

    private func card(value: String, label: String, good: Bool? = nil) -> [String: Any] {
        ["value": value, "label": label, "style": good.map { $0 ? " good" : " bad" } ?? ""]
    }

    /// The horizontal grid lines and their labels, from 0 to `maximum` in quarters.
    private func ticks(maximum: Double, left: Double, right: Double, top: Double, plotHeight: Double) -> [[String: Any]] {
        (0...4).map { tick in
            let value = maximum * Double(tick) / 4
            let y = top + plotHeight - plotHeight * Double(tick) / 4
            return ["x1": f(left), "y": f(y), "x2": f(right), "textX": f(left - 6), "textY": f(y + 4), "label": fixed(value, 2)]
        }
    }

    /// Vertical bars: one cluster per group, one bar per series, values in 0…max, with a legend.
    private func groupedBars(id: String, groups: [String], series: [(name: String, values: [Double])]) -> String {
        let width = 1000.0, height = 340.0
        let left = 50.0, right = 20.0, top = 56.0, bottom = 40.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let maximum = niceCeiling(series.flatMap(\.values).max() ?? 0)
        let groupWidth = plotWidth / Double(max(groups.count, 1))
        let barWidth = groupWidth * 0.8 / Double(max(series.count, 1))
        let context: [String: Any] = [
            "id": id, "width": Int(width), "height": Int(height),
            "ticks": ticks(maximum: maximum, left: left, right: width - right, top: top, plotHeight: plotHeight),
            "groups": groups.enumerated().map { g, group -> [String: Any] in
                let x0 = left + groupWidth * Double(g) + groupWidth * 0.1
                return [
                    "name": group,
                    "x": f(left + groupWidth * (Double(g) + 0.5)), "y": f(height - bottom + 18),
                    "bars": series.enumerated().map { s, entry -> [String: Any] in
                        let value = g < entry.values.count ? entry.values[g] : 0
                        let h = maximum > 0 ? plotHeight * value / maximum : 0
                        let x = x0 + barWidth * Double(s)
                        return [
                            "series": entry.name, "group": group, "x": f(x), "y": f(top + plotHeight - h),
                            "barWidth": f(barWidth - 2), "barHeight": f(h), "color": Self.palette[s % Self.palette.count],
                            "title": fixed(value, 4), "textX": f(x + (barWidth - 2) / 2), "textY": f(top + plotHeight - h - 4),
                            "label": fixed(value, 2),
                        ]
                    },
                ]
            },
            "axisX1": f(left), "axisX2": f(width - right), "axisY": f(top + plotHeight),
            "legend": series.enumerated().map { s, entry -> [String: Any] in
                let x = left + 10 + Double(s) * 160
                return ["x": f(x), "textX": f(x + 20), "color": Self.palette[s % Self.palette.count], "name": entry.name]
            },
        ]
        return ReportTemplates.barChart.render(context)
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
        let lines: [(name: String, color: String, dashed: Bool, values: [Double])] = [
            ("predicted", Self.palette[0], true, groups.map(\.meanPredicted)),
            ("actual", Self.palette[1], false, groups.map(\.meanActual)),
        ]
        let context: [String: Any] = [
            "width": Int(width), "height": Int(height),
            "ticks": ticks(maximum: maximum, left: left, right: width - right, top: top, plotHeight: plotHeight),
            "labels": groups.enumerated().map { index, group -> [String: Any] in
                ["x": f(point(index, 0).0), "y": f(top + plotHeight + 18), "label": group.label]
            },
            "axisLabelX": f(left + plotWidth / 2), "axisLabelY": f(height - 8), "middleY": f(top + plotHeight / 2),
            "lines": lines.enumerated().map { lineIndex, line -> [String: Any] in
                let points = line.values.enumerated().map { point($0.offset, $0.element) }
                let legendX = left + 10 + Double(lineIndex) * 140
                return [
                    "name": line.name, "color": line.color, "dashed": line.dashed,
                    "points": points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " "),
                    "circles": points.enumerated().map { index, p -> [String: Any] in
                        ["cx": f(p.0), "cy": f(p.1), "label": groups[index].label, "value": fixed(line.values[index], 3)]
                    },
                    "legendX1": f(legendX), "legendX2": f(legendX + 24), "legendTextX": f(legendX + 30),
                ]
            },
            "axisX1": f(left), "axisX2": f(width - right), "axisY": f(top + plotHeight),
        ]
        return ReportTemplates.calibrationChart.render(context)
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
}
