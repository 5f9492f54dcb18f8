internal import Foundation
internal import Mustache
package import WaymarkCore

extension JourneyMap {
    /// A self-contained HTML page: inline CSS and SVG, no script, no network.
    ///
    /// The headline counts, the flow diagram (a two-column Sankey: on the left the stage a move
    /// came from, or "entered" for a client's first recorded stage; on the right the stage it
    /// went to; band widths proportional to the clients), the flows and the stage figures as
    /// tables, and the same tables per cohort.
    package func html() -> String {
        let entered = overall.stages.reduce(0) { $0 + $1.entries }
        let exits = overall.stages.reduce(0) { $0 + $1.exits }
        let context: [String: Any] = [
            "asOf": setup.asOf, "since": setup.since ?? false, "conversionDays": setup.conversionDays,
            "cards": [
                ["value": String(overall.clients), "label": "clients with a recorded stage"],
                ["value": String(overall.changes), "label": "changes of stage"],
                ["value": String(entered), "label": "journeys begun"],
                ["value": String(exits), "label": "moves into lapsed (clients who left)"],
            ],
            "flowChart": flowChart(id: "flow-chart"),
            "flows": overall.flows.map { ["from": $0.from, "to": $0.to, "clients": $0.clients, "color": stageColor($0.from)] as [String: Any] },
            "stagesTable": Self.stagesTable(overall),
            "hasCohorts": !cohorts.isEmpty, "by": setup.by ?? "",
            "cohorts": cohorts.map { cohort -> [String: Any] in
                ["name": cohort.name, "clients": cohort.figures.clients, "changes": cohort.figures.changes,
                 "stagesTable": Self.stagesTable(cohort.figures)]
            },
        ]
        return ReportTemplates.journeyReport.render(context)
    }

    private static func stagesTable(_ figures: Figures) -> String {
        ReportTemplates.stagesTable.render(["stages": figures.stages.map { s -> [String: Any] in
            ["stage": s.stage, "color": stageColor(s.stage), "now": s.now, "entries": s.entries, "entered": s.entered, "exits": s.exits,
             "median": s.medianDays.map { fixedDigits($0, 1) } ?? "–", "converted": s.converted, "observed": s.observedStays,
             "rate": s.conversionRate.map { fixedDigits($0 * 100, 1) + " %" } ?? "–"]
        }])
    }

    /// The label of the pseudo-stage entries flow from.
    static let enteredNode = "entered"

    /// The Sankey diagram of the overall flows, entries included.
    func flowChart(id: String) -> String {
        // Every band: entries (entered → stage) and changes (from → to).
        var links = overall.stages.filter { $0.entries > 0 }.map { Flow(from: Self.enteredNode, to: $0.stage, clients: $0.entries) }
        links += overall.flows
        let leftOrder = [Self.enteredNode] + overall.stages.map(\.stage)
        let rightOrder = overall.stages.map(\.stage)
        func total(_ stage: String, outgoing: Bool) -> Int {
            links.filter { (outgoing ? $0.from : $0.to) == stage }.reduce(0) { $0 + $1.clients }
        }
        let left = leftOrder.map { ($0, total($0, outgoing: true)) }.filter { $0.1 > 0 }
        let right = rightOrder.map { ($0, total($0, outgoing: false)) }.filter { $0.1 > 0 }
        let volume = max(links.reduce(0) { $0 + $1.clients }, 1)
        let width = 1000.0, nodeWidth = 16.0, top = 28.0, gap = 12.0, plot = 460.0
        let leftX = 150.0, rightX = width - 150.0 - nodeWidth
        let scale = plot / Double(volume)
        func thickness(_ n: Int) -> Double { max(Double(n) * scale, 1) }
        func stack(_ nodes: [(String, Int)]) -> [String: Double] {
            var y = top, result: [String: Double] = [:]
            for (stage, n) in nodes { result[stage] = y; y += thickness(n) + gap }
            return result
        }
        let leftY = stack(left), rightY = stack(right)
        let height = max(left.reduce(top) { $0 + thickness($1.1) + gap }, right.reduce(top) { $0 + thickness($1.1) + gap }) + 10

        // Bands leave each left node in the right nodes' order and arrive in the left nodes' order, so they do not cross at the nodes.
        var outOffset = leftY, inOffset = rightY
        var bands: [[String: Any]] = []
        let byTarget = links.sorted { a, b in
            let i = leftOrder.firstIndex(of: a.from)!, j = leftOrder.firstIndex(of: b.from)!
            return i != j ? i < j : rightOrder.firstIndex(of: a.to)! < rightOrder.firstIndex(of: b.to)!
        }
        var arrivals: [String: [Flow]] = [:]
        for link in byTarget { arrivals[link.to, default: []].append(link) }
        var arrivalY: [Flow: Double] = [:]
        for stage in rightOrder { for link in arrivals[stage] ?? [] { arrivalY[link] = inOffset[stage]!; inOffset[stage]! += thickness(link.clients) } }
        for link in byTarget {
            let h = thickness(link.clients)
            let y0 = outOffset[link.from]!, y1 = arrivalY[link]!
            outOffset[link.from]! += h
            let x0 = leftX + nodeWidth, x1 = rightX, xm = (x0 + x1) / 2
            let d = "M\(svgNumber(x0)) \(svgNumber(y0))C\(svgNumber(xm)) \(svgNumber(y0)) \(svgNumber(xm)) \(svgNumber(y1)) \(svgNumber(x1)) \(svgNumber(y1))"
                + "L\(svgNumber(x1)) \(svgNumber(y1 + h))C\(svgNumber(xm)) \(svgNumber(y1 + h)) \(svgNumber(xm)) \(svgNumber(y0 + h)) \(svgNumber(x0)) \(svgNumber(y0 + h))Z"
            bands.append(["from": link.from, "to": link.to, "clients": link.clients, "d": d, "color": stageColor(link.from)])
        }
        func nodes(_ list: [(String, Int)], _ ys: [String: Double], side: String, x: Double) -> [[String: Any]] {
            list.map { stage, n in
                let y = ys[stage]!, h = thickness(n)
                return ["stage": stage, "side": side, "clients": n, "x": svgNumber(x), "y": svgNumber(y), "h": svgNumber(h),
                        "color": stageColor(stage), "textY": svgNumber(y + h / 2 + 4),
                        "textX": svgNumber(side == "from" ? x - 6 : x + nodeWidth + 6), "anchor": side == "from" ? "end" : "start"]
            }
        }
        return ReportTemplates.flowChart.render([
            "id": id, "width": Int(width), "height": Int(height.rounded(.up)), "nodeWidth": svgNumber(nodeWidth),
            "leftX": svgNumber(leftX - 120), "rightX": svgNumber(width - 10),
            "bands": bands, "nodes": nodes(left, leftY, side: "from", x: leftX) + nodes(right, rightY, side: "to", x: rightX),
        ])
    }
}
