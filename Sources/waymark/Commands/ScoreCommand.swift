import ArgumentParser
import Foundation
import WaymarkCore
import WaymarkLifetime
import WaymarkStore

/// `waymark score`: the nightly run.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score every client and publish the run: stages, CLV, tiers and ranked recommendations.",
        discussion: """
            Takes an advisory lock per shard layout (a second run of the same shard exits with code 4 \
            and names the holder), records the run, fits the models on all clients, streams every \
            client's snapshot, scores on all cores, writes the results with COPY and publishes them in \
            one transaction. A run that fails or is killed leaves nothing visible; running it again \
            completes the night. Progress goes to stderr: a live line on a terminal, otherwise a log line \
            at info level every 30 seconds (clients done, rate, ETA; WAYMARK_PROGRESS_SECONDS sets the \
            interval). The summary goes to stdout.

            Shards: --shard K/N scores the clients with hash(client_id) mod N = K. Readers use the \
            newest night (as-of date and shard count) whose N shards are all published.

            Examples:
              waymark score
              waymark score --as-of 2025-06-30 --top 3 --format json
              waymark score --shard 0/4 --workers 8
            """
    )

    @Option(name: .customLong("as-of"), help: ArgumentHelp("Score as of this date's midnight UTC, YYYY-MM-DD (default: today).", valueName: "date"))
    var asOf: DateArgument?

    @Option(help: ArgumentHelp("At most this many offers per client (default: the catalog's top_offers).", valueName: "k"))
    var top: Int?

    @Option(help: ArgumentHelp("Score one shard, K/N: the clients with hash(client_id) mod N = K.", valueName: "K/N"))
    var shard: ShardArgument?

    @Option(help: ArgumentHelp("Scoring threads (default: the number of cores).", valueName: "n"))
    var workers: Int?

    @Option(help: ArgumentHelp("Lifetime model: bgnbd or mbgnbd (default: the catalog's settings.lifetime.model, mbgnbd).", valueName: "model"))
    var model: ModelKindArgument?

    @Option(help: "How to print the summary: table or json.")
    var format: OutputFormat = .table

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if let asOf, asOf.timestamp == nil { throw ValidationError("--as-of must be a date YYYY-MM-DD, e.g. 2025-06-30; got '\(asOf.text)'") }
        if let top, !(0...1_000).contains(top) { throw ValidationError("--top must be from 0 to 1000 (0: messages only); got \(top)") }
        if let workers, workers < 1 || workers > 512 { throw ValidationError("--workers must be between 1 and 512") }
        if case .failure(let error)? = shard?.shard { throw ValidationError(error.message) }
        if let model, model.kind == nil { throw ValidationError("--model must be bgnbd or mbgnbd; got '\(model.text)'") }
    }

    func run() throws {
        try reportingErrors {
            let logger = database.logging.makeLogger("waymark.score")
            let today = Timestamp(seconds: Int64(Date().timeIntervalSince1970) / 86_400 * 86_400)
            var options = ScoringOptions(asOf: asOf?.timestamp ?? today)
            options.top = top
            options.shard = try shard?.shard.get() ?? .all
            options.workers = workers ?? ProcessInfo.processInfo.activeProcessorCount
            options.model = model?.kind
            if let delay = ProcessInfo.processInfo.environment["WAYMARK_SCORE_BATCH_DELAY_MS"].flatMap(Double.init) {
                options.batchDelay = delay / 1000
                options.batchSize = 16
            }
            let store = database.store()
            // Fail early, with the documented exit code, when the database is not there.
            _ = try store.connect(logger: logger)
            var run = ScoringRun(configuration: store.configuration, options: options, logger: logger)
            if standardErrorIsTerminal {
                run.progress = { p in
                    let rate = p.elapsed > 0 ? Double(p.clientsDone) / p.elapsed : 0
                    let eta = rate > 0 ? Double(p.clientsTotal - p.clientsDone) / rate : 0
                    let line = p.elapsed == 0 ? "\r\u{1B}[K" : String(format: "\r\u{1B}[Kscoring: %d / %d clients, %.0f clients/s, ETA %.0f s",
                                                                   p.clientsDone, p.clientsTotal, rate, eta)
                    writeStandardError(line)
                }
            } else {
                let log = ProgressLog(logger: logger, activity: "scoring", unit: "clients")
                run.progress = { p in if p.elapsed > 0 { log.report(done: p.clientsDone, total: p.clientsTotal) } }
            }
            let summary = try run.run()
            switch format {
            case .json:
                try writeOutput(try JSONOutput.line(summary))
            case .table:
                try writeOutput(Self.describe(summary))
            }
        }
    }

    static func describe(_ s: RunSummary) -> String {
        var out = "run \(s.runID) published: as of \(s.asOf), shard \(s.shard), catalog version \(s.catalogVersion)\n"
        out += "  clients          \(s.clients)\n"
        out += "  recommendations  \(s.recommendations) (\(s.offers) offers, \(s.messages) messages)\n"
        if let h = s.holdout {
            out += "  holdout          \(h.clients) clients (share \(h.share), salt \"\(h.salt)\"), \(h.withheld) recommendations withheld\n"
        }
        if let steps = s.cadenceSteps {
            out += "  cadence steps    \(steps) going out" + (s.cadenceWaiting.map { ", \($0) waiting for the contact policy" } ?? "")
                + (s.cadenceSkipped.flatMap { $0 > 0 ? ", \($0) skipped after waiting too long" : nil } ?? "") + "\n"
        }
        if s.orphanRows > 0 { out += "  skipped rows     \(s.orphanRows) (their client does not exist)\n" }
        out += "stages:\n"
        for (stage, count) in s.stages.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }) {
            out += "  " + stage.padding(toLength: 16, withPad: " ", startingAt: 0) + " \(count)\n"
        }
        if !s.stageChanges.isEmpty {
            out += "stage changes:\n"
            for (change, count) in s.stageChanges.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }).prefix(12) {
                out += "  " + change.padding(toLength: 28, withPad: " ", startingAt: 0) + " \(count)\n"
            }
        }
        if !s.topItems.isEmpty {
            out += "top items:\n"
            for item in s.topItems { out += "  " + item.item.padding(toLength: 28, withPad: " ", startingAt: 0) + " \(item.count)\n" }
        }
        out += "models:\n"
        if let l = s.models.lifetime {
            out += String(format: "  %@  r %.4g  alpha %.4g  a %.4g  b %.4g  (log-likelihood %.6g, %d clients, in weeks)\n",
                          l.kind.rawValue, l.parameters.r, l.parameters.alpha, l.parameters.a, l.parameters.b, l.logLikelihood ?? .nan, l.clients ?? 0)
        } else {
            out += "  lifetime: not fitted (no purchases); heuristic used\n"
        }
        if let g = s.models.spend {
            out += String(format: "  gamma-gamma  p %.4g  q %.4g  v %.4g  (%d repeat buyers)\n", g.parameters.p, g.parameters.q, g.parameters.v, g.clients ?? 0)
        }
        if let p = s.models.propensity, let t = p.training {
            out += "  propensity   horizon \(p.horizonDays) days, \(t.summary)\n"
        }
        if let bytes = s.modelBytes { out += "  size         \(bytes) bytes (stored with the run)\n" }
        out += "timings:\n"
        for key in ["fit_seconds", "score_seconds", "publish_seconds", "total_seconds"] {
            if let t = s.timings[key] { out += "  " + key.replacingOccurrences(of: "_seconds", with: "").padding(toLength: 10, withPad: " ", startingAt: 0) + String(format: " %.2f s\n", t) }
        }
        if let t = s.timings["score_seconds"], t > 0 { out += String(format: "  rate       %.0f clients/s\n", Double(s.clients) / t) }
        return out
    }
}
