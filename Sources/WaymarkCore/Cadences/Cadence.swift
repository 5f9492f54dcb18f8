/// A catalog sequence of follow-ups: "follow up by e-mail, then by phone, send something of value,
/// then the offer" (`cadences:` in the catalog, docs/catalog.md).
///
/// A client enters when `enter` is true (a rule, which may name a life event:
/// `event_within("child_born", 30)`); each step is a catalog item sent on a channel a number of
/// days after the previous step; the client leaves when an exit condition holds (a purchase of
/// the target, a response to one of the steps, a change of stage, a rule) or after the last step.
package struct Cadence: Sendable {
    package struct Step: Sendable, Hashable {
        /// A catalog item (a message, an offer, or an advisor task: an item on the `advisor` or `phone` channel).
        package var itemID: String
        package var channel: Channel
        /// Days after the previous step (after entering, for the first).
        package var delayDays: Int

        package init(itemID: String, channel: Channel, delayDays: Int) {
            self.itemID = itemID
            self.channel = channel
            self.delayDays = delayDays
        }
    }

    package var id: String
    package var title: String
    /// Who enters.
    package var enter: CatalogRule?
    package var steps: [Step]
    /// Leave on a purchase of any of these products or categories.
    package var exitOnPurchase: [String] = []
    /// Leave when the client accepts or declines one of the steps' items.
    package var exitOnResponse = true
    /// Leave when the client's stage is no longer the one they entered in.
    package var exitOnStageChange = false
    /// Leave when this rule is true.
    package var exitWhen: CatalogRule?
    /// Days after leaving before the client may enter again; nil: never again.
    package var reentryDays: Int?
    /// Days a due step may wait for the contact policy (a missing consent, do-not-contact, a cap)
    /// before it is skipped and the cadence moves on; nil: it waits as long as it takes.
    package var maxWaitDays: Int? = Cadence.defaultMaxWaitDays
    /// The default of `max_wait_days`.
    package static let defaultMaxWaitDays = 30

    package init(id: String, title: String, enter: CatalogRule? = nil, steps: [Step]) {
        self.id = id
        self.title = title
        self.enter = enter
        self.steps = steps
    }
}

/// Where one client is in one cadence; stored per client (`cadence_states`).
package struct CadenceState: Sendable, Hashable, Codable {
    package enum Status: String, Sendable, Hashable, Codable {
        /// Walking the steps.
        case active
        /// Every step was sent.
        case finished
        /// Left on an exit condition.
        case exited
    }

    package var cadenceID: String
    package var status: Status
    /// The index of the next step to send (= the number of steps sent).
    package var step: Int
    package var enteredAt: Timestamp
    /// When the next step is due (for an active state).
    package var nextDue: Timestamp
    /// The stage the client was in on entering.
    package var entryStage: String
    /// When it finished or exited; why it exited.
    package var endedAt: Timestamp?
    package var reason: String
    /// The moment (as_of) of the pass that last moved it; nil until it is stored. A pass at an
    /// earlier moment (a night replayed after a later live answer) leaves the state alone.
    package var movedAt: Timestamp?

    package init(cadenceID: String, status: Status, step: Int, enteredAt: Timestamp, nextDue: Timestamp, entryStage: String,
                 endedAt: Timestamp? = nil, reason: String = "", movedAt: Timestamp? = nil) {
        self.cadenceID = cadenceID
        self.status = status
        self.step = step
        self.enteredAt = enteredAt
        self.nextDue = nextDue
        self.entryStage = entryStage
        self.endedAt = endedAt
        self.reason = reason
        self.movedAt = movedAt
    }
}

extension Timestamp: Codable {
    package init(from decoder: any Decoder) throws { self.init(seconds: try decoder.singleValueContainer().decode(Int64.self)) }
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(seconds)
    }
}

/// A step that is due now: sent (and the state moved on), or waiting for the contact policy.
package struct CadenceStepDue: Sendable, Hashable {
    package var cadenceID: String
    package var cadenceTitle: String
    /// 1-based.
    package var step: Int
    package var steps: Int
    package var itemID: String
    package var channel: Channel
    package var startedDaysAgo: Int
    /// Nil when the step goes out now; otherwise why it waits (a cap, a missing consent, do-not-contact).
    package var waiting: String?
    /// The step waited longer than the cadence's `max_wait_days` and was skipped (`waiting` says
    /// why it could not go out): the cadence moved on without it.
    package var skipped = false
    /// Days the step has been due.
    package var overdueDays = 0
    /// When the client entered the cadence.
    package var enteredAt: Timestamp
    /// The item's kind and title, and its rendered text (set by ``Engine/advanceCadences(_:facts:render:)``).
    package var kind: CatalogItem.Kind = .message
    package var title = ""
    package var text: String?

    /// "step 2 of 4 of the new-parent cadence, started 9 days ago".
    package var description: String {
        let started = startedDaysAgo <= 0 ? "started today" : startedDaysAgo == 1 ? "started 1 day ago" : "started \(startedDaysAgo) days ago"
        let held = waiting.map { why in
            skipped ? "; skipped after waiting \(counted(overdueDays, "day")): \(why)" : "; waits: \(why)"
        }
        return "step \(step) of \(steps) of the \(cadenceID) cadence, \(started)" + (held ?? "")
    }
}
