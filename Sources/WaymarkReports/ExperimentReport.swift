internal import Foundation
internal import Mustache
package import WaymarkCore

/// The HTML pages of `waymark uplift --report` and `waymark what-if --report`: self-contained
/// (inline CSS and SVG, no script), rendered from `Templates/experiment-report.mustache`, which
/// escapes every value; this file only lays out the figures.
package enum ExperimentReport {
    /// One chart row: a label, bars (value → width) and an optional interval whisker.
    struct ChartRow {
        var label: String
        var bars: [(value: Double, color: String, title: String)]
        var interval: (low: Double, high: Double)?
    }

    static let colors = ["#3b6fd8", "#e8833a", "#2f9e6e", "#b04fb5"]

    /// A horizontal bar chart around a zero axis; values may be negative.
    static func chart(_ rows: [ChartRow], legend: [String]) -> [String: Any] {
        let labelWidth = 190.0, plotWidth = 560.0, rowHeight = 14.0 * Double(max(1, rows.map(\.bars.count).max() ?? 1)) + 10
        let values = rows.flatMap { row in row.bars.map(\.value) + (row.interval.map { [$0.low, $0.high] } ?? []) }
        let low = min(0, values.min() ?? 0), high = max(0, values.max() ?? 1)
        let span = high - low > 0 ? high - low : 1
        func x(_ v: Double) -> Double { labelWidth + 10 + (v - low) / span * plotWidth }
        let legendY = 8 + Double(rows.count) * rowHeight + 6
        var chartRows: [[String: Any]] = []
        for (index, row) in rows.enumerated() {
            let top = 8 + Double(index) * rowHeight
            let bars: [[String: Any]] = row.bars.enumerated().map { k, bar in
                let a = x(min(0, bar.value)), b = x(max(0, bar.value))
                return ["x": fmt(a), "y": fmt(top + Double(k) * 14), "w": fmt(max(1, b - a)), "h": "12", "color": bar.color, "title": bar.title]
            }
            var entry: [String: Any] = ["label": row.label, "labelX": fmt(labelWidth), "textY": fmt(top + 11), "bars": bars]
            if let interval = row.interval {
                entry["whisker"] = ["x1": fmt(x(interval.low)), "x2": fmt(x(interval.high)), "y": fmt(top + 6)]
            }
            chartRows.append(entry)
        }
        return [
            "width": fmt(labelWidth + plotWidth + 40), "height": fmt(legendY + 20), "rows": chartRows, "axisX": fmt(x(0)),
            "axisY2": fmt(legendY - 4),
            "legend": legend.enumerated().map { k, name -> [String: Any] in
                ["x": fmt(labelWidth + 10 + Double(k) * 160), "y": fmt(legendY), "textX": fmt(labelWidth + 26 + Double(k) * 160),
                 "textY": fmt(legendY + 11), "color": colors[k % colors.count], "name": name]
            },
        ]
    }

    static func fmt(_ v: Double) -> String { String(format: "%.1f", v) }

    static func render(title: String, subtitle: String, notes: [String], sections: [[String: Any]]) -> String {
        ReportTemplates.experimentReport.render(["title": title, "subtitle": subtitle, "notes": notes, "sections": sections])
    }

    /// `waymark uplift --report`: the difference of each item (and overall) with its interval.
    package static func uplift(period: String, estimates: [UpliftEstimate]) -> String {
        let rows = estimates.map { e in
            ChartRow(label: e.item + (e.tooSmall ? " (too small)" : ""),
                     bars: [(e.difference, colors[e.tooSmall ? 3 : 0], String(format: "%+.3f, treated %.3f, held out %.3f", e.difference, e.treatedRate, e.heldOutRate))],
                     interval: e.interval)
        }
        let table: [[String]] = estimates.map { e in
            [e.item, String(e.treated), String(format: "%.3f", e.treatedRate), String(e.heldOut), String(format: "%.3f", e.heldOutRate),
             String(format: "%+.3f", e.difference) + (e.interval.map { String(format: " [%+.3f, %+.3f]", $0.low, $0.high) } ?? ""),
             String(format: "%.1f", e.incrementalPurchases), String(format: "%.0f", e.incrementalValue), e.verdict]
        }
        return render(
            title: "Did the recommendations cause purchases?", subtitle: period,
            notes: ["Treated clients got the offer; held-out clients would have got it and did not. The bar is the difference of their purchase rates, the line its 95 % interval. A group under \(UpliftEstimate.minimumGroup) clients, or under \(UpliftEstimate.minimumBuyers) buyers in all, is too small to conclude."],
            sections: [[
                "heading": "Difference of purchase rates, treated − held out",
                "chart": chart(rows, legend: ["difference (95 % interval)"]),
                "header": ["item", "treated", "rate", "held out", "rate", "difference [95 % CI]", "incremental purchases", "incremental value", "verdict"],
                "rows": table.map { ["cells": $0] },
            ]])
    }

    /// `waymark what-if --report`: per-item counts before and after, and the contact load per channel.
    package static func whatIf(_ c: WhatIfComparison, subtitle: String) -> String {
        let itemRows = c.items.map { i in
            ChartRow(label: i.item, bars: [(Double(i.before), colors[0], "published \(i.before)"), (Double(i.after), colors[1], "draft \(i.after)")], interval: nil)
        }
        let channelRows = c.channels.map { ch in
            ChartRow(label: ch.channel, bars: [(Double(ch.before), colors[0], "published \(ch.before)"), (Double(ch.after), colors[1], "draft \(ch.after)")], interval: nil)
        }
        return render(
            title: "What would the draft catalog do?", subtitle: subtitle, notes: c.summaryLines,
            sections: [
                ["heading": "Recommendations per item", "chart": chart(itemRows, legend: ["published run", "draft"]),
                 "header": ["item", "kind", "published", "draft", "change"],
                 "rows": c.items.map { ["cells": [$0.item, $0.kind, String($0.before), String($0.after), String(format: "%+d", $0.after - $0.before)]] }],
                ["heading": "Contact load per channel", "chart": chart(channelRows, legend: ["published run", "draft"]),
                 "header": ["channel", "published", "draft", "change"],
                 "rows": c.channels.map { ["cells": [$0.channel, String($0.before), String($0.after), String(format: "%+d", $0.after - $0.before)]] }],
                ["heading": "Clients whose top offer changes (first 50)", "header": ["client", "published", "draft"],
                 "rows": c.topChanges.prefix(50).map { ["cells": [$0.clientID, $0.before ?? "none", $0.after ?? "none"]] }],
            ])
    }
}
