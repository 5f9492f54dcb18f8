import Foundation
import WaymarkCore
import WaymarkLifetime

// MARK: - Fitting the lifetime models

enum LifetimeFitBenchmark {
    struct Fit: Encodable {
        var model: String
        var groupingSeconds: Double
        var fitSeconds: Double
        var totalSeconds: Double
        var iterations: Int
        var evaluations: Int
        var converged: Bool
        var logLikelihood: Double
        var parameters: LifetimeParameters
        enum CodingKeys: String, CodingKey {
            case model, iterations, evaluations, converged, parameters
            case groupingSeconds = "grouping_s", fitSeconds = "fit_s", totalSeconds = "total_s", logLikelihood = "log_likelihood"
        }
    }

    struct Report: Encodable {
        var clients: Int
        var distinctTriples: Int
        var generationSeconds: Double
        var fits: [Fit]
        var targetSeconds: Double
        enum CodingKeys: String, CodingKey {
            case clients, fits
            case distinctTriples = "distinct_triples", generationSeconds = "generation_s", targetSeconds = "target_s"
        }
    }

    static func run(clients count: Int) throws -> Report {
        let clock = ContinuousClock()
        var started = clock.now
        let clients = LifetimeBenchmark.generateClients(count: count)
        let generation = seconds(started.duration(to: clock.now))

        var fits: [Fit] = []
        var triples = 0
        for kind in [LifetimeModelKind.bgnbd, .mbgnbd] {
            // Grouping alone, then what a nightly run does (group + fit), each timed on its own.
            started = clock.now
            let grouped = try RFTSummary(clients)
            let grouping = seconds(started.duration(to: clock.now))
            triples = grouped.groups.count
            started = clock.now
            let fit = try LifetimeBenchmark.fit(clients, kind: kind)
            let total = seconds(started.duration(to: clock.now))
            fits.append(Fit(
                model: kind.rawValue, groupingSeconds: grouping, fitSeconds: max(0, total - grouping), totalSeconds: total,
                iterations: fit.iterations, evaluations: fit.evaluations, converged: fit.converged,
                logLikelihood: fit.logLikelihood, parameters: fit.model.parameters))
        }
        return Report(clients: count, distinctTriples: triples, generationSeconds: generation, fits: fits, targetSeconds: 2)
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

