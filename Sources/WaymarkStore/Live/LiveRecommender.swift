import Foundation
package import Postgres
package import WaymarkCore

/// Recommendations for one client from live data: the interactive path of `waymark recommend`
/// and the stdio server's `recommend` method.
///
/// Loads the client's snapshot as it is now (a purchase recorded a minute ago counts), scores
/// it with the current catalog and the current night's fitted models (``LiveContext``, cached
/// per process) and returns the ranked offers and messages with their explanations, and the
/// cadence steps due now. A live answer moves the client's cadences as the nightly run does
/// (``Engine/advanceCadences(_:facts:render:)``) and stores what it moved at once, so the next
/// answer or night finds a step that went out done.
///
/// ```swift
/// let recommender = LiveRecommender(connection: connection)
/// let answer = try recommender.recommend(clientID: "C0000042", top: 3, explain: true)
/// answer.offers.first?.reasons
/// ```
package struct LiveRecommender {
    package let connection: Connection
    package let context: LiveContext

    /// - Parameters:
    ///   - connection: used on the caller's thread for this recommender's queries.
    ///   - context: the model and catalog cache; the process-wide one by default.
    package init(connection: Connection, context: LiveContext = .shared) {
        self.connection = connection
        self.context = context
    }

    /// Scores one client now (or at `asOf`).
    ///
    /// - Parameters:
    ///   - clientID: the client.
    ///   - asOf: the moment to score at; nil is now.
    ///   - top: at most this many offers; nil is the catalog's `top_offers`.
    ///   - channel: only items that can go out on this channel, ranked among themselves (an
    ///     eligibility condition checked before ranking, with a `channel` why-not for the others).
    ///   - explain: also list every item not recommended with the reason.
    /// - Returns: the scores, offers and messages (best first), with explanations.
    /// - Throws: ``StoreError`` `.notFound` for an unknown client, `.invalidInput` for a malformed
    ///   client id, `.notYetClient` when `asOf` is before the client's `first_seen`, `.noCatalog` when no catalog is stored;
    ///   ``PostgresError`` when the database fails.
    package func recommend(clientID: String, asOf: Timestamp? = nil, top: Int? = nil, channel: Channel? = nil,
                           explain: Bool = false, brief: Bool = false) throws -> LiveRecommendations {
        let (moment, snapshot, state) = try context.load(clientID: clientID, asOf: asOf, connection: connection)
        var answer = try Self.recommend(clientID: clientID, snapshot: snapshot, asOf: moment, state: state, top: top, channel: channel,
                                        explain: explain, brief: brief)
        try CadenceStateStore(connection: connection).save(answer.movedCadences, clientID: clientID)
        try Self.log(&answer, connection: connection)
        return answer
    }

    /// Writes the answer to the decision log when its catalog asks for it (`audit.decision_log`),
    /// and sets its `decisionID`.
    ///
    /// - Throws: ``PostgresError`` when the database fails.
    package static func log(_ answer: inout LiveRecommendations, connection: Connection) throws {
        guard let entry = answer.logEntry else { return }
        answer.decisionID = try DecisionLog(connection: connection).record(entry)
        answer.logEntry = nil
    }

    /// Scores a snapshot already loaded (by ``LiveContext/loadBatch(_:connection:)``) as
    /// ``recommend(clientID:asOf:top:channel:explain:)`` scores the one it loads, without
    /// storing the cadence states it moved (``LiveRecommendations/movedCadences``: the caller's to store).
    ///
    /// - Parameters:
    ///   - clientID: the client, as asked for.
    ///   - snapshot: the client's snapshot, read at `asOf`.
    ///   - asOf: the moment to score at.
    ///   - state: the catalog and models read with the snapshot.
    ///   - top, channel, explain: as for ``recommend(clientID:asOf:top:channel:explain:)``.
    package static func recommend(clientID: String, snapshot: ClientSnapshot, asOf moment: Timestamp, state: LiveContext.State,
                                  top: Int? = nil, channel: Channel? = nil, explain: Bool = false, brief: Bool = false) throws -> LiveRecommendations {
        // Before first_seen the client did not exist yet: no stage, no offers.
        guard moment >= snapshot.profile.firstSeen else {
            throw StoreError.notYetClient(clientID, firstSeen: snapshot.profile.firstSeen, asOf: moment)
        }
        // The requested channel is an eligibility condition in the engine, before ranking.
        var options = RecommendOptions(explainRejections: explain, maxOffers: top, channel: channel, explainScores: !brief)
        options.cadences = true
        let set = state.engine.recommend(for: snapshot, asOf: moment, options: options)
        let offers = set.offers.map { LiveRecommendation($0, brief: brief) }
        let messages = set.messages.map { LiveRecommendation($0, brief: brief) }
        let inputs = DecisionInputs(snapshot: snapshot, asOf: moment)
        let modelVersion = state.modelsAsOf != nil ? state.runIDs.first : nil
        var answer = LiveRecommendations(
            clientID: clientID, asOf: moment.isoDate, catalogVersion: state.catalogVersion, catalogDocumentVersion: set.catalogVersion,
            runIDs: state.runIDs, modelsAsOf: state.modelsAsOf, scores: LiveScores(set.scores),
            offers: offers, messages: messages, contact: LiveContact(snapshot.profile, policy: state.engine.catalog.contactPolicy),
            notRecommended: explain ? set.notRecommended.map { LiveRejection(item: $0.itemID, kind: $0.kind.rawValue, check: $0.check.rawValue, reason: $0.reason, priority: $0.priority) } : nil,
            cadenceSteps: set.cadences.due.map(LiveCadenceStep.init), movedCadences: set.cadences.changed)
        answer.holdout = set.heldOut
        answer.withheld = set.withheld.map { LiveRecommendation($0, brief: brief) }
        answer.inputHash = inputs.hash
        answer.modelVersion = modelVersion
        let audit = state.engine.catalog.audit
        if audit.decisionLog {
            answer.logEntry = DecisionLogEntry(
                clientID: clientID, asOf: moment, catalogVersion: state.catalogVersion, modelVersion: modelVersion, inputs: inputs,
                topK: top, channel: channel?.rawValue, holdout: set.heldOut, decisions: DecisionRow.text(DecisionRow.rows(of: set)),
                retentionDays: audit.retentionDays)
        }
        return answer
    }
}

