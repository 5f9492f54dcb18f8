import ArgumentParser
import Foundation
import WaymarkCore
import WaymarkLifetime

/// `waymark-bench`: the benchmarks that run in-process, beside the product and not in it
/// (`scripts/bench NAME` runs them; the shipped `waymark` has no benchmark command).
@main
struct WaymarkBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "waymark-bench",
        abstract: "Waymark's in-process benchmarks (run by scripts/bench).",
        subcommands: [BenchEngineCommand.self]
    )
}

/// `waymark-bench engine`: times the engine in-process, for `scripts/bench engine`.
///
/// Two figures from issue 3's "Done when": the median time to score one client with 200
/// purchases against a 50-item catalog (target ≤ 20 µs), and the time to fit BG/NBD on
/// 1,000,000 clients (target ≤ 2 s), plus MBG/NBD on the same clients. Nothing touches the
/// database or the disk; the fixture is built in memory from the generator's product and item ids.
struct BenchEngineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Time the engine in-process: scoring one client, and fitting BG/NBD and MBG/NBD on many clients.",
        discussion: """
            A benchmark, not a test: figures depend on the machine. Build in release mode first \
            (scripts/bench engine does). Scoring: one client with 200 purchases, events, interactions \
            and responses against a 50-item catalog, each Engine.recommend call timed after a warm-up; \
            median, p90 and p99 in µs. Lifetime: clients drawn from the CDNOW BG/NBD parameters are \
            generated first, then only grouping + fitting is timed.

            Examples:
              waymark-bench engine
              waymark-bench engine --iterations 50000 --clients 200000 --format json
            """
    )

    @Option(help: ArgumentHelp("Timed Engine.recommend calls per case (after a warm-up of a tenth as many, at least 1,000).", valueName: "n"))
    var iterations: Int = 20_000

    @Option(help: ArgumentHelp("Clients to fit BG/NBD and MBG/NBD on; 0 skips the lifetime fits.", valueName: "n"))
    var clients: Int = 1_000_000

    @Option(help: "table or json.")
    var format: BenchFormat = .table

    @Option(help: ArgumentHelp("Time one scoring case only, to profile it: recommend, facts, scoring or explain.", valueName: "case"))
    var only: EngineBenchmark.CaseName?

    func validate() throws {
        guard iterations >= 100 else {
            throw ValidationError("--iterations must be at least 100 so that p99 means something; got \(iterations)")
        }
        guard clients == 0 || clients >= 1_000 else {
            throw ValidationError("--clients must be 0 (skip the fits) or at least 1000; got \(clients)")
        }
    }

    func run() throws {
        do {
            let engineReport = try EngineBenchmark.run(iterations: iterations, only: only)
            let lifetimeReport = clients > 0 ? try LifetimeFitBenchmark.run(clients: clients) : nil
            let report = BenchEngineReport(engine: engineReport, lifetime: lifetimeReport)
            switch format {
            case .table:
                writeOutput(report.table())
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                writeOutput(String(decoding: try encoder.encode(report), as: UTF8.self) + "\n")
            }
        } catch {
            FileHandle.standardError.write(Data("waymark-bench: error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

enum BenchFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

// MARK: - Report

/// What `waymark-bench engine` prints.
struct BenchEngineReport: Encodable {
    var engine: EngineBenchmark.Report
    var lifetime: LifetimeFitBenchmark.Report?

    func table() -> String {
        var out = ""
        let e = engine
        out += "engine: one client (\(e.purchases) purchases, \(e.lifeEvents) life events, \(e.interactions) interactions, "
        out += "\(e.responses) responses) against \(e.catalogItems) items (\(e.offers) offers, \(e.messages) messages)\n"
        out += "  stage \(e.stage); offers \(e.recommendedOffers.joined(separator: ", ")); messages \(e.recommendedMessages.joined(separator: ", "))\n"
        out += "  \(e.iterations) timed calls per case after \(e.warmup) warm-up calls\n"
        out += pad("  case", 40) + pad("median", 11, right: true) + pad("p90", 11, right: true)
            + pad("p99", 11, right: true) + pad("mean", 11, right: true) + "\n"
        for c in e.cases {
            out += pad("  " + c.name, 40) + pad(us(c.medianMicroseconds), 11, right: true) + pad(us(c.p90Microseconds), 11, right: true)
                + pad(us(c.p99Microseconds), 11, right: true) + pad(us(c.meanMicroseconds), 11, right: true) + "\n"
        }
        if let met = e.meetsTarget, let headline = e.cases.first(where: { $0.name == EngineBenchmark.headline }) {
            out += "  median of recommend: \(us(headline.medianMicroseconds)) (target <= \(Int(e.targetMedianMicroseconds)) µs: "
            out += met ? "met)\n" : "NOT met)\n"
        }
        for (name, target, met) in [(EngineBenchmark.learnedHeadline, e.targetMedianMicroseconds, e.learnedMeetsTarget),
                                    (EngineBenchmark.groceryHeadline, EngineBenchmark.groceryTargetMicroseconds, e.groceryMeetsTarget)] {
            guard let met, let c = e.cases.first(where: { $0.name == name }) else { continue }
            out += "  median of \(name): \(us(c.medianMicroseconds)) (target <= \(Int(target)) µs: \(met ? "met" : "NOT met"))\n"
        }
        if let l = lifetime {
            out += "\nlifetime: \(l.clients) clients (\(l.distinctTriples) distinct triples), generated in \(secs(l.generationSeconds))\n"
            out += pad("  model", 10) + pad("grouping", 11, right: true) + pad("fit", 11, right: true) + pad("total", 11, right: true)
                + pad("iter", 7, right: true) + pad("log-likelihood", 18, right: true) + "  parameters\n"
            for f in l.fits {
                let name = f.model == "bgnbd" ? "BG/NBD" : f.model == "mbgnbd" ? "MBG/NBD" : f.model
                let p = f.parameters
                out += pad("  " + name, 10) + pad(secs(f.groupingSeconds), 11, right: true) + pad(secs(f.fitSeconds), 11, right: true)
                    + pad(secs(f.totalSeconds), 11, right: true) + pad(String(f.iterations), 7, right: true)
                    + pad(String(format: "%.2f", f.logLikelihood), 18, right: true)
                    + String(format: "  r %.4f alpha %.4f a %.4f b %.4f", p.r, p.alpha, p.a, p.b)
                    + (f.converged ? "" : "  NOT converged") + "\n"
            }
            let bg = l.fits.first { $0.model == "bgnbd" }
            if let bg {
                out += "  BG/NBD grouping + fit: \(secs(bg.totalSeconds)) (target <= \(secs(l.targetSeconds)) for 1,000,000 clients: "
                out += l.clients == 1_000_000 ? (bg.totalSeconds <= l.targetSeconds ? "met)\n" : "NOT met)\n") : "not measured at this size)\n"
            }
        }
        return out
    }

    private func us(_ value: Double) -> String { String(format: "%.2f µs", value) }
    private func secs(_ value: Double) -> String { String(format: "%.3f s", value) }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return right ? padding + text : text + padding
    }
}


/// Writes text to stdout as is.
func writeOutput(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}
