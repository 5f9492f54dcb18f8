internal import Foundation
internal import Mustache
internal import WaymarkCore

/// One client's journey drawn: `waymark profile CLIENT --report FILE.html`.
///
/// A band of the stages the client went through (one coloured span per stay, from the recorded
/// stage history), and under it one lane per kind of timeline entry (purchases, interactions, life
/// events, responses) with a mark per entry on the same time axis; then the facts and both lists
/// as tables. Self-contained: inline CSS and SVG, no script.
package struct ClientTimelineReport: Sendable {
    package struct StageChange: Sendable {
        package var date: String
        package var stage: String
        package var reason: String
        package init(date: String, stage: String, reason: String) {
            self.date = date
            self.stage = stage
            self.reason = reason
        }
    }

    package struct Entry: Sendable {
        /// `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DD`.
        package var at: String
        /// `purchase`, `interaction`, `life event` or `response`.
        package var what: String
        package var channel: String?
        package var detail: String
        package init(at: String, what: String, channel: String?, detail: String) {
            self.at = at
            self.what = what
            self.channel = channel
            self.detail = detail
        }
    }

    package var clientID: String
    package var asOf: String
    package var stage: String
    /// Label and value pairs shown beside the chart.
    package var facts: [(String, String)]
    /// Oldest first.
    package var stages: [StageChange]
    /// Any order.
    package var entries: [Entry]

    package init(clientID: String, asOf: String, stage: String, facts: [(String, String)], stages: [StageChange], entries: [Entry]) {
        self.clientID = clientID
        self.asOf = asOf
        self.stage = stage
        self.facts = facts
        self.stages = stages.sorted { $0.date < $1.date }
        self.entries = entries.sorted { $0.at < $1.at }
    }

    static let lanes = ["purchase", "interaction", "life event", "response"]

    package func html() -> String {
        ReportTemplates.profileReport.render([
            "clientID": clientID, "asOf": asOf, "stage": stage,
            "facts": facts.map { ["label": $0.0, "value": $0.1] },
            "chart": chart(),
            "stages": stages.map { ["date": $0.date, "stage": $0.stage, "reason": $0.reason, "color": stageColor($0.stage)] },
            "entries": entries.map { ["at": $0.at, "what": $0.what, "channel": $0.channel ?? "–", "detail": $0.detail] },
        ])
    }

    /// Seconds of `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS…`, nil when neither.
    static func moment(_ text: String) -> Int64? {
        guard let day = Timestamp(isoDate: text.prefix(10)) else { return nil }
        let time = text.dropFirst(11).prefix(8).split(separator: ":").compactMap { Int64($0) }
        return day.seconds + (time.count == 3 ? time[0] * 3600 + time[1] * 60 + time[2] : 0)
    }

    func chart() -> String {
        let end = Self.moment(asOf) ?? 0
        let times = stages.compactMap { Self.moment($0.date) } + entries.compactMap { Self.moment($0.at) }
        let start = min(times.min() ?? end, end - Timestamp.secondsPerDay)
        let width = 1000.0, left = 110.0, right = 20.0, bandTop = 30.0, bandHeight = 36.0, laneHeight = 34.0
        let span = Double(max(end - start, 1))
        func x(_ seconds: Int64) -> Double { left + (width - left - right) * Double(seconds - start) / span }
        var spans: [[String: Any]] = []
        for (i, change) in stages.enumerated() {
            guard let from = Self.moment(change.date) else { continue }
            let to = i + 1 < stages.count ? (Self.moment(stages[i + 1].date) ?? end) : end
            let x0 = x(from), x1 = max(x(min(to, end)), x0 + 1)
            spans.append(["stage": change.stage, "x": svgNumber(x0), "w": svgNumber(x1 - x0), "color": stageColor(change.stage),
                          "textX": svgNumber(x0 + 4), "showLabel": x1 - x0 > 60, "from": change.date, "reason": change.reason])
        }
        let lanesTop = bandTop + bandHeight + 20
        let lanes = Self.lanes.enumerated().map { index, lane -> [String: Any] in
            let y = lanesTop + laneHeight * Double(index) + laneHeight / 2
            return ["name": lane, "y": svgNumber(y), "textY": svgNumber(y + 4), "x1": svgNumber(left), "x2": svgNumber(width - right),
                    "marks": entries.filter { $0.what == lane }.compactMap { entry -> [String: Any]? in
                        guard let t = Self.moment(entry.at) else { return nil }
                        return ["cx": svgNumber(x(t)), "title": "\(entry.at) \(entry.what)\(entry.channel.map { " (\($0))" } ?? ""): \(entry.detail)"]
                    }]
        }
        let axisY = lanesTop + laneHeight * Double(Self.lanes.count) + 6
        let ticks = (0...4).map { i -> [String: Any] in
            let t = start + Int64(Double(end - start) * Double(i) / 4)
            return ["x": svgNumber(x(t)), "label": Timestamp(seconds: t).isoDate, "y1": svgNumber(bandTop), "y2": svgNumber(axisY)]
        }
        return ReportTemplates.timelineChart.render([
            "width": Int(width), "height": Int(axisY + 30), "bandY": svgNumber(bandTop), "bandHeight": svgNumber(bandHeight),
            "bandTextY": svgNumber(bandTop + bandHeight / 2 + 4), "labelX": svgNumber(left - 8),
            "spans": spans, "lanes": lanes, "ticks": ticks, "axisY": svgNumber(axisY), "axisTextY": svgNumber(axisY + 18),
        ])
    }
}