/// The answer of ``LiveRecommender/recommend(clientID:asOf:top:channel:explain:)``; its wire
/// form is the Service's to define.
package struct LiveRecommendations: Sendable, Hashable {
    package var clientID: String
    package var asOf: String
    /// The stored catalog version used.
    package var catalogVersion: Int64
    /// The catalog document's own `version:`.
    package var catalogDocumentVersion: String
    /// The runs whose fitted models were used (empty: no run yet, heuristics).
    package var runIDs: [Int64]
    package var modelsAsOf: String?
    package var scores: LiveScores
    package var offers: [LiveRecommendation]
    package var messages: [LiveRecommendation]
    /// What an advisor must know before contacting the client (do not contact, no consented
    /// channel); nil when there is nothing to say.
    package var contact: LiveContact? = nil
    /// Every item not recommended, with the reason; only when asked for.
    package var notRecommended: [LiveRejection]?
    /// The client is in the catalog's holdout (control group): no offers, only service messages.
    package var holdout = false
    /// What the holdout withheld (what the client would have been offered).
    package var withheld: [LiveRecommendation] = []
    /// The hash of the client's inputs as of `asOf` (``DecisionInputs/hash``).
    package var inputHash = ""
    /// The run whose fitted models were used; nil before the first run.
    package var modelVersion: Int64?
    /// The decision log's id of this answer, when the catalog logs decisions.
    package var decisionID: Int64?
    /// The entry to log, until ``LiveRecommender/log(_:connection:)`` wrote it.
    package var logEntry: DecisionLogEntry?
    /// The cadence steps due now: going out, or waiting for the contact policy.
    package var cadenceSteps: [LiveCadenceStep] = []
    /// The cadence states this answer moved, to be stored (not part of the answer's wire form).
    package var movedCadences: [CadenceState] = []
}

