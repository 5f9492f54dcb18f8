import Foundation
package import Postgres
package import WaymarkCore

/// A client's lifecycle profile for an advisor: `waymark profile` and the stdio server's
/// `profile` method.
///
/// Stage, CLV, tier and points are computed live (as ``LiveRecommender`` does), the stage
/// history and timeline are read from the tables, and the last run's recommendations from the
/// current night.
package struct ProfileReader {
    package let connection: Connection
    package let context: LiveContext

    package init(connection: Connection, context: LiveContext = .shared) {
        self.connection = connection
        self.context = context
    }

    /// The profile of `clientID` now (or at `asOf`).
    ///
    /// - Parameter timelineLimit: how many of the newest timeline entries to include.
    /// - Throws: ``StoreError`` `.notFound` for an unknown client, `.noCatalog` when no catalog is stored;
    ///   ``PostgresError`` when the database fails.
    package func profile(clientID: String, asOf: Timestamp? = nil, timelineLimit: Int = 15) throws -> LiveProfile {
        let (moment, snapshot, state) = try context.load(clientID: clientID, asOf: asOf, connection: connection)
        let facts = state.engine.facts(for: snapshot, asOf: moment)
        let scores = LiveScores(state.engine.scores(facts))
        let p = snapshot.profile
        let keyFacts = LiveProfile.Facts(
            age: facts.age, tenureDays: facts.tenureDays, purchaseCount: facts.purchaseCount, totalSpend: facts.totalSpend,
            averageSpend: facts.averageSpend, firstPurchase: facts.firstPurchase?.isoDate, lastPurchase: facts.lastPurchase?.isoDate,
            daysSinceLastPurchase: facts.lastPurchase.map { moment.days(since: $0) },
            rfm: "\(facts.recencyScore)\(facts.frequencyScore)\(facts.monetaryScore)",
            ownedCategories: facts.ownedCategories.sorted(), lifeEvents: facts.lastEventByKind.keys.sorted(),
            interactions90d: facts.interactions90d, nextTier: facts.loyalty.nextTier)

        let history = try connection.executeCached("""
            SELECT to_char(changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), stage, previous, reason, run_id
            FROM stage_history WHERE client_id = $1 ORDER BY changed_at DESC LIMIT 20
            """, [.text(clientID)]).map {
            LiveProfile.StageChange(date: $0[0] ?? "", stage: $0[1] ?? "", previous: $0[2], reason: $0[3] ?? "", runID: $0[4].flatMap { Int64($0) })
        }
        let timeline = try connection.executeCached("""
            SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), what, nullif(channel, ''), detail FROM (
                SELECT p.purchased_at AS at, 'purchase' AS what, coalesce(p.channel, '') AS channel,
                       coalesce(pr.name, p.product_id) || ' (' || coalesce(pr.category, '?') || '), ' || p.amount::text AS detail
                FROM purchases p LEFT JOIN products pr ON pr.product_id = p.product_id WHERE p.client_id = $1
                UNION ALL
                SELECT occurred_at, 'interaction', channel, kind || coalesce(' about ' || item_id, '') FROM interactions WHERE client_id = $1
                UNION ALL
                SELECT occurred_at, 'life event', '', kind FROM life_events WHERE client_id = $1
                UNION ALL
                SELECT coalesce(responded_at, presented_at), 'response', channel, item_id || ': ' || outcome FROM responses WHERE client_id = $1
            ) t WHERE at <= to_timestamp($2) ORDER BY at DESC, what LIMIT $3
            """, [.text(clientID), .int(moment.seconds), .int(timelineLimit)])
            .map { row -> LiveProfile.TimelineEntry in
                LiveProfile.TimelineEntry(at: row[0] ?? "", what: row[1] ?? "", channel: row[2], detail: row[3] ?? "")
            }

        var lastRun: LiveProfile.LastRun?
        if !state.runIDs.isEmpty {
            let score = try connection.executeCached("""
                SELECT s.run_id, to_char(r.as_of AT TIME ZONE 'UTC', 'YYYY-MM-DD'), s.stage, s.clv_12m
                FROM client_scores s JOIN scoring_runs r ON r.run_id = s.run_id
                WHERE s.run_id = ANY($2::int8[]) AND s.client_id = $1
                """, [.text(clientID), .intArray(state.runIDs.map(Optional.some))])
            if let row = score.first {
                let runID = try row.decode(Int64.self, at: 0)
                let recommendations = try connection.executeCached("""
                    SELECT rank, item_id, kind, channel, score FROM recommendations WHERE run_id = $1 AND client_id = $2 AND NOT holdout ORDER BY rank
                    """, [.int(runID), .text(clientID)]).map {
                    LiveProfile.RunRecommendation(rank: try $0.decode(Int.self, at: 0), item: try $0.decode(String.self, at: 1),
                                                  kind: try $0.decode(String.self, at: 2), channel: try $0.decode(String.self, at: 3),
                                                  score: try $0.decode(Double.self, at: 4))
                }
                lastRun = LiveProfile.LastRun(runID: runID, asOf: row[1] ?? "", stage: row[2] ?? "", clv12m: try row.decode(Double.self, at: 3),
                                              recommendations: recommendations)
            }
        }
        return LiveProfile(
            clientID: clientID, asOf: moment.isoDate, segment: p.segment, region: p.region,
            accountID: p.accountID.isEmpty ? nil : p.accountID, role: p.role.isEmpty ? nil : p.role,
            consents: p.consents.channels.map(\.rawValue), doNotContact: p.doNotContact,
            scores: scores, facts: keyFacts, stageHistory: history, timeline: timeline, lastRun: lastRun,
            cadences: Self.cadences(snapshot.cadences, catalog: state.engine.catalog),
            loyalty: state.engine.catalog.loyalty.rewardsRelationship ? LiveProfile.Loyalty(facts.loyalty, asOf: moment) : nil)
    }

    /// The stored cadence states, active first, then the ended ones newest first.
    static func cadences(_ states: [CadenceState], catalog: Catalog) -> [LiveProfile.CadenceEntry] {
        let sorted = states.sorted {
            ($0.status == .active) != ($1.status == .active) ? $0.status == .active
                : ($0.endedAt ?? $0.enteredAt) != ($1.endedAt ?? $1.enteredAt) ? ($0.endedAt ?? $0.enteredAt) > ($1.endedAt ?? $1.enteredAt)
                : $0.cadenceID < $1.cadenceID
        }
        return sorted.map { state in
            let cadence = catalog.cadences.first { $0.id == state.cadenceID }
            return LiveProfile.CadenceEntry(
                cadence: state.cadenceID, title: cadence?.title ?? state.cadenceID, status: state.status.rawValue,
                stepsSent: state.step, steps: cadence?.steps.count, enteredAt: state.enteredAt.isoDate,
                nextDue: state.status == .active ? state.nextDue.isoDate : nil,
                nextItem: state.status == .active ? cadence.flatMap { state.step < $0.steps.count ? $0.steps[state.step].itemID : nil } : nil,
                endedAt: state.endedAt?.isoDate, reason: state.reason.isEmpty ? nil : state.reason)
        }
    }
}

