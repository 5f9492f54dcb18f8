/// What a scoring run did: printed at the end of `waymark score` and stored in `scoring_runs.summary`.
package struct RunSummary: Sendable, Codable, Hashable {
    package var runID: Int64
    package var asOf: String
    package var shard: String
    package var catalogVersion: Int64
    package var clients: Int
    package var recommendations: Int
    package var offers: Int
    package var messages: Int
    /// Clients per stage.
    package var stages: [String: Int]
    /// Stage changes recorded, per transition (`at_risk → reactivated`).
    package var stageChanges: [String: Int]
    /// The most recommended items, most first (at most 10).
    package var topItems: [ItemCount]
    package var models: StoredModels
    /// Seconds per phase: fit, score (stream, engine and COPY in), publish, total.
    package var timings: [String: Double]
    /// Rows of child tables whose client does not exist (skipped).
    package var orphanRows: Int
    /// The size of the fitted models as stored with the run (JSON bytes); nil in summaries of runs
    /// stored before it was reported.
    package var modelBytes: Int?
    /// The holdout: its share and salt, the clients in it and the recommendations it withheld;
    /// nil without a holdout.
    package var holdout: HoldoutCounts? = nil

    package struct HoldoutCounts: Sendable, Codable, Hashable {
        package var share: Double
        package var salt: String
        package var clients: Int
        package var withheld: Int
    }
    /// Cadence steps that went out, and steps that wait for the contact policy; nil when the
    /// catalog has no cadences (and in summaries of runs stored before they were reported).
    package var cadenceSteps: Int?
    package var cadenceWaiting: Int?
    /// Steps skipped after waiting longer than their cadence's `max_wait_days` (nil as above).
    package var cadenceSkipped: Int?

    package struct ItemCount: Sendable, Codable, Hashable {
        package var item: String
        package var count: Int
    }

    enum CodingKeys: String, CodingKey {
        case clients, recommendations, offers, messages, stages, models, timings, shard
        case runID = "run_id"
        case asOf = "as_of"
        case catalogVersion = "catalog_version"
        case stageChanges = "stage_changes"
        case topItems = "top_items"
        case orphanRows = "orphan_rows"
        case modelBytes = "model_bytes"
        case holdout
        case cadenceSteps = "cadence_steps"
        case cadenceWaiting = "cadence_waiting"
        case cadenceSkipped = "cadence_skipped"
    }
}
