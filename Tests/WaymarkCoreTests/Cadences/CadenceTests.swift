import Foundation
import Testing
@testable import WaymarkCore

/// Cadences (issue 18 item 1): a client walks a sequence step by step, whichever of the nightly
/// run and a live answer comes first advancing it; a capped step waits and says so; a purchase of
/// the target ends it.
@Suite("Cadences")
struct CadenceTests {
    static let catalogText = """
        version: "cadence-1"
        contact_policy:
          caps: [{ channel: email, max: 1, window_days: 7 }]
          consent_exempt_channels: [advisor]
        items:
          - { id: msg-congrats, kind: message, title: Congratulations, template: "Congratulations", channels: [email] }
          - { id: task-call, kind: message, title: Call the new parents, template: "Call the new parents", channels: [advisor] }
          - { id: offer-life, kind: offer, title: Life cover, category: life_cover, channels: [email] }
          - { id: msg-checkin, kind: message, title: How are you doing, template: "How are you doing", channels: [email] }
          - { id: msg-news, kind: message, title: Newsletter, template: "Newsletter", channels: [email] }
        cadences:
          - id: new-parent
            title: New parents
            enter: event_within("child_born", 30)
            steps:
              - { item: msg-congrats, channel: email, delay_days: 0 }
              - { item: task-call, channel: advisor, delay_days: 7 }
              - { item: offer-life, channel: email, delay_days: 7 }
              - { item: msg-checkin, channel: email, delay_days: 14 }
            exit: { purchase: [life_cover], response: true }
        """

    static let day0 = Timestamp(year: 2025, month: 3, day: 1)
    static func d(_ n: Int) -> Timestamp { day0.adding(days: n) }

    /// The client as the database holds it on day `n`: what happened up to then.
    struct Client {
        var purchases: [Purchase] = []
        var responses: [Response] = []
        func snapshot() -> ClientSnapshot {
            ClientSnapshot(profile: ClientProfile(id: "P1", firstSeen: CadenceTests.d(-400), consents: ChannelSet([.email])),
                           purchases: purchases, lifeEvents: [LifeEvent(kind: "child_born", at: CadenceTests.d(0))],
                           responses: responses.sorted { $0.presentedAt > $1.presentedAt })
        }
    }

    @Test("enter on the life event, a step per due day across nightly runs and live answers, a capped step waits, a purchase ends it")
    func walk() throws {
        let catalog = try CatalogLoader.load(Self.catalogText, file: "c.yaml")
        let cadence = try #require(catalog.cadences.first)
        #expect(cadence.steps.map(\.itemID) == ["msg-congrats", "task-call", "offer-life", "msg-checkin"])
        let engine = Engine(catalog: catalog)
        var client = Client()
        var state: CadenceState?
        /// One pass (a night or a live answer: the same code) on day `n`; a step that goes out is recorded as presented.
        func pass(_ n: Int) -> CadenceStepDue? {
            let (next, due) = cadence.advance(state, facts: engine.facts(for: client.snapshot(), asOf: Self.d(n)), policy: catalog.contactPolicy)
            state = next
            if let due, due.waiting == nil {
                client.responses.append(Response(itemID: due.itemID, channel: due.channel, presentedAt: Self.d(n), outcome: .presented))
            }
            return due
        }

        // Night of day 2: the child was born on day 0, so the client enters and step 1 goes out.
        let first = try #require(pass(2))
        #expect(first.description == "step 1 of 4 of the new-parent cadence, started today")
        #expect(state?.step == 1 && state?.enteredAt == Self.d(2) && state?.nextDue == Self.d(9) && state?.status == .active)
        // A live answer on day 5: nothing due yet, nothing changes.
        #expect(pass(5) == nil)
        #expect(state?.step == 1)
        // Live on day 9: the advisor's call is due (advisor needs no consent, no email cap applies).
        let call = try #require(pass(9))
        #expect(call.description == "step 2 of 4 of the new-parent cadence, started 7 days ago")
        #expect(call.itemID == "task-call" && call.channel == .advisor && call.waiting == nil)
        // The night of day 9 finds the step already sent by the live answer: nothing due twice.
        #expect(pass(9) == nil)
        #expect(state?.step == 2 && state?.nextDue == Self.d(16))
        // Another e-mail on day 12 fills the cap (1 per 7 days): on day 16 the offer waits, and says why.
        client.responses.append(Response(itemID: "msg-news", channel: .email, presentedAt: Self.d(12), outcome: .presented))
        let capped = try #require(pass(16))
        #expect(capped.step == 3 && capped.itemID == "offer-life")
        #expect(capped.waiting == "capped: 1 contacts on email in the last 7 days (cap 1)")
        #expect(capped.description.hasPrefix("step 3 of 4 of the new-parent cadence, started 14 days ago; waits: capped"))
        #expect(state?.step == 2)    // not advanced
        // Day 19 the cap window has passed: the offer goes out.
        let offer = try #require(pass(19))
        #expect(offer.step == 3 && offer.waiting == nil)
        #expect(state?.step == 3 && state?.nextDue == Self.d(33))
        // The client buys life cover on day 25: the next pass ends the cadence, nothing more is due.
        client.purchases.append(Purchase(productID: "life-1", category: "life_cover", at: Self.d(25), amountCents: 10_000))
        #expect(pass(26) == nil)
        #expect(state?.status == .exited && state?.reason == "bought life_cover on \(Self.d(25).isoDate)" && state?.endedAt == Self.d(26))
        #expect(pass(40) == nil)   // no re-entry (no reentry_days), no step
        #expect(state?.status == .exited)
    }