/// A cadence step due now: "step 2 of 4 of the new-parent cadence, started 9 days ago".
package struct LiveCadenceStep: Sendable, Hashable {
    package var cadence: String
    package var cadenceTitle: String
    /// 1-based, of `steps`.
    package var step: Int
    package var steps: Int
    package var item: String
    package var kind: String
    package var title: String
    package var channel: String
    /// `YYYY-MM-DD`.
    package var enteredAt: String
    package var startedDaysAgo: Int
    /// The rendered message, for a step going out whose item has a template.
    package var text: String?
    /// Why the step waits (a cap, no consent, do-not-contact); nil when it goes out now.
    package var waiting: String?
    /// The step waited longer than the cadence's `max_wait_days` and was skipped (`waiting` says why).
    package var skipped: Bool
    /// The sentence: "step 2 of 4 of the new-parent cadence, started 9 days ago[; waits: …]".
    package var description: String

    init(_ due: CadenceStepDue) {
        cadence = due.cadenceID
        cadenceTitle = due.cadenceTitle
        step = due.step
        steps = due.steps
        item = due.itemID
        kind = due.kind.rawValue
        title = due.title
        channel = due.channel.rawValue
        enteredAt = due.enteredAt.isoDate
        startedDaysAgo = due.startedDaysAgo
        text = due.text
        waiting = due.waiting
        skipped = due.skipped
        description = due.description
    }
}

/// The client's contact situation, when it restricts what may be offered and how.
package struct LiveContact: Sendable, Hashable {
    package var doNotContact: Bool
    /// The channels the client consented to.
    package var consents: [String]
    /// The channels usable without consent (the catalog's `consent_exempt_channels`).
    package var inboundChannels: [String]
    /// Sentences for a banner, e.g. `do not contact: …`.
    package var notices: [String]

    package init(doNotContact: Bool, consents: [String], inboundChannels: [String], notices: [String]) {
        self.doNotContact = doNotContact
        self.consents = consents
        self.inboundChannels = inboundChannels
        self.notices = notices
    }

    /// Nil when the client may be contacted in at least one consented channel.
    init?(_ profile: ClientProfile, policy: ContactPolicy) {
        let consents = profile.consents.channels.map(\.rawValue)
        let inbound = policy.consentExempt.channels.map(\.rawValue)
        let only = inbound.isEmpty ? "no channel may be used" : "offers may be shown only when the client gets in touch (\(inbound.joined(separator: ", ")))"
        var notices: [String] = []
        if profile.doNotContact {
            notices.append("do not contact: the client asked not to be contacted; \(only)")
        } else if consents.isEmpty {
            notices.append("no consented channel: the client consented to no channel; \(only)")
        }
        guard !notices.isEmpty else { return nil }
        self.init(doNotContact: profile.doNotContact, consents: consents, inboundChannels: inbound, notices: notices)
    }
}

/// A client's scores.
package struct LiveScores: Sendable, Hashable {
    package var stage: String
    package var stageReason: String
    package var previousStage: String?
    package var stageSince: String
    package var pAlive: Double
    package var expectedPurchases90d: Double
    package var clv12m: Double
    package var tier: String
    package var points: Int
    package var pointsToNextTier: Int
    package var advocate: Bool

    package init(stage: String, stageReason: String, previousStage: String?, stageSince: String, pAlive: Double,
                 expectedPurchases90d: Double, clv12m: Double, tier: String, points: Int, pointsToNextTier: Int, advocate: Bool) {
        self.stage = stage
        self.stageReason = stageReason
        self.previousStage = previousStage
        self.stageSince = stageSince
        self.pAlive = pAlive
        self.expectedPurchases90d = expectedPurchases90d
        self.clv12m = clv12m
        self.tier = tier
        self.points = points
        self.pointsToNextTier = pointsToNextTier
        self.advocate = advocate
    }

    init(_ s: ClientScores) {
        stage = s.stage.rawValue
        stageReason = s.stageReason
        previousStage = s.previousStage?.rawValue
        stageSince = s.stageSince.isoDate
        pAlive = s.pAlive.isFinite ? s.pAlive : 0
        expectedPurchases90d = s.expectedPurchases90d.isFinite ? s.expectedPurchases90d : 0
        clv12m = s.clv12m.isFinite ? s.clv12m : 0
        tier = s.tier
        points = s.points
        pointsToNextTier = s.pointsToNextTier
        advocate = s.advocate
    }
}

