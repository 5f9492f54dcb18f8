import Foundation
import Testing

@Suite("CLI: clv fit")
struct ClvCLITests {
    /// A customer-summary CSV of `count` clients drawn from BG/NBD with r = 1, α = 2 (weeks),
    /// a = 1, b = 3, observed 20 to 52 weeks, with Gamma-distributed spends (deterministic).
    static func summaryCSV(count: Int = 600) -> String {
        var state: UInt64 = 2_024
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (Double(state >> 11) + 0.5) / Double(1 << 53)
        }
        var text = "client_id,frequency,recency,T,monetary_value\n"
        for index in 0..<count {
            let age = (20 + 32 * uniform()).rounded()
            let rate = -log(uniform()) / 2              // λ ~ Gamma(1, scale 1/α)
            let dropout = 1 - pow(uniform(), 1.0 / 3)   // p ~ Beta(1, 3)
            var time = 0.0, frequency = 0, recency = 0.0
            while true {
                time += -log(uniform()) / rate
                if time > age { break }
                frequency += 1
                recency = time
                if uniform() < dropout { break }
            }
            let spend = frequency > 0 ? 20 + 30 * uniform() + 10 * uniform() : 0
            text += "C\(index + 1),\(frequency),\(String(format: "%.2f", recency)),\(Int(age)),\(String(format: "%.2f", spend))\n"
        }
        return text
    }

    @Test("reads lifetimes' files (an unnamed index column) and warns, counted, about repeat buyers without spend")
    func lifetimesFileWithMissingSpend() throws {
        let cli = try CLIHarness()
        let plain = try cli.write("summary.csv", Self.summaryCSV())
        var lines = Self.summaryCSV().split(separator: "\n").map(String.init)
        lines[0] = "," + lines[0].dropFirst("client_id,".count)
        lines.append("X1,2,5.00,30,0")
        lines.append("X2,1,3.00,30,")
        let file = try cli.write("lifetimes.csv", lines.joined(separator: "\n") + "\n")
        let result = try cli.run(["clv", "fit", file])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("warning: 2 repeat buyers with a zero or missing monetary_value left out of Gamma-Gamma (the first: client \"X1\""),
                "\(result.stderr)")
        #expect(result.stdout.contains("BG/NBD fitted on 602 clients"), "\(result.stdout)")
        let reference = try cli.run(["clv", "fit", plain])
        let spendLines = { (out: String) in out.split(separator: "\n").drop { !$0.hasPrefix("Gamma-Gamma") }.map(String.init) }
        #expect(spendLines(result.stdout) == spendLines(reference.stdout))
        #expect(reference.stderr.isEmpty, "\(reference.stderr)")
    }

    @Test("prints the BG/NBD and Gamma-Gamma parameters and the log-likelihood")
    func table() throws {
        let cli = try CLIHarness()
        let file = try cli.write("summary.csv", Self.summaryCSV())
        let result = try cli.run(["clv", "fit", file])
        #expect(result.status == 0, "\(result.stderr)")
        let out = result.stdout
        #expect(out.contains("BG/NBD fitted on 600 clients ("), "\(out)")
        #expect(out.contains("converged after"))
        #expect(out.contains("Gamma-Gamma fitted on"))
        for name in ["r", "alpha", "a", "b", "p", "q", "v"] {
            let row = out.split(separator: "\n").first { $0.split(separator: " ").first == Substring(name) }
            #expect(row != nil, "no row for parameter \(name) in \(out)")
            if let row, let estimate = row.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first {
                #expect(Double(estimate).map { $0 > 0 && $0.isFinite } == true, "\(name): \(row)")
            }
        }
        let likelihoods = out.split(separator: "\n").filter { $0.hasPrefix("log-likelihood ") }
        #expect(likelihoods.count == 2)
        #expect(likelihoods.allSatisfy { Double($0.dropFirst("log-likelihood ".count)).map { $0 < 0 } == true })
    }

    @Test("--format json parses, with r, alpha, a, b and a log-likelihood that agrees with the table")
    func json() throws {
        let cli = try CLIHarness()
        let file = try cli.write("summary.csv", Self.summaryCSV())
        let result = try cli.run(["clv", "fit", file, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let purchases = try #require(object["purchases"] as? [String: Any])
        #expect(purchases["model"] as? String == "bgnbd")
        #expect(purchases["clients"] as? Int == 600)
        #expect(purchases["converged"] as? Bool == true)
        let parameters = try #require(purchases["parameters"] as? [[String: Any]])
        #expect(parameters.compactMap { $0["name"] as? String } == ["r", "alpha", "a", "b"])
        let estimates = Dictionary(uniqueKeysWithValues: parameters.compactMap { p in
            (p["name"] as? String).flatMap { name in (p["estimate"] as? Double).map { (name, $0) } }
        })
        // Drawn from r = 1, α = 2: the fit is in the right region (600 clients are few, so loosely).
        #expect((0.3...3).contains(estimates["r"] ?? 0), "\(estimates)")
        #expect((0.5...8).contains(estimates["alpha"] ?? 0), "\(estimates)")
        #expect((estimates["a"] ?? 0) > 0 && (estimates["b"] ?? 0) > 0)
        let logLikelihood = try #require(purchases["log_likelihood"] as? Double)
        #expect(logLikelihood < 0)
        let table = try cli.run(["clv", "fit", file])
        #expect(table.stdout.contains("log-likelihood \(String(format: "%.4f", logLikelihood))\n"))
        let spend = try #require(object["spend"] as? [String: Any])
        #expect(spend["model"] as? String == "gamma_gamma")

        let predicted = try cli.run(["clv", "fit", file, "--format", "json", "--model", "mbgnbd", "--predict", "26"])
        #expect(predicted.status == 0, "\(predicted.stderr)")
        let withPredictions = try #require(try JSONSerialization.jsonObject(with: Data(predicted.stdout.utf8)) as? [String: Any])
        #expect((withPredictions["purchases"] as? [String: Any])?["model"] as? String == "mbgnbd")
        let rows = try #require(withPredictions["predictions"] as? [[String: Any]])
        #expect(rows.count == 600)
        #expect(rows.first?["client_id"] as? String == "C1")
        #expect(rows.allSatisfy { ($0["probability_alive"] as? Double).map { (0...1).contains($0) } == true })
    }

    @Test("a malformed line exits 2 and names the file, line and column")
    func badLine() throws {
        let cli = try CLIHarness()
        let file = try cli.write("bad.csv", "client_id,frequency,recency,T\nA,1,2,3\nB,2,x,5\nC,0,0,4\n")
        let result = try cli.run(["clv", "fit", file])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("\(file):3: column 3 (recency): expected a number, 0 or more, got \"x\""), "\(result.stderr)")

        let wrongHeader = try cli.write("header.csv", "client_id,frequency,recency,Tee\nA,1,2,3\n")
        let header = try cli.run(["clv", "fit", wrongHeader])
        #expect(header.status == 2)
        #expect(header.stderr.contains("\(wrongHeader):1: column 4: unknown column \"Tee\""), "\(header.stderr)")

        let missing = try cli.run(["clv", "fit", cli.directory.appendingPathComponent("none.csv").path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot read"))
        let usage = try cli.run(["clv", "fit", file, "--predict", "-3"])
        #expect(usage.status == 64)
        #expect(usage.stderr.contains("--predict"))
        // A horizon so long the series would run for ever, and a penalty outside the catalog's range.
        let endless = try cli.run(["clv", "fit", file, "--predict", "1e308"])
        #expect(endless.status == 64 && endless.stderr.contains("--predict must be a positive number of time units, at most 100000"), "\(endless.stderr)")
        let heavy = try cli.run(["clv", "fit", file, "--penalty", "1e308"])
        #expect(heavy.status == 64 && heavy.stderr.contains("--penalty must be from 0 to 10"), "\(heavy.stderr)")
    }
}
