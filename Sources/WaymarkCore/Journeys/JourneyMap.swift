/// How clients move through the lifecycle: `waymark journeys`.
///
/// Built by ``JourneyAccumulator`` from each client's stage history and purchase occasions. Every
/// figure is a count a person could make by hand from the `stage_history` rows:
/// - a **flow** is one recorded change of stage, from the previous stage to the new one (both
///   directions: `at_risk → active` is a flow like `active → at_risk`);
/// - an **entry** is a client's first recorded stage (where the journey began);
/// - an **exit** is a move into `lapsed` (where clients left), counted by the stage they left from;
/// - **now** is each client's last recorded stage at the as-of moment;
/// - a **stay** runs from entering a stage to the next change; the **median days** are over the
///   stays that ended (an open stay has no length yet);
/// - **conversion**: of the stays whose first `conversionDays` days are over by the as-of moment,
///   the share with a purchase occasion in (entered, entered + N days].
///
/// With a `since` date only the changes (and stays) from that date on are counted; the clients'
/// earlier history still says which stage they were in.
package struct JourneyMap: Sendable, Hashable, Codable {
    /// What the map was built from.
    package struct Setup: Sendable, Hashable, Codable {
        /// `YYYY-MM-DD`: history up to this day's midnight UTC.
        package var asOf: String
        /// `YYYY-MM-DD` or nil: changes before this day are not counted.
        package var since: String?
        /// The N of "a purchase within N days".
        package var conversionDays: Int
        /// The cohort dimension (`segment`, `channel`, `first_product`), nil without cohorts.
        package var by: String?

        package init(asOf: String, since: String?, conversionDays: Int, by: String?) {
            self.asOf = asOf
            self.since = since
            self.conversionDays = conversionDays
            self.by = by
        }
    }

    /// How many clients moved from one stage to another (`from` is nil for an entry).
    package struct Flow: Sendable, Hashable, Codable {
        package var from: String
        package var to: String
        package var clients: Int

        package init(from: String, to: String, clients: Int) {
            self.from = from
            self.to = to
            self.clients = clients
        }
    }

    /// The figures of one stage.
    package struct Stage: Sendable, Hashable, Codable {
        package var stage: String
        /// Clients whose first recorded stage is this one.
        package var entries: Int
        /// Times a client entered the stage (entries and flows in).
        package var entered: Int
        /// Flows out of this stage into `lapsed`.
        package var exits: Int
        /// Clients in this stage at the as-of moment.
        package var now: Int
        /// Stays in the stage that ended, and their median length in days (nil without one).
        package var completedStays: Int
        package var medianDays: Double?
        /// Stays whose conversion window is over, and how many of them saw a purchase in it.
        package var observedStays: Int
        package var converted: Int
        /// `converted / observedStays`, nil when no stay was observed long enough.
        package var conversionRate: Double? { observedStays > 0 ? Double(converted) / Double(observedStays) : nil }

        private enum CodingKeys: String, CodingKey {
            case stage, entries, entered, exits, now, completedStays = "completed_stays", medianDays = "median_days"
            case observedStays = "observed_stays", converted, conversionRate = "conversion_rate"
        }

        package init(stage: String, entries: Int, entered: Int, exits: Int, now: Int, completedStays: Int, medianDays: Double?,
                     observedStays: Int, converted: Int) {
            self.stage = stage
            self.entries = entries
            self.entered = entered
            self.exits = exits
            self.now = now
            self.completedStays = completedStays
            self.medianDays = medianDays
            self.observedStays = observedStays
            self.converted = converted
        }

        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(stage: try c.decode(String.self, forKey: .stage), entries: try c.decode(Int.self, forKey: .entries),
                      entered: try c.decode(Int.self, forKey: .entered), exits: try c.decode(Int.self, forKey: .exits),
                      now: try c.decode(Int.self, forKey: .now), completedStays: try c.decode(Int.self, forKey: .completedStays),
                      medianDays: try c.decodeIfPresent(Double.self, forKey: .medianDays),
                      observedStays: try c.decode(Int.self, forKey: .observedStays), converted: try c.decode(Int.self, forKey: .converted))
        }

        package func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(stage, forKey: .stage)
            try c.encode(entries, forKey: .entries)
            try c.encode(entered, forKey: .entered)
            try c.encode(exits, forKey: .exits)
            try c.encode(now, forKey: .now)
            try c.encode(completedStays, forKey: .completedStays)
            try c.encode(medianDays, forKey: .medianDays)
            try c.encode(observedStays, forKey: .observedStays)
            try c.encode(converted, forKey: .converted)
            try c.encode(conversionRate, forKey: .conversionRate)
        }
    }

    /// The figures of all clients, or of one cohort.
    package struct Figures: Sendable, Hashable, Codable {
        /// Clients with at least one recorded stage.
        package var clients: Int
        /// Changes of stage counted (the sum of the flows).
        package var changes: Int
        /// Every (from, to) pair that happened, most clients first, ties by stage order.
        package var flows: [Flow]
        /// One entry per stage that anything happened in, in lifecycle order.
        package var stages: [Stage]
    }

    /// One cohort's figures (`name`: the segment, the first purchase's channel or product).
    package struct Cohort: Sendable, Hashable, Codable {
        package var name: String
        package var figures: Figures
    }

    package var setup: Setup
    package var overall: Figures
    /// By `setup.by`, largest cohort first (ties by name); empty without `by`.
    package var cohorts: [Cohort]

    /// The order stages are listed in: the lifecycle's, then any other name alphabetically.
    package static func stageOrder(_ a: String, _ b: String) -> Bool {
        let all = LifecycleStage.allCases.map(\.rawValue)
        let i = all.firstIndex(of: a) ?? all.count, j = all.firstIndex(of: b) ?? all.count
        return i != j ? i < j : a < b
    }
}

/// The dimension `waymark journeys --by` groups clients into cohorts by.
package enum JourneyCohortDimension: String, Sendable, CaseIterable {
    /// The client's segment (`clients.segment`; `(none)` when empty).
    case segment
    /// The channel of the client's first purchase (`(no purchase)` before one, `(unknown)` without a channel).
    case channel
    /// The product of the client's first purchase (`(no purchase)` before one).
    case firstProduct = "first_product"
}
