extension Cadence {
    /// Moves one client's state in this cadence to `facts.asOf`, the same way in the nightly run
    /// and in a live answer (so whichever comes first advances it, and the other finds it done).
    ///
    /// In order: a client not in the cadence (or allowed back after `reentry_days`) enters when
    /// `enter` is true; an active client leaves on an exit condition; otherwise, when the next step
    /// is due, it goes out if the contact policy lets it (consent, do-not-contact, the caps) and
    /// the state moves to the following step (or finishes after the last); a step the policy
    /// blocks waits, unchanged, and says why, until it has waited more than `maxWaitDays` after it
    /// fell due: then it is skipped (the returned step says so) and the state moves on as if sent.
    ///
    /// - Returns: the new state (nil when the client is not and does not become a member) and the
    ///   step due now, if any.
    package func advance(_ current: CadenceState?, facts: ClientFacts, policy: ContactPolicy) -> (state: CadenceState?, due: CadenceStepDue?) {
        let now = facts.asOf
        var state = current
        if state == nil || (state!.status != .active && reentryDays.map { days in state!.endedAt.map { now.days(since: $0) >= days } ?? false } == true) {
            guard enter?.evaluate(facts) ?? false, let first = steps.first else { return (current, nil) }
            state = CadenceState(cadenceID: id, status: .active, step: 0, enteredAt: now, nextDue: now.adding(days: first.delayDays),
                                 entryStage: facts.stage.stage.rawValue)
        }
        guard var s = state, s.status == .active else { return (state, nil) }
        if let reason = exitReason(s, facts: facts) {
            s.status = .exited
            s.endedAt = now
            s.reason = reason
            return (s, nil)
        }
        guard s.step < steps.count, s.nextDue <= now else { return (s, nil) }
        let step = steps[s.step]
        var due = CadenceStepDue(cadenceID: id, cadenceTitle: title, step: s.step + 1, steps: steps.count, itemID: step.itemID,
                                 channel: step.channel, startedDaysAgo: max(0, now.days(since: s.enteredAt)), waiting: nil,
                                 enteredAt: s.enteredAt)
        if let blocked = Self.blocked(step.channel, facts: facts, policy: policy) {
            due.waiting = blocked
            due.overdueDays = max(0, now.days(since: s.nextDue))
            // Held back too long (no consent that may never come, do-not-contact, a cap that keeps
            // filling): skipped, and the cadence moves on rather than waiting for ever.
            guard let limit = maxWaitDays, due.overdueDays > limit else { return (s, due) }
            due.skipped = true
        }
        s.step += 1
        if s.step < steps.count {
            s.nextDue = now.adding(days: steps[s.step].delayDays)
        } else {
            s.status = .finished
            s.endedAt = now
            s.reason = due.skipped ? "last step skipped after waiting \(counted(due.overdueDays, "day")): \(due.waiting ?? "")" : "every step sent"
        }
        return (s, due)
    }

    /// Why an active member leaves now, nil to stay.
    func exitReason(_ state: CadenceState, facts: ClientFacts) -> String? {
        for target in exitOnPurchase {
            if let at = facts.lastPurchase(of: target), at >= state.enteredAt { return "bought \(target) on \(at.isoDate)" }
        }
        if exitOnResponse {
            let items = Set(steps.map(\.itemID))
            for response in facts.responses where items.contains(response.itemID)
                && (response.outcome == .accepted || response.outcome == .declined) {
                let at = response.respondedAt ?? response.presentedAt
                if at >= state.enteredAt { return "\(response.outcome.rawValue) \(response.itemID) on \(at.isoDate)" }
            }
        }
        if exitOnStageChange, facts.stage.stage.rawValue != state.entryStage {
            return "stage changed from \(state.entryStage) to \(facts.stage.stage.rawValue)"
        }
        if let rule = exitWhen, rule.evaluate(facts) { return "exit rule true: \(rule.source)" }
        return nil
    }

    /// Why the contact policy holds a step on `channel` back now, nil when it may go out.
    static func blocked(_ channel: Channel, facts: ClientFacts, policy: ContactPolicy) -> String? {
        let contact = ContactState(facts: facts, policy: policy)
        if contact.suppressed { return contact.suppressionReason }
        if !facts.profile.consents.contains(channel) && !policy.consentExempt.contains(channel) {
            return "no consent for \(channel.rawValue)"
        }
        if contact.capped.contains(channel) { return "capped: \(contact.capReason[channel] ?? channel.rawValue)" }
        return nil
    }
}
