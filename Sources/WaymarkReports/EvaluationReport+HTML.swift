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
        var context: [String: Any] = [
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
                series: methods.map { ($0.method.rawValue, [$0.overall.hitRate, $0.overall.precision, $0.overall.recall, $0.overall.ndcg]) },
                intervals: methods.map { [$0.hitRateCI, nil, nil, $0.ndcgCI] }),
            "bootstrapResamples": setup.bootstrap.resamples, "bootstrapSeed": String(setup.bootstrap.seed),
            "bootstrapBuyers": setup.bootstrap.buyers,
            "metricNames": metricNames,
            "methods": methods.map { result -> [String: Any] in
                let m = result.overall
                return [
                    "label": result.method.label, "hitRate": fixed(m.hitRate, 4), "precision": fixed(m.precision, 4),
                    "recall": fixed(m.recall, 4), "ndcg": fixed(m.ndcg, 4),
                    "hitRateCI": interval(result.hitRateCI), "ndcgCI": interval(result.ndcgCI),
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
            "stageLists": LifecycleStage.allCases.compactMap { stage -> [String: Any]? in
                setup.stagePopularCategories[stage.rawValue].map { ["stage": stage.rawValue, "categories": $0.joined(separator: ", ")] }
            },
            "propensityOffers": propensityCalibration.offers,
            "propensityMeanPredicted": fixed(propensityCalibration.meanPredicted, 3),
            "propensityObserved": fixed(propensityCalibration.observedRate, 3),
            "propensityBrier": fixed(propensityCalibration.brierScore, 4),
            "propensityECE": fixed(propensityCalibration.expectedCalibrationError, 4),
            "reliabilityChart": reliabilityCurve(),
            "deciles": propensityCalibration.deciles.map { d -> [String: Any] in
                ["decile": d.decile, "offers": d.offers, "min": fixed(d.minPredicted, 3), "max": fixed(d.maxPredicted, 3),
                 "meanPredicted": fixed(d.meanPredicted, 3), "observed": fixed(d.observedRate, 3)]
            },
            "itemsChart": itemChart(),
            "itemsShown": min(offerItems.count, Self.itemsShown), "itemsTotal": offerItems.count,
            "itemsNever": offerItems.filter { $0.recommended == 0 }.count,
            "items": offerItems.map { item -> [String: Any] in
                ["id": item.itemID, "category": item.category, "recommended": item.recommended,
                 "share": fixed(item.clientShare * 100, 1) + " %", "buyers": item.buyers, "hits": item.hits, "hitRate": fixed(item.hitRate, 3)]
            },
        ]
        // Only when there is one: an empty string would still open the template's section.
        if let horizonNote { context["horizonNote"] = horizonNote }
        if let noOfferNote { context["noOfferNote"] = noOfferNote }
        return ReportTemplates.evaluationReport.render(context)
    }

    // MARK: - Pieces

    /// One colour per method, distinct and dark enough to read on white (and for the bars' labels).
    private static let palette = ["#2f6fde", "#f29d38", "#5f6b7d", "#9b59b6", "#1a7f37", "#b42318", "#0e9aa7", "#a07800"]

    /// Offers drawn in the per-item chart (the table lists them all).
    private static let itemsShown = 25

    private func interval(_ bounds: [Double]?) -> String {
        guard let bounds, bounds.count == 2 else { return "n/a" }
        return "\(fixed(bounds[0], 3))–\(fixed(bounds[1], 3))"
    }

    private func card(value: String, label: String, good: Bool? = nil) -> [String: Any] {
        ["value": value, "label": label, "style": good.map { $0 ? " good" : " bad" } ?? ""]
    }

    /// The horizontal grid lines and their labels, from 0 to `maximum` in `divisions` steps
    /// (quarters by default), each label with as many decimals as it needs (at least two).
    private func ticks(maximum: Double, left: Double, right: Double, top: Double, plotHeight: Double, divisions: Int = 4) -> [[String: Any]] {
        let digits = tickDigits(maximum: maximum, divisions: divisions)
        return (0...divisions).map { tick in
            let value = maximum * Double(tick) / Double(divisions)
            let y = top + plotHeight - plotHeight * Double(tick) / Double(divisions)
            return ["x1": f(left), "y": f(y), "x2": f(right), "textX": f(left - 6), "textY": f(y + 4), "label": fixed(value, digits)]
        }
    }

    /// The fewest decimals (2 to 5) that print every tick value exactly.
    private func tickDigits(maximum: Double, divisions: Int) -> Int {
        for digits in 2...5 {
            let scale = pow(10, Double(digits))
            if (0...divisions).allSatisfy({ tick in
                let value = maximum * Double(tick) / Double(divisions) * scale
                return abs(value - value.rounded()) < 1e-6
            }) { return digits }
        }
        return 5
    }

    /// Vertical bars: one cluster per group, one bar per series, values in 0…max, with a legend.
    ///
    /// `intervals[s][g]`, when given, draws a 95 % interval as a whisker over that bar. Value
    /// labels are drawn only on bars wide enough to hold them (every bar keeps its tooltip); the
    /// legend wraps onto as many rows as the series need.
    private func groupedBars(id: String, groups: [String], series: [(name: String, values: [Double])], intervals: [[[Double]?]] = []) -> String {
        let width = 1000.0
        let left = 50.0, right = 20.0, bottom = 40.0
        let legendColumns = 4, legendRows = (series.count + legendColumns - 1) / legendColumns
        let top = 30.0 + 20.0 * Double(max(legendRows, 1))
        let height = top + 284
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let highest = intervals.flatMap { $0.compactMap { $0?.last } }.max() ?? 0
        let maximum = niceCeiling(max(series.flatMap(\.values).max() ?? 0, highest))
        let groupWidth = plotWidth / Double(max(groups.count, 1))
        let barWidth = groupWidth * 0.8 / Double(max(series.count, 1))
        func y(_ value: Double) -> Double { top + plotHeight - (maximum > 0 ? plotHeight * min(value, maximum) / maximum : 0) }
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
                        let bounds = s < intervals.count && g < intervals[s].count ? intervals[s][g] : nil
                        let center = x + (barWidth - 2) / 2
                        var bar: [String: Any] = [
                            "series": entry.name, "group": group, "x": f(x), "y": f(top + plotHeight - h),
                            "barWidth": f(barWidth - 2), "barHeight": f(h), "color": Self.palette[s % Self.palette.count],
                            "title": fixed(value, 4) + (bounds.map { " (95 % interval \(interval($0)))" } ?? ""),
                            "textX": f(center), "textY": f(min(top + plotHeight - h, bounds.map { y($0[1]) } ?? .infinity) - 4),
                            "label": fixed(value, 2), "showLabel": barWidth >= 26,
                        ]
                        if let bounds, bounds.count == 2 {
                            bar["whisker"] = ["x": f(center), "x1": f(center - 4), "x2": f(center + 4), "low": f(y(bounds[0])), "high": f(y(bounds[1]))]
                        }
                        return bar
                    },
                ]
            },
            "axisX1": f(left), "axisX2": f(width - right), "axisY": f(top + plotHeight),
            "legend": series.enumerated().map { s, entry -> [String: Any] in
                let x = left + 10 + Double(s % legendColumns) * 220
                let row = 12 + 20 * Double(s / legendColumns)
                return ["x": f(x), "y": f(row), "textX": f(x + 20), "textY": f(row + 12),
                        "color": Self.palette[s % Self.palette.count], "name": entry.name]
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

    /// The reliability curve: observed rate against mean predicted propensity per decile, beside
    /// the diagonal of perfect calibration; both axes from 0 to the same nice ceiling.
    private func reliabilityCurve() -> String {
        let width = 560.0, height = 460.0
        let left = 60.0, right = 20.0, top = 40.0, bottom = 50.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let deciles = propensityCalibration.deciles
        let maximum = niceCeiling(deciles.flatMap { [$0.meanPredicted, $0.observedRate] }.max() ?? 0)
        func x(_ value: Double) -> Double { left + plotWidth * value / maximum }
        func y(_ value: Double) -> Double { top + plotHeight - plotHeight * value / maximum }
        let points = deciles.map { (x($0.meanPredicted), y($0.observedRate)) }
        let context: [String: Any] = [
            "width": Int(width), "height": Int(height),
            "ticks": ticks(maximum: maximum, left: left, right: width - right, top: top, plotHeight: plotHeight, divisions: 5),
            "xTicks": (0...5).map { tick -> [String: Any] in
                let value = maximum * Double(tick) / 5
                return ["x": f(x(value)), "y": f(top + plotHeight + 18), "label": fixed(value, tickDigits(maximum: maximum, divisions: 5))]
            },
            "diagonal": "\(f(x(0))),\(f(y(0))) \(f(x(maximum))),\(f(y(maximum)))",
            "points": points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " "),
            "circles": deciles.enumerated().map { index, d -> [String: Any] in
                ["cx": f(points[index].0), "cy": f(points[index].1), "decile": d.decile, "offers": d.offers,
                 "predicted": fixed(d.meanPredicted, 3), "observed": fixed(d.observedRate, 3)]
            },
            "hasPoints": !deciles.isEmpty,
            "axisLabelX": f(left + plotWidth / 2), "axisLabelY": f(height - 8), "middleY": f(top + plotHeight / 2),
            "axisX1": f(left), "axisX2": f(width - right), "axisY": f(top + plotHeight),
            "color": Self.palette[0], "diagonalColor": Self.palette[2],
        ]
        return ReportTemplates.reliabilityChart.render(context)
    }

    /// Horizontal bars for the most recommended offers: the share of clients each was recommended
    /// to, and its hit rate (of those clients, the share who bought its category).
    private func itemChart() -> String {
        let shown = Array(offerItems.prefix(Self.itemsShown))
        let width = 1000.0, rowHeight = 26.0, top = 40.0, left = 220.0, right = 90.0
        let height = top + rowHeight * Double(max(shown.count, 1)) + 16
        let plotWidth = width - left - right
        let series = [("share of clients", Self.palette[0]), ("hit rate", Self.palette[1])]
        let context: [String: Any] = [
            "width": Int(width), "height": Int(height),
            "rows": shown.enumerated().map { index, item -> [String: Any] in
                let y0 = top + rowHeight * Double(index)
                let values = [item.clientShare, item.hitRate]
                return [
                    "name": item.itemID.count > 32 ? String(item.itemID.prefix(31)) + "…" : item.itemID,
                    "fullName": item.itemID, "textX": f(left - 8), "textY": f(y0 + 15),
                    "bars": values.enumerated().map { s, value -> [String: Any] in
                        let w = plotWidth * min(max(value, 0), 1)
                        return ["series": series[s].0, "item": item.itemID, "x": f(left), "y": f(y0 + 2 + 11 * Double(s)),
                                "barWidth": f(w), "color": series[s].1, "title": fixed(value, 3),
                                "textX": f(left + w + 4), "textY": f(y0 + 11 + 11 * Double(s)), "label": fixed(value, 2)]
                    },
                    "detail": "\(item.recommended) clients, \(item.hits) hits",
                ]
            },
            "legend": series.enumerated().map { s, entry -> [String: Any] in
                let x = left + Double(s) * 180
                return ["x": f(x), "textX": f(x + 20), "color": entry.1, "name": entry.0]
            },
            "axisX": f(left), "axisY1": f(top - 4), "axisY2": f(height - 12),
        ]
        return ReportTemplates.itemChart.render(context)
    }

    /// The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above `value` (1 for 0).
    private func niceCeiling(_ value: Double) -> Double {
        guard value > 0, value.isFinite else { return 1 }
        let magnitude = pow(10, floor(log10(value)))
        for factor in [1.0, 2, 2.5, 5, 10] where factor * magnitude >= value { return factor * magnitude }
        return 10 * magnitude
    }

    private func f(_ value: Double) -> String { svgNumber(value) }

    private func fixed(_ value: Double, _ digits: Int) -> String { fixedDigits(value, digits) }
}
