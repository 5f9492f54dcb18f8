import Foundation
import Postgres
import Testing
import WaymarkCore
import WaymarkLifetime
@testable import WaymarkStore

@Suite("Runs: the nightly lifetime fit is the documented model")
struct RunsLifetimeFitTests {
    /// One purchase line of the generated history.
    private struct Line {
        var client: String
        var seconds: Int64
        var amount: Double
        var order: String?
    }

    /// A small seeded history: clients who buy at exponential gaps (in seconds, not whole days),
    /// drop out with a fixed chance after each occasion, sometimes in orders of several lines
    /// (at slightly different times), sometimes with two lines at one time without an order, and
    /// with an exact duplicate line now and then.
    private static func history(clients: Int, start: Int64, end: Int64) -> [Line] {
        var random = SeededGenerator(seed: 13)
        func uniform() -> Double { Double(random.next() >> 11) / Double(1 << 53) }
        var lines: [Line] = []
        for index in 0..<clients {
            let client = String(format: "H%04d", index)
            let meanGap = 86_400 * (10 + 90 * uniform())
            // Each client spends at their own level (with one level for all, Gamma-Gamma is not
            // identified: q and v run off together along a flat ridge, and two fits stop anywhere on it).
            let level = 0.3 + 3 * uniform()
            // And drops out at their own rate (with one rate for all, a and b are not identified).
            let dropout = 0.05 + 0.5 * uniform()
            var at = start + Int64(uniform() * Double(end - start) * 0.8)
            var occasion = 0
            while at <= end {
                let amount = (level * (5 + 60 * uniform())).rounded(toPlaces: 2)
                switch occasion % 3 {
                case 0:
                    // An order of three lines a minute apart: one occasion at its first line's time.
                    for line in 0..<3 {
                        lines.append(Line(client: client, seconds: at + Int64(line * 60), amount: amount + Double(line), order: "O\(index)-\(occasion)"))
                    }
                case 1:
                    // Two lines at one time without an order: one occasion.
                    lines.append(Line(client: client, seconds: at, amount: amount, order: nil))
                    lines.append(Line(client: client, seconds: at, amount: 1.5, order: nil))
                default:
                    lines.append(Line(client: client, seconds: at, amount: amount, order: nil))
                }
                occasion += 1
                if uniform() < dropout { break }
                at += Int64(-log(1 - uniform()) * meanGap) + 1
            }
        }
        return lines
    }

    /// The customer summary of the history as `lifetimes` defines it, computed here without SQL:
    /// occasions, exact times in weeks, the average value of the occasions after the first.
    private static func summaryCSV(_ lines: [Line], asOf: Int64) -> String {
        struct Occasion { var at: Int64; var amount: Double }
        var occasions: [String: [String: Occasion]] = [:]
        for line in lines where line.seconds <= asOf {
            let key = line.order ?? "t\(line.seconds)"
            var occasion = occasions[line.client, default: [:]][key] ?? Occasion(at: line.seconds, amount: 0)
            occasion.at = min(occasion.at, line.seconds)
            occasion.amount += line.amount
            occasions[line.client, default: [:]][key] = occasion
        }
        let week = 86_400.0 * 7
        var csv = "customer_id,frequency,recency,T,monetary_value\n"
        for (client, byKey) in occasions.sorted(by: { $0.key < $1.key }) {
            let sorted = byKey.values.sorted { ($0.at, $0.amount) < ($1.at, $1.amount) }
            let x = sorted.count - 1
            let recency = Double(sorted.last!.at - sorted.first!.at) / week
            let age = Double(asOf - sorted.first!.at) / week
            let repeats = sorted.dropFirst().map(\.amount)
            let average = repeats.isEmpty ? 0 : repeats.reduce(0, +) / Double(repeats.count)
            csv += "\(client),\(x),\(recency),\(age),\(average)\n"
        }
        return csv
    }

    /// Stores the history's lines as purchases (one product), with their clients.
    private static func load(_ lines: [Line], into db: StoreTestDatabase) throws {
        try db.connection.execute("INSERT INTO products (product_id, name, category, list_price) VALUES ('P-1', 'One', 'one', 10)")
        let clients = Set(lines.map(\.client)).sorted()
        try db.connection.execute("INSERT INTO clients (client_id, first_seen) SELECT unnest($1::text[]), '2022-12-01Z'",
                                  [.text("{" + clients.joined(separator: ",") + "}")])
        for chunk in stride(from: 0, to: lines.count, by: 500) {
            let part = lines[chunk..<min(lines.count, chunk + 500)]
            let values = part.enumerated().map { offset, line in
                "('\(line.client)', 'L\(chunk + offset)', 'P-1', to_timestamp(\(line.seconds)), \(line.amount), \(line.order.map { "'\($0)'" } ?? "NULL"))"
            }
            try db.connection.execute("""
                INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount, order_id) VALUES \(values.joined(separator: ", "))
                """)
        }
    }