/// The answer of ``ProfileReader/profile(clientID:asOf:timelineLimit:)``.
package struct LiveProfile: Sendable, Hashable {
    package var clientID: String
    package var asOf: String
    package var segment: String
    package var region: String
    package var accountID: String?
    package var role: String?
    package var consents: [String]
    package var doNotContact: Bool
    /// Stage, CLV, tier and points now.
    package var scores: LiveScores
    package var facts: Facts
    /// Recorded stage changes, newest first.
    package var stageHistory: [StageChange]
    /// The newest purchases, interactions, life events and responses across channels, newest first.
    package var timeline: [TimelineEntry]
    /// The client's result in the current night, nil before the first run (or a client added since).
    package var lastRun: LastRun?
    /// The client's cadences as stored: active ones first, then finished and exited ones.
    package var cadences: [CadenceEntry] = []
    /// Qualifying and redeemable points apart, with what expires when; only for a programme
    /// with expiry, tier reviews or bonus points (``LoyaltyProgram/rewardsRelationship``).
    package var loyalty: Loyalty? = nil

    package struct Loyalty: Sendable, Hashable {
        /// The balance that can be spent on rewards (after redemptions and expiry).
        package var redeemablePoints: Int
        /// The points that count towards the tier (redemptions do not lower them).
        package var qualifyingPoints: Int
        package var bonusPoints: Int
        package var expiredPoints: Int
        /// Redeemable points expiring within 30 days: the warning `points_expiring_within(30)`.
        package var expiring30d: Int
        /// The next lots to expire, oldest first (at most 5): `YYYY-MM-DD` and points.
        package var nextExpiries: [Expiry]
        /// With a tier review: the day a tier kept through the grace period is lost.
        package var tierHeldUntil: String?

        package struct Expiry: Sendable, Hashable {
            package var date: String
            package var points: Int
        }

        init(_ status: LoyaltyStatus, asOf: Timestamp) {
            redeemablePoints = status.points
            qualifyingPoints = status.qualifyingPoints
            bonusPoints = status.bonusPoints
            expiredPoints = status.expiredPoints
            expiring30d = status.pointsExpiring(within: 30, asOf: asOf)
            nextExpiries = status.expiringLots.filter { $0.expires > asOf && $0.points > 0 }.prefix(5)
                .map { Expiry(date: $0.expires.isoDate, points: $0.points) }
            tierHeldUntil = status.tierHeldUntil?.isoDate
        }
    }

    /// Where the client is, or was, in one cadence.
    package struct CadenceEntry: Sendable, Hashable {
        package var cadence: String
        package var title: String
        /// active, finished or exited.
        package var status: String
        package var stepsSent: Int
        /// The cadence's number of steps; nil when the current catalog no longer has the cadence.
        package var steps: Int?
        /// `YYYY-MM-DD`.
        package var enteredAt: String
        /// For an active cadence: when the next step is due, and its item.
        package var nextDue: String?
        package var nextItem: String?
        package var endedAt: String?
        /// Why it ended ("every step sent", "bought life_cover on 2025-03-26").
        package var reason: String?
    }

    package struct Facts: Sendable, Hashable {
        package var age: Int?
        package var tenureDays: Int
        package var purchaseCount: Int
        package var totalSpend: Double
        package var averageSpend: Double
        package var firstPurchase: String?
        package var lastPurchase: String?
        package var daysSinceLastPurchase: Int?
        /// Recency, frequency and monetary quintile scores, e.g. `545`.
        package var rfm: String
        package var ownedCategories: [String]
        package var lifeEvents: [String]
        package var interactions90d: Int
        package var nextTier: String
    }

    package struct StageChange: Sendable, Hashable {
        package var date: String
        package var stage: String
        package var previous: String?
        package var reason: String
        package var runID: Int64?
    }

    package struct TimelineEntry: Sendable, Hashable {
        /// ISO 8601 in UTC with its zone, `YYYY-MM-DDTHH:MM:SSZ`.
        package var at: String
        /// purchase, interaction, life event, response.
        package var what: String
        /// nil when the entry has no channel (a life event, a purchase without one).
        package var channel: String?
        package var detail: String
    }

    package struct LastRun: Sendable, Hashable {
        package var runID: Int64
        package var asOf: String
        package var stage: String
        package var clv12m: Double
        package var recommendations: [RunRecommendation]
    }

    package struct RunRecommendation: Sendable, Hashable {
        package var rank: Int
        package var item: String
        package var kind: String
        package var channel: String
        package var score: Double
    }
}