/// One recommended offer or message, with the reasons in words and every factor.
package struct LiveRecommendation: Sendable, Hashable {
    package var rank: Int
    package var item: String
    package var kind: String
    package var title: String
    package var channel: String
    package var score: Double
    package var text: String?
    /// The checks that admitted it, in order.
    package var reasons: [String]
    package var trigger: String?
    /// With the learned propensity: its reasons in words, strongest first (empty otherwise).
    package var propensityReasons: [String] = []
    /// priority = propensity × value × context × lever, in words.
    package var summary: String
    package var factors: LiveFactors
    /// A brief answer: no summary, factors or propensity reasons (JSON leaves them out).
    package var brief = false

    package init(rank: Int, item: String, kind: String, title: String, channel: String, score: Double, text: String?,
                 reasons: [String], trigger: String?, summary: String, factors: LiveFactors) {
        self.rank = rank
        self.item = item
        self.kind = kind
        self.title = title
        self.channel = channel
        self.score = score
        self.text = text
        self.reasons = reasons
        self.trigger = trigger
        self.summary = summary
        self.factors = factors
    }

    /// - Parameter brief: leave out the priority's explanation (factors, summary, propensity
    ///   reasons), for answers that only show what to do and the checks that admitted it.
    init(_ r: Recommendation, brief: Bool = false) {
        rank = r.rank
        item = r.itemID
        kind = r.kind.rawValue
        title = r.title
        channel = r.channel.rawValue
        score = r.priority.isFinite ? r.priority : 0
        text = r.text
        reasons = r.explanation.admittedBy
        trigger = r.explanation.trigger
        self.brief = brief
        guard !brief else {
            summary = ""
            factors = LiveFactors()
            return
        }
        propensityReasons = r.explanation.propensityReasons
        summary = r.explanation.summary
        factors = LiveFactors(r.explanation.factors)
    }
}

/// The factors of a recommendation's priority by name, in name order (the order the wire form
/// writes them in): a sorted list rather than a dictionary, built without hashing a name.
package struct LiveFactors: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    package private(set) var names: [String] = []
    package private(set) var values: [Double] = []

    package init() {}

    /// The finite factors of `f`.
    package init(_ f: ScoreFactors) {
        let all: [(String, Double)] = [
            ("acceptance", f.acceptance), ("activity", f.activity), ("affinity_lift", f.affinityLift),
            ("channel_fit", f.channelFit), ("contact_recency", f.contactRecency), ("context", f.context),
            ("lever", f.lever), ("life_event_boost", f.lifeEventBoost), ("priority", f.priority),
            ("propensity", f.propensity), ("value", f.value),
        ]
        names.reserveCapacity(all.count)
        values.reserveCapacity(all.count)
        for (name, value) in all where value.isFinite {
            names.append(name)
            values.append(value)
        }
    }

    package init(dictionaryLiteral elements: (String, Double)...) {
        for (name, value) in elements.sorted(by: { $0.0 < $1.0 }) {
            names.append(name)
            values.append(value)
        }
    }

    package var count: Int { names.count }

    /// The factor named `name`, nil when absent.
    package subscript(name: String) -> Double? {
        names.firstIndex(of: name).map { values[$0] }
    }
}

/// An item that was not recommended, and why.
package struct LiveRejection: Sendable, Hashable {
    package var item: String
    package var kind: String
    /// The check that dropped it: validity, do_not_contact, consent, rule, prerequisites,
    /// ownership, contact_policy, ranked_out.
    package var check: String
    package var reason: String
    package var priority: Double?
}