    @Test("BG/NBD and Gamma-Gamma of the nightly fit equal `waymark clv fit` on the same summary (1e-4)")
    func nightlyFitEqualsClvFit() throws {
        let db = try StoreTestDatabase()
        let start = Timestamp(year: 2023, month: 1, day: 1).seconds, asOf = Timestamp(year: 2025, month: 1, day: 1)
        let lines = Self.history(clients: 400, start: start, end: asOf.seconds + 86_400 * 60)
        try Self.load(lines, into: db)

        let stored = try ModelFitter(connection: db.connection, kind: .bgnbd).fit(asOf: asOf)
        let csv = Self.summaryCSV(lines, asOf: asOf.seconds)
        let report = try ClvReport.make(rows: CustomerSummaryCSV.parse(csv, name: "summary.csv"), kind: .bgnbd, horizon: nil, penalty: 0)

        let lifetime = try #require(stored.lifetime)
        #expect(lifetime.kind == .bgnbd)
        #expect(lifetime.clients == report.purchases.clients)
        let nightly = [lifetime.parameters.r, lifetime.parameters.alpha, lifetime.parameters.a, lifetime.parameters.b]
        let clv = report.purchases.parameters.map(\.estimate)
        for (name, (mine, theirs)) in zip(["r", "alpha", "a", "b"], zip(nightly, clv)) {
            #expect(abs(mine - theirs) <= 1e-4 * max(1, abs(theirs)), "\(name): nightly \(mine), clv fit \(theirs)")
        }
        #expect(abs((lifetime.logLikelihood ?? 0) - report.purchases.logLikelihood) <= 1e-4 * abs(report.purchases.logLikelihood))

        // Gamma-Gamma on the average of the repeat occasions, as `clv fit` reads monetary_value.
        let spend = try #require(stored.spend)
        let spendReport = try #require(report.spend)
        #expect(spend.clients == spendReport.clients)
        let nightlySpend = [spend.parameters.p, spend.parameters.q, spend.parameters.v]
        for (name, (mine, theirs)) in zip(["p", "q", "v"], zip(nightlySpend, spendReport.parameters.map(\.estimate))) {
            #expect(abs(mine - theirs) <= 1e-4 * max(1, abs(theirs)), "\(name): nightly \(mine), clv fit \(theirs)")
        }
    }

    @Test("settings.lifetime: the penalty and the time unit reach the fit; the default model is MBG/NBD")
    func catalogSettingsReachTheFit() throws {
        let db = try StoreTestDatabase()
        let asOf = Timestamp(year: 2025, month: 1, day: 1)
        try Self.load(Self.history(clients: 400, start: Timestamp(year: 2023, month: 1, day: 1).seconds, end: asOf.seconds), into: db)
        var settings = LifetimeSettings()
        #expect(settings.model == "mbgnbd" && settings.penalty == 0 && settings.timeUnitDays == 7)
        let weeks = try ModelFitter(connection: db.connection, kind: .mbgnbd, settings: settings).fit(asOf: asOf)
        settings.timeUnitDays = 1
        let days = try ModelFitter(connection: db.connection, kind: .mbgnbd, settings: settings).fit(asOf: asOf)
        #expect(weeks.timeUnitDays == 7 && days.timeUnitDays == 1)
        let w = try #require(weeks.lifetime?.parameters), d = try #require(days.lifetime?.parameters)
        // Exact times: the fit in days is the fit in weeks with α scaled by 7 (no rounding to whole
        // units); r, a and b do not depend on the unit.
        #expect(abs(d.alpha / w.alpha - 7) < 1e-3 && abs(d.r - w.r) < 1e-3 * w.r, "weeks \(w), days \(d)")
        #expect(abs(d.a - w.a) < 1e-3 * w.a && abs(d.b - w.b) < 1e-3 * w.b, "weeks \(w), days \(d)")
        settings.timeUnitDays = 7
        settings.penalty = 0.1
        let penalised = try #require(try ModelFitter(connection: db.connection, kind: .mbgnbd, settings: settings).fit(asOf: asOf).lifetime)
        #expect(penalised.parameters != w)
    }
}

extension Double {
    fileprivate func rounded(toPlaces places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (self * scale).rounded() / scale
    }
}
