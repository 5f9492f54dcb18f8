import Foundation
import Logging
import Synchronization

/// A progress line logged at info level every few seconds, for a log that is not a terminal.
///
/// `score`, `import` and `evaluate` draw a live line on a terminal; under cron (stderr to a file)
/// they log `scoring: 120000 / 500000 clients, 4100 clients/s, ETA 1 min 33 s` instead, so a slow
/// night can be told from a hung one. The interval is `WAYMARK_PROGRESS_SECONDS` (default 30).
final class ProgressLog: Sendable {
    private let logger: Logger
    private let activity: String
    private let unit: String
    private let interval: Double
    private let state: Mutex<(started: Date, last: Date)>

    /// The interval from `WAYMARK_PROGRESS_SECONDS`, 30 s when unset or not a number ≥ 0.
    static var defaultInterval: Double {
        ProcessInfo.processInfo.environment["WAYMARK_PROGRESS_SECONDS"].flatMap(Double.init).flatMap { $0 >= 0 ? $0 : nil } ?? 30
    }

    /// - Parameters:
    ///   - activity: what is going on, e.g. `scoring`.
    ///   - unit: what is counted, plural, e.g. `clients`.
    init(logger: Logger, activity: String, unit: String, interval: Double = ProgressLog.defaultInterval) {
        self.logger = logger
        self.activity = activity
        self.unit = unit
        self.interval = interval
        let now = Date()
        state = Mutex((started: now, last: now))
    }

    /// Logs a line when the interval has passed since the last one (or the start).
    ///
    /// - Parameters:
    ///   - done: how many are done.
    ///   - total: how many there are, nil when unknown.
    ///   - fraction: when `total` is unknown, the share of the work done (0 to 1; an import's bytes
    ///     read of its file's size), for the ETA; nil: no ETA.
    func report(done: Int, total: Int?, fraction: Double? = nil) {
        let now = Date()
        let elapsed: Double? = state.withLock { s in
            guard now.timeIntervalSince(s.last) >= interval else { return nil }
            s.last = now
            return now.timeIntervalSince(s.started)
        }
        guard let elapsed else { return }
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        var message = "\(activity): \(done)" + (total.map { " / \($0)" } ?? "") + " \(unit), \(Int(rate.rounded())) \(unit)/s"
        var metadata: Logger.Metadata = ["done": "\(done)", "rate": "\(Int(rate.rounded()))", "elapsed_seconds": "\(Int(elapsed.rounded()))"]
        if let total {
            metadata["total"] = "\(total)"
            if rate > 0 {
                let eta = Double(max(0, total - done)) / rate
                message += ", ETA \(Self.duration(eta))"
                metadata["eta_seconds"] = "\(Int(eta.rounded()))"
            } else {
                message += ", ETA unknown (nothing done yet)"
            }
        } else if let fraction, fraction > 0 {
            let share = min(fraction, 1)
            let eta = elapsed * (1 - share) / share
            message += ", \(Int((share * 100).rounded(.down)))% of the file, ETA \(Self.duration(eta))"
            metadata["eta_seconds"] = "\(Int(eta.rounded()))"
        }
        logger.info("\(message)", metadata: metadata)
    }

    /// `45 s`, `3 min 20 s`, `2 h 05 min`.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        return "\(s / 3600) h " + String(format: "%02d", (s % 3600) / 60) + " min"
    }
}