    @Test("a client outside the entry rule never enters; a response to a step exits; the last step finishes it")
    func exitsAndFinish() throws {
        let catalog = try CatalogLoader.load(Self.catalogText, file: "c.yaml")
        let cadence = try #require(catalog.cadences.first)
        let engine = Engine(catalog: catalog)
        func facts(_ client: Client, _ n: Int) -> ClientFacts { engine.facts(for: client.snapshot(), asOf: Self.d(n)) }
        // Day 40: the event is older than 30 days.
        #expect(cadence.advance(nil, facts: facts(Client(), 40), policy: catalog.contactPolicy).state == nil)
        // Declining the offer ends it.
        var client = Client()
        var state = cadence.advance(nil, facts: facts(client, 1), policy: catalog.contactPolicy).state
        client.responses.append(Response(itemID: "offer-life", channel: .email, presentedAt: Self.d(3), outcome: .declined, respondedAt: Self.d(4)))
        state = cadence.advance(state, facts: facts(client, 5), policy: catalog.contactPolicy).state
        #expect(state?.status == .exited && state?.reason == "declined offer-life on \(Self.d(4).isoDate)")
        // Every step sent: finished.
        var walking = CadenceState(cadenceID: "new-parent", status: .active, step: 3, enteredAt: Self.d(1), nextDue: Self.d(30), entryStage: "active")
        let (end, due) = cadence.advance(walking, facts: facts(Client(), 30), policy: catalog.contactPolicy)
        #expect(due?.step == 4 && end?.status == .finished && end?.reason == "every step sent")
        walking.status = .finished
        #expect(cadence.advance(walking, facts: facts(Client(), 31), policy: catalog.contactPolicy).due == nil)
    }

