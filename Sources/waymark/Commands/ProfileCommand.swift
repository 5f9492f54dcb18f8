import ArgumentParser
import Foundation
import WaymarkCore
import WaymarkReports
import WaymarkService
import WaymarkStore

/// `waymark profile CLIENT`.
struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "One client's lifecycle profile: stage and history, key facts, CLV, tier, timeline, last run's recommendations.",
        discussion: """
            --format csv prints the timeline, one row per entry (client_id, at, kind, channel, detail).

            Examples:
              waymark profile C0000042
              waymark profile C0000042 --format json
              waymark profile C0000042 --format csv > C0000042-timeline.csv
              waymark profile C0000042 --report C0000042.html
            """
    )

    @Argument(help: ArgumentHelp("The client id.", valueName: "client"))
    var client: String

    @Option(name: .customLong("as-of"), help: ArgumentHelp("As of this date's midnight UTC, YYYY-MM-DD (default: now).", valueName: "date"))
    var asOf: DateArgument?

    /// table, json, or csv: the timeline, one row per entry (the tabular part of a profile).
    @OptionGroup var output: RowsOutputOptions

    @Option(help: ArgumentHelp("Also write an HTML page drawing the client's stages and timeline (inline SVG) to this file.", valueName: "file.html"))
    var report: String?

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if let asOf, asOf.timestamp == nil { throw ValidationError("--as-of must be a date YYYY-MM-DD; got '\(asOf.text)'") }
    }

    func run() throws {
        try reportingErrors {
            let connection = try database.connect(logger: database.logging.makeLogger("waymark.profile"))
            let reader = ProfileReader(connection: connection)
            let profile = try reader.profile(clientID: client, asOf: asOf?.timestamp)
            if let report {
                // The whole history for the drawing (the printed profile keeps the newest entries).
                let full = try reader.profile(clientID: client, asOf: asOf?.timestamp, timelineLimit: 500)
                try writeReport(Self.timelineReport(full).html(), to: report)
            }
            switch output.format {
            case .json: try writeOutput(try JSONOutput.line(profile))
            case .csv:
                try writeOutput(csvText(["client_id", "at", "kind", "channel", "detail"],
                                        profile.timeline.map { [profile.clientID, $0.at, $0.what, $0.channel ?? "", $0.detail] }))
            case .table: try writeOutput(Self.describe(profile))
            }
        }
    }

    /// The drawing of `waymark profile --report`.
    static func timelineReport(_ p: LiveProfile) -> ClientTimelineReport {
        let s = p.scores
        return ClientTimelineReport(
            clientID: p.clientID, asOf: p.asOf, stage: s.stage,
            facts: [("stage", "\(s.stage) since \(s.stageSince)"), ("why", s.stageReason),
                    ("purchases", "\(p.facts.purchaseCount), total \(String(format: "%.2f", p.facts.totalSpend))"),
                    ("CLV 12 months", String(format: "%.2f", s.clv12m)), ("tier / points", "\(s.tier.isEmpty ? "-" : s.tier) / \(s.points)")],
            stages: p.stageHistory.map { .init(date: $0.date, stage: $0.stage, reason: $0.reason) },
            entries: p.timeline.map { .init(at: $0.at, what: $0.what, channel: $0.channel, detail: $0.detail) })
    }

    static func describe(_ p: LiveProfile) -> String {
        let s = p.scores, f = p.facts
        var out = "\(p.clientID) as of \(p.asOf)\n"
        var facts: [[String]] = [
            ["stage", s.stage.replacingOccurrences(of: "_", with: " ") + " since \(s.stageSince)" + (s.previousStage.map { " (before: \($0))" } ?? "")],
            ["why", s.stageReason],
            ["segment / region", "\(p.segment.isEmpty ? "-" : p.segment) / \(p.region.isEmpty ? "-" : p.region)"],
        ]
        if let account = p.accountID { facts.append(["account", account + (p.role.map { " (\($0))" } ?? "")]) }
        if let age = f.age { facts.append(["age", String(age)]) }
        facts += [
            ["client for", counted(f.tenureDays, "day")],
            ["purchases", "\(f.purchaseCount), total \(String(format: "%.2f", f.totalSpend)), average \(String(format: "%.2f", f.averageSpend))"],
            ["last purchase", f.lastPurchase.map { "\($0) (\(counted(f.daysSinceLastPurchase ?? 0, "day")) ago)" } ?? "never"],
            ["RFM", Self.rfmWithKey(f.rfm)],
            ["p(alive)", String(format: "%.2f", s.pAlive)],
            ["CLV 12 months", String(format: "%.2f (expected purchases in 90 days %.2f)", s.clv12m, s.expectedPurchases90d)],
            ["tier / points", "\(s.tier.isEmpty ? "-" : s.tier) / \(s.points)" + (s.pointsToNextTier > 0 ? ", \(s.pointsToNextTier) to \(f.nextTier)" : "")],
            ["owns", f.ownedCategories.isEmpty ? "-" : f.ownedCategories.joined(separator: ", ")],
        ]
        if let l = p.loyalty {
            facts.append(["points", "\(l.redeemablePoints) redeemable, \(l.qualifyingPoints) qualifying for the tier"
                + (l.bonusPoints > 0 ? ", \(l.bonusPoints) bonus" : "") + (l.expiredPoints > 0 ? ", \(l.expiredPoints) expired" : "")])
            if let next = l.nextExpiries.first {
                facts.append(["points expiring", "\(next.points) on \(next.date)" + (l.expiring30d > 0 ? " (\(l.expiring30d) within 30 days)" : "")])
            }
            if let held = l.tierHeldUntil { facts.append(["tier held until", held]) }
        }
        facts += [
            ["life events", f.lifeEvents.isEmpty ? "-" : f.lifeEvents.joined(separator: ", ")],
            ["consents", p.consents.isEmpty ? "none" : p.consents.joined(separator: ", ") + (p.doNotContact ? " (do not contact)" : "")],
            ["advocate", s.advocate ? "yes" : "no"],
        ]
        out += indent(alignedTable(facts))
        out += "\nStage history:\n"
        if p.stageHistory.isEmpty { out += "  none recorded yet\n" } else {
            var rows = [["DATE", "STAGE", "FROM", "REASON"]]
            for c in p.stageHistory { rows.append([c.date, c.stage, c.previous ?? "-", c.reason]) }
            out += indent(alignedTable(rows))
        }
        if !p.cadences.isEmpty {
            out += "\nCadences:\n"
            var rows = [["CADENCE", "STATUS", "STEPS SENT", "ENTERED", "NEXT / ENDED", "DETAIL"]]
            for c in p.cadences {
                let sent = "\(c.stepsSent) of " + (c.steps.map(String.init) ?? "?")
                let when = c.status == "active" ? c.nextDue.map { "due \($0)" } ?? "-" : c.endedAt ?? "-"
                let detail = c.status == "active" ? c.nextItem.map { "next: \($0)" } ?? "" : c.reason ?? ""
                rows.append([c.cadence, c.status, sent, c.enteredAt, when, detail])
            }
            out += indent(alignedTable(rows))
        }
        out += "\nRecent timeline:\n"
        if p.timeline.isEmpty { out += "  nothing yet\n" } else {
            var rows = [["WHEN (UTC)", "WHAT", "CHANNEL", "DETAIL"]]
            for e in p.timeline {
                let when = String(e.at.replacingOccurrences(of: "T", with: " ").prefix(16))  // the table's minutes, UTC
                rows.append([when, e.what, e.channel ?? "-", e.detail])
            }
            out += indent(alignedTable(rows))
        }
        out += "\nLast run's recommendations:\n"
        if let run = p.lastRun {
            out += "  run \(run.runID) as of \(run.asOf): stage \(run.stage), CLV \(String(format: "%.2f", run.clv12m))\n"
            var rows = [["#", "ITEM", "KIND", "CHANNEL", "SCORE"]]
            for r in run.recommendations { rows.append([String(r.rank), r.item, r.kind, r.channel, String(format: "%.3f", r.score)]) }
            out += run.recommendations.isEmpty ? "  none\n" : indent(alignedTable(rows))
        } else {
            out += "  no published run covers this client yet\n"
        }
        return out
    }

    /// `554` as `5-5-4 (recency, frequency, monetary quintiles; 5 = best)`; `-` without a purchase.
    static func rfmWithKey(_ rfm: String) -> String {
        guard rfm.count == 3, rfm.allSatisfy(\.isNumber) else { return rfm.isEmpty ? "-" : rfm }
        if rfm == "000" { return "- (no purchase yet)" }
        return rfm.map(String.init).joined(separator: "-") + " (recency, frequency, monetary quintiles; 5 = best)"
    }

    static func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "  " + $0 }.joined(separator: "\n")
    }
}
