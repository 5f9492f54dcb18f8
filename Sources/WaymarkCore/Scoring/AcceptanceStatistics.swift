/// Recorded outcomes of presented items, per item and lifecycle stage (Beta-Bernoulli counts).
///
/// A response counts as a success when `accepted` and as a failure when `declined`, or when it
/// stayed `presented`/`opened` for longer than the decision window (default 30 days) before the
/// as_of of the fit. Younger unanswered presentations are not counted yet. The posterior of an
/// item in a stage is `Beta(prior.alpha + successes, prior.beta + failures)`.
package struct AcceptanceStatistics: Sendable, Hashable {
    package struct Key: Sendable, Hashable {
        package var itemID: String
        package var stage: LifecycleStage
        package init(itemID: String, stage: LifecycleStage) {
            self.itemID = itemID
            self.stage = stage
        }
    }

    package struct Counts: Sendable, Hashable {
        package var successes: Double = 0
        package var failures: Double = 0
        package init(successes: Double = 0, failures: Double = 0) {
            self.successes = successes
            self.failures = failures
        }
    }

    package var counts: [Key: Counts]

    package init(counts: [Key: Counts] = [:]) {
        self.counts = counts
    }

    package func counts(item: String, stage: LifecycleStage) -> Counts {
        counts[Key(itemID: item, stage: stage)] ?? Counts()
    }

    /// Streams clients' responses into `AcceptanceStatistics`.
    package struct Accumulator: Sendable {
        private var statistics = AcceptanceStatistics()
        /// Unanswered presentations older than this count as failures.
        package var decisionWindowDays: Int

        package init(decisionWindowDays: Int = 30) {
            self.decisionWindowDays = decisionWindowDays
        }

        /// Adds one outcome directly.
        package mutating func add(itemID: String, stage: LifecycleStage, accepted: Bool) {
            let key = Key(itemID: itemID, stage: stage)
            if accepted {
                statistics.counts[key, default: Counts()].successes += 1
            } else {
                statistics.counts[key, default: Counts()].failures += 1
            }
        }

        /// Adds one client's responses known at `asOf`; `stage` gives the client's stage when
        /// the item was presented (the nightly run reads it from `stage_history`).
        package mutating func add(responses: [Response], asOf: Timestamp, stage: (Timestamp) -> LifecycleStage) {
            for response in responses {
                guard let outcome = response.outcome(asOf: asOf) else { continue }
                switch outcome {
                case .accepted:
                    add(itemID: response.itemID, stage: stage(response.presentedAt), accepted: true)
                case .declined:
                    add(itemID: response.itemID, stage: stage(response.presentedAt), accepted: false)
                case .presented, .opened:
                    // Longer than the window, to the second, as the nightly fit's SQL counts it
                    // (`presented_at < as_of - interval 'N days'`).
                    if asOf.seconds - response.presentedAt.seconds > Int64(decisionWindowDays) * Timestamp.secondsPerDay {
                        add(itemID: response.itemID, stage: stage(response.presentedAt), accepted: false)
                    }
                }
            }
        }

        package mutating func merge(_ other: Accumulator) {
            for (key, c) in other.statistics.counts {
                statistics.counts[key, default: Counts()].successes += c.successes
                statistics.counts[key, default: Counts()].failures += c.failures
            }
        }

        package func finish() -> AcceptanceStatistics { statistics }
    }
}

/// A Beta prior on an item's acceptance rate.
package struct BetaPrior: Sendable, Hashable {
    package var alpha: Double
    package var beta: Double

    package init(alpha: Double, beta: Double) {
        self.alpha = alpha
        self.beta = beta
    }

    /// A prior with mean `rate` worth `strength` observations.
    package init(rate: Double, strength: Double) {
        self.init(alpha: rate * strength, beta: (1 - rate) * strength)
    }

    /// The default prior: 5 % acceptance, worth 20 observations.
    package static let `default` = BetaPrior(rate: 0.05, strength: 20)

    package var mean: Double { alpha / (alpha + beta) }
}