    @Test("a step held back longer than max_wait_days (default 30) is skipped and the cadence moves on; 'never' waits for ever")
    func aStepThatCannotGoOutIsSkippedAfterTheWait() throws {
        // Steps 2 and 4 go out on sms, which the client never consented to.
        let text = Self.catalogText
            .replacingOccurrences(of: "{ item: task-call, channel: advisor, delay_days: 7 }", with: "{ item: task-call, channel: sms, delay_days: 7 }")
            .replacingOccurrences(of: "{ item: msg-checkin, channel: email, delay_days: 14 }", with: "{ item: msg-checkin, channel: sms, delay_days: 14 }")
            .replacingOccurrences(of: "channels: [advisor] }", with: "channels: [advisor, sms] }")
            .replacingOccurrences(of: "template: \"How are you doing\", channels: [email] }", with: "template: \"How are you doing\", channels: [email, sms] }")
        let catalog = try CatalogLoader.load(text, file: "c.yaml")
        let cadence = try #require(catalog.cadences.first)
        #expect(cadence.maxWaitDays == Cadence.defaultMaxWaitDays)
        let engine = Engine(catalog: catalog)
        func facts(_ n: Int) -> ClientFacts { engine.facts(for: Client().snapshot(), asOf: Self.d(n)) }
        // Day 1: enters, step 1 (e-mail) goes out; step 2 falls due on day 8.
        var state = try #require(cadence.advance(nil, facts: facts(1), policy: catalog.contactPolicy).state)
        #expect(state.step == 1 && state.nextDue == Self.d(8))
        // Day 20: step 2 waits for a consent, unchanged.
        let (waiting, due) = cadence.advance(state, facts: facts(20), policy: catalog.contactPolicy)
        #expect(waiting == state)
        #expect(due?.waiting == "no consent for sms" && due?.skipped == false)
        #expect(due?.description.hasSuffix("; waits: no consent for sms") == true, "\(due?.description ?? "")")
        // Day 39, 31 days after it fell due: skipped; step 3 is due 7 days later.
        let (moved, skipped) = cadence.advance(state, facts: facts(39), policy: catalog.contactPolicy)
        #expect(skipped?.skipped == true && skipped?.step == 2 && skipped?.overdueDays == 31)
        #expect(skipped?.description == "step 2 of 4 of the new-parent cadence, started 38 days ago; skipped after waiting 31 days: no consent for sms")
        state = try #require(moved)
        #expect(state.step == 2 && state.status == .active && state.nextDue == Self.d(46))
        // The last step, on sms too, is skipped after its wait and the cadence ends saying why.
        state.step = 3
        state.nextDue = Self.d(60)
        let (end, last) = cadence.advance(state, facts: facts(91), policy: catalog.contactPolicy)
        #expect(last?.skipped == true && end?.status == .finished)
        #expect(end?.reason == "last step skipped after waiting 31 days: no consent for sms")

        // max_wait_days: never keeps the step waiting; a number sets the wait.
        let patient = try CatalogLoader.load(text.replacingOccurrences(of: "exit: { purchase", with: "max_wait_days: never\n    exit: { purchase"), file: "c.yaml")
        let forever = try #require(patient.cadences.first)
        #expect(forever.maxWaitDays == nil)
        let stayed = forever.advance(state, facts: facts(400), policy: patient.contactPolicy)
        #expect(stayed.state == state && stayed.due?.skipped == false)
        let short = try CatalogLoader.load(text.replacingOccurrences(of: "exit: { purchase", with: "max_wait_days: 3\n    exit: { purchase"), file: "c.yaml")
        #expect(short.cadences.first?.maxWaitDays == 3)
        do {
            _ = try CatalogLoader.load(text.replacingOccurrences(of: "exit: { purchase", with: "max_wait_days: soon\n    exit: { purchase"), file: "c.yaml")
            Issue.record("max_wait_days: soon was accepted")
        } catch {
            #expect("\(error)".contains("max_wait_days"), "\(error)")
        }
    }

    @Test("catalog mistakes in a cadence are reported with the position and a hint")
    func catalogErrors() {
        let text = Self.catalogText.replacingOccurrences(of: "{ item: task-call, channel: advisor", with: "{ item: task-cal, channel: advisor")
        do {
            _ = try CatalogLoader.load(text, file: "c.yaml")
            Issue.record("a step naming an unknown item was accepted")
        } catch {
            #expect("\(error)".contains("cadence 'new-parent': unknown item 'task-cal'; did you mean 'task-call'?"), "\(error)")
        }
    }
}
