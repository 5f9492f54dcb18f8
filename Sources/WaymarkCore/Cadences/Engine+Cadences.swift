/// One pass over a client's cadences: the states after it and the steps due now.
package struct CadenceOutcome: Sendable, Hashable {
    /// Every state of the client after the pass (stored ones of cadences no longer in the
    /// catalog included, unchanged), in catalog order.
    package var states: [CadenceState] = []
    /// The states this pass changed (entered, a step sent, finished, exited): what to store,
    /// each stamped with the pass's moment (`movedAt`).
    package var changed: [CadenceState] = []
    /// The steps due now, going out or waiting for the contact policy.
    package var due: [CadenceStepDue] = []

    package init() {}
}

extension Engine {
    /// Walks every cadence of the catalog for one client from its stored states
    /// (``Cadence/advance(_:facts:policy:)`` per cadence), the same way in the nightly run and in
    /// a live answer: whichever comes first moves the state, and the other finds the step done.
    ///
    /// A stored state moved at a later moment than `facts.asOf` (a night replayed after a newer
    /// live answer) is left as it is, and nothing of it is due.
    ///
    /// - Parameters:
    ///   - stored: the client's states as stored (`ClientSnapshot.cadences`).
    ///   - render: fill in each due step's text from its item's template.
    package func advanceCadences(_ stored: [CadenceState], facts: ClientFacts, render: Bool = true) -> CadenceOutcome {
        var outcome = CadenceOutcome()
        guard !catalog.cadences.isEmpty || !stored.isEmpty else { return outcome }
        for cadence in catalog.cadences {
            let current = stored.first { $0.cadenceID == cadence.id }
            if let current, let moved = current.movedAt, moved > facts.asOf {
                outcome.states.append(current)
                continue
            }
            let (next, due) = cadence.advance(current, facts: facts, policy: catalog.contactPolicy)
            if var next {
                if next != current {
                    next.movedAt = facts.asOf
                    outcome.changed.append(next)
                }
                outcome.states.append(next)
            }
            if var due {
                if let index = itemIDs.index(of: due.itemID).map({ itemOfID[$0] }) {
                    let entry = prepared[index]
                    due.kind = entry.kind
                    due.title = entry.title
                    if render, due.waiting == nil { due.text = text(entry, channel: due.channel, facts: facts) }
                }
                outcome.due.append(due)
            }
        }
        for state in stored where !catalog.cadences.contains(where: { $0.id == state.cadenceID }) {
            outcome.states.append(state)
        }
        return outcome
    }

    /// The step going out now as a recommendation: due, not scored (zero factors), explained by
    /// where the client is in the cadence.
    func recommendation(_ due: CadenceStepDue, rank: Int, facts: ClientFacts) -> Recommendation {
        let consent = facts.profile.consents.contains(due.channel) ? "consented" : "consent-exempt (no consent needed)"
        let zero = ScoreFactors(acceptance: 0, alpha: 0, beta: 0, affinityLift: 0, lifeEventBoost: 0, activity: 0, propensity: 0,
                                value: 0, channelFit: 0, contactRecency: 0, context: 0, lever: 0, priority: 0)
        return Recommendation(
            itemID: due.itemID, kind: due.kind, title: due.title, rank: rank, channel: due.channel, priority: 0, text: due.text,
            explanation: Explanation(admittedBy: ["cadence: \(due.description)", "contact policy: under caps", "channel \(due.channel.rawValue): \(consent)"],
                                     factors: zero, cadence: due.description))
    }

    /// `recommend` with the cadences walked: the steps going out now join the answer (ranked
    /// after the messages) and leave the ranked lists, which are ranked anew.
    func withCadences(_ set: RecommendationSet, stored: [CadenceState], facts: ClientFacts, render: Bool) -> RecommendationSet {
        var set = set
        set.cadences = advanceCadences(stored, facts: facts, render: render)
        let going = set.cadences.due.filter { $0.waiting == nil }
        guard !going.isEmpty else { return set }
        let items = Set(going.map(\.itemID))
        func rerank(_ list: [Recommendation]) -> [Recommendation] {
            list.filter { !items.contains($0.itemID) }.enumerated().map { index, r in
                var r = r
                r.rank = index + 1
                return r
            }
        }
        set.offers = rerank(set.offers)
        set.messages = rerank(set.messages)
        set.cadenceSteps = going.enumerated().map { recommendation($1, rank: $0 + 1, facts: facts) }
        return set
    }
}
