/// One client's journey as ``JourneyAccumulator`` reads it.
package struct JourneyClient: Sendable, Hashable {
    /// A recorded stage and when the client entered it.
    package struct StageEntry: Sendable, Hashable {
        package var at: Timestamp
        package var stage: String

        package init(at: Timestamp, stage: String) {
            self.at = at
            self.stage = stage
        }
    }

    /// The client's cohort under the chosen dimension (ignored without one).
    package var cohort: String
    /// The stage history, oldest first.
    package var stages: [StageEntry]
    /// The moments of the client's purchase occasions, oldest first.
    package var purchases: [Timestamp]

    package init(cohort: String = "", stages: [StageEntry], purchases: [Timestamp]) {
        self.cohort = cohort
        self.stages = stages
        self.purchases = purchases
    }
}

/// Builds a ``JourneyMap`` one client at a time (clients stream from the database; nothing but the
/// counts and the stays' lengths is kept).
package struct JourneyAccumulator: Sendable {
    package let asOf: Timestamp
    package let since: Timestamp?
    package let conversionDays: Int
    package let dimension: JourneyCohortDimension?

    private var overall = Tally()
    private var cohorts: [String: Tally] = [:]

    package init(asOf: Timestamp, since: Timestamp? = nil, conversionDays: Int = 30, by dimension: JourneyCohortDimension? = nil) {
        self.asOf = asOf
        self.since = since
        self.conversionDays = conversionDays
        self.dimension = dimension
    }

    /// Counts one client (a client without a recorded stage up to the as-of moment counts for nothing).
    package mutating func add(_ client: JourneyClient) {
        // Up to the as-of moment, and a repeated stage is not a change.
        var stages: [JourneyClient.StageEntry] = []
        for entry in client.stages where entry.at <= asOf && stages.last?.stage != entry.stage { stages.append(entry) }
        guard !stages.isEmpty else { return }
        let purchases = client.purchases.filter { $0 <= asOf }
        overall.add(stages, purchases, self)
        if dimension != nil { cohorts[client.cohort, default: Tally()].add(stages, purchases, self) }
    }

    /// The map of every client added so far.
    package func map() -> JourneyMap {
        let setup = JourneyMap.Setup(asOf: asOf.isoDate, since: since?.isoDate, conversionDays: conversionDays, by: dimension?.rawValue)
        let cohortList = cohorts.map { JourneyMap.Cohort(name: $0.key, figures: $0.value.figures) }
            .sorted { $0.figures.clients != $1.figures.clients ? $0.figures.clients > $1.figures.clients : $0.name < $1.name }
        return JourneyMap(setup: setup, overall: overall.figures, cohorts: cohortList)
    }

    /// The counts of one group of clients.
    private struct Tally: Sendable {
        struct StageTally: Sendable {
            var entries = 0, entered = 0, exits = 0, now = 0, observed = 0, converted = 0
            var stays: [Double] = []
        }
        var clients = 0
        var flows: [String: [String: Int]] = [:]
        var stages: [String: StageTally] = [:]

        mutating func add(_ history: [JourneyClient.StageEntry], _ purchases: [Timestamp], _ settings: JourneyAccumulator) {
            clients += 1
            let counted = { (at: Timestamp) in settings.since.map { at >= $0 } ?? true }
            let window = Int64(settings.conversionDays) * Timestamp.secondsPerDay
            for (i, entry) in history.enumerated() where counted(entry.at) {
                if i == 0 {
                    stages[entry.stage, default: StageTally()].entries += 1
                } else {
                    let from = history[i - 1].stage
                    flows[from, default: [:]][entry.stage, default: 0] += 1
                    if entry.stage == LifecycleStage.lapsed.rawValue { stages[from, default: StageTally()].exits += 1 }
                }
                var tally = stages[entry.stage, default: StageTally()]
                tally.entered += 1
                if i + 1 < history.count { tally.stays.append(history[i + 1].at.fractionalDays(since: entry.at)) }
                let end = entry.at.seconds + window
                if end <= settings.asOf.seconds {
                    tally.observed += 1
                    if purchases.contains(where: { $0.seconds > entry.at.seconds && $0.seconds <= end }) { tally.converted += 1 }
                }
                stages[entry.stage] = tally
            }
            stages[history[history.count - 1].stage, default: StageTally()].now += 1
        }

        var figures: JourneyMap.Figures {
            var flowList: [JourneyMap.Flow] = []
            for (from, targets) in flows { for (to, n) in targets { flowList.append(JourneyMap.Flow(from: from, to: to, clients: n)) } }
            flowList.sort {
                if $0.clients != $1.clients { return $0.clients > $1.clients }
                if $0.from != $1.from { return JourneyMap.stageOrder($0.from, $1.from) }
                return JourneyMap.stageOrder($0.to, $1.to)
            }
            let stageList = stages.keys.sorted(by: JourneyMap.stageOrder).map { name -> JourneyMap.Stage in
                let t = stages[name]!
                return JourneyMap.Stage(stage: name, entries: t.entries, entered: t.entered, exits: t.exits, now: t.now,
                                        completedStays: t.stays.count, medianDays: Self.median(t.stays),
                                        observedStays: t.observed, converted: t.converted)
            }
            return JourneyMap.Figures(clients: clients, changes: flowList.reduce(0) { $0 + $1.clients }, flows: flowList, stages: stageList)
        }

        static func median(_ values: [Double]) -> Double? {
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted(), mid = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
        }
    }
}
