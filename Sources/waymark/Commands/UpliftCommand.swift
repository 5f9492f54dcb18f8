import ArgumentParser
import Foundation
import WaymarkCore
import WaymarkReports
import WaymarkStore

/// `waymark uplift --since DATE [--until DATE]`.
struct UpliftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uplift",
        abstract: "Did the recommendations cause purchases? Treated against held-out clients, per item and overall.",
        discussion: """
            Needs a catalog holdout (holdout: {share, salt}) or per-item holdouts when the runs were scored. For \
            each offer, the purchase rate of the clients who got it against the held-out clients who would \
            have got it, the difference with a 95 % interval, the incremental purchases and value; a group \
            under \(UpliftEstimate.minimumGroup) clients, or under \(UpliftEstimate.minimumBuyers) buyers in all, \
            is too small to conclude. Runs with an as_of from --since to before --until count; purchases count \
            from each client's first decision to --until.

            Examples:
              waymark uplift --since 2026-01-01
              waymark uplift --since 2026-01-01 --until 2026-04-01 --format json
              waymark uplift --since 2026-01-01 --report uplift.html
            """
    )

    @Option(help: ArgumentHelp("The first run day, YYYY-MM-DD.", valueName: "date"))
    var since: DateArgument

    @Option(help: ArgumentHelp("The end of the window, YYYY-MM-DD, exclusive (default: now).", valueName: "date"))
    var until: DateArgument?

    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("Also write an HTML report with a plot of the differences and their intervals.", valueName: "file.html"))
    var report: String?

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if since.timestamp == nil { throw ValidationError("--since must be a date YYYY-MM-DD; got '\(since.text)'") }
        if let until, until.timestamp == nil { throw ValidationError("--until must be a date YYYY-MM-DD; got '\(until.text)'") }
        if let from = since.timestamp, let to = until?.timestamp, to <= from {
            throw ValidationError("--until (\(until?.text ?? "")) must be after --since (\(since.text))")
        }
    }

    func run() throws {
        try reportingErrors {
            let connection = try database.connect(logger: database.logging.makeLogger("waymark.uplift"))
            let now = Timestamp(seconds: Int64(Date().timeIntervalSince1970))
            let result = try UpliftMeasurement(connection: connection).measure(
                since: since.timestamp ?? now, until: until?.timestamp ?? now)
            if let report {
                let page = ExperimentReport.uplift(
                    period: "Runs \(result.runIDs.map(String.init).joined(separator: ", ")), as of \(result.since.isoDate) to before \(result.until.isoDate); purchases until \(result.until.isoDate).",
                    estimates: [result.overall] + result.items)
                let file = try DataOutput(path: report)
                try file.write(page)
                try file.finish()
                printError("wrote \(report)")
            }
            switch output.format {
            case .json: try writeOutput(try JSONOutput.line(UpliftJSON(result)))
            case .table: try writeOutput(Self.describe(result))
            }
        }
    }

    static func describe(_ r: UpliftReport) -> String {
        var out = "Uplift of runs \(r.runIDs.map(String.init).joined(separator: ", ")) (as of \(r.since.isoDate) to before \(r.until.isoDate)), purchases until \(r.until.isoDate)\n\n"
        var rows = [["ITEM", "TREATED", "RATE", "HELD OUT", "RATE", "DIFFERENCE [95 % CI]", "INCR. PURCHASES", "INCR. VALUE", "VERDICT"]]
        for e in [r.overall] + r.items {
            let interval = e.interval.map { String(format: " [%+.3f, %+.3f]", $0.low, $0.high) } ?? ""
            rows.append([e.item, String(e.treated), String(format: "%.3f", e.treatedRate), String(e.heldOut), String(format: "%.3f", e.heldOutRate),
                         String(format: "%+.3f", e.difference) + interval, String(format: "%.1f", e.incrementalPurchases),
                         String(format: "%.0f", e.incrementalValue), e.verdict])
        }
        out += alignedTable(rows)
        if ([r.overall] + r.items).contains(where: \.tooSmall) {
            out += "\ntoo small to conclude: a group under \(UpliftEstimate.minimumGroup) clients or under \(UpliftEstimate.minimumBuyers) buyers in all; the interval is shown but means little.\n"
        }
        return out
    }
}

/// The JSON form of ``UpliftReport``.
struct UpliftJSON: Encodable {
    struct Estimate: Encodable {
        var item: String
        var treated: Int
        var treated_buyers: Int
        var treated_rate: Double
        var held_out: Int
        var held_out_buyers: Int
        var held_out_rate: Double
        var difference: Double
        var interval_95: [Double]?
        var incremental_purchases: Double
        var incremental_value: Double
        var mean_value: Double
        var too_small: Bool
        var verdict: String

        init(_ e: UpliftEstimate) {
            item = e.item
            treated = e.treated
            treated_buyers = e.treatedBuyers
            treated_rate = e.treatedRate
            held_out = e.heldOut
            held_out_buyers = e.heldOutBuyers
            held_out_rate = e.heldOutRate
            difference = e.difference
            interval_95 = e.interval.map { [$0.low, $0.high] }
            incremental_purchases = e.incrementalPurchases
            incremental_value = e.incrementalValue
            mean_value = e.meanValue
            too_small = e.tooSmall
            verdict = e.verdict
        }
    }

    var since: String
    var until: String
    var run_ids: [Int64]
    var overall: Estimate
    var items: [Estimate]

    init(_ r: UpliftReport) {
        since = r.since.isoDate
        until = r.until.isoDate
        run_ids = r.runIDs
        overall = Estimate(r.overall)
        items = r.items.map(Estimate.init)
    }
}
