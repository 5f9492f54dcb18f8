import Testing
@testable import WaymarkCore

/// The contact policy's treatment of inbound channels (`inbound`) and the follow-up of accepted
/// offers (`follow_up_accepted_days`).
@Suite struct EngineContactPolicyTests {
    static func catalog(_ items: String, policy: String) throws(CatalogError) -> Catalog {
        try CatalogLoader.load("""
        version: t1
        contact_policy:
        \(policy)
        items:
        \(items)
        """, file: "t.yaml")
    }

    static let offer = "  - { id: o1, kind: offer, title: O, category: savings, channels: [email, web] }"
    static let explain = RecommendOptions(explainRejections: true)

    static func presented(_ item: String, _ channel: Channel, _ day: Int, _ outcome: Response.Outcome = .presented,
                          respondedDay: Int? = nil) -> Response {
        Response(itemID: item, channel: channel, presentedAt: Fixture.day(day), outcome: outcome,
                 respondedAt: respondedDay.map { Fixture.day($0) } ?? (outcome == .presented ? nil : Fixture.day(day)))
    }

    /// The lines of an item admitted under the policy are built once per item, channel and
    /// consent state; they must read as the ones built for a follow-up: every check in order.
    @Test func theAdmissionLinesUnderThePolicyNameEveryCheck() throws {
        let items = """
          - { id: o1, kind: offer, title: O, category: savings, channels: [email, web], valid_from: 2020-01-01, when: 'stage != "lapsed"', cooldown_days: 9 }
        """
        let engine = Engine(catalog: try Self.catalog(items, policy: "  consent_exempt_channels: [web]\n  do_not_contact: inbound_only"))
        let consented = engine.recommend(for: Fixture.client("A", consents: [.email]), asOf: Fixture.asOf)
        #expect(consented.offers.first?.explanation.admittedBy == [
            "valid 2020-01-01 to …", "when: stage != \"lapsed\"", "contact policy: no presentation within 9 days, under caps",
            "channel email: consented",
        ])
        let exempt = engine.recommend(for: Fixture.client("B", consents: []), asOf: Fixture.asOf)
        #expect(exempt.offers.first?.explanation.admittedBy.last == "channel web: consent-exempt (no consent needed)")
        let quiet = engine.recommend(for: Fixture.client("C", consents: [.email], doNotContact: true), asOf: Fixture.asOf)
        #expect(quiet.offers.first?.explanation.admittedBy.last == "channel web: inbound only (do not contact)")
    }

    @Test func withInboundExemptACapOnAllChannelsCountsAndClosesOutreachOnly() throws {
        let policy = """
          consent_exempt_channels: [web]
          caps: [{ channel: any, max: 2, window_days: 30 }]
        """
        let limited = Engine(catalog: try Self.catalog(Self.offer, policy: policy))
        let exempt = Engine(catalog: try Self.catalog(Self.offer, policy: policy + "\n  inbound: exempt"))
        let twoEmails = Fixture.client("A", consents: [.email], responses: [
            Self.presented("m1", .email, -3), Self.presented("m2", .email, -9),
        ])
        // Limited: the cap closes every channel, the web page too.
        let closed = limited.recommend(for: twoEmails, asOf: Fixture.asOf, options: Self.explain)
        #expect(closed.offers.isEmpty)
        #expect(closed.notRecommended.first?.reason == "contact cap reached: 2 contacts in all channels in the last 30 days (cap 2)")
        // Exempt: email is closed, the web page where the client comes to us is not.
        let open = exempt.recommend(for: twoEmails, asOf: Fixture.asOf)
        #expect(open.offers.map(\.channel) == [.web])
        let onlyEmail = Engine(catalog: try Self.catalog(
            "  - { id: o1, kind: offer, title: O, category: savings, channels: [email] }", policy: policy + "\n  inbound: exempt"))
        let refused = onlyEmail.recommend(for: twoEmails, asOf: Fixture.asOf, options: Self.explain)
        #expect(refused.notRecommended.first?.reason == "contact cap reached: 2 contacts in all outreach channels in the last 30 days (cap 2)")

        // Inbound presentations do not use up the outreach budget when exempt; they do when limited.
        let threeVisits = Fixture.client("B", consents: [.email], responses: (1...3).map { Self.presented("m\($0)", .web, -$0) })
        #expect(exempt.recommend(for: threeVisits, asOf: Fixture.asOf).offers.map(\.channel) == [.email])
        #expect(limited.recommend(for: threeVisits, asOf: Fixture.asOf).offers.isEmpty)
    }

    @Test func aCapNamingAnInboundChannelStillHoldsWhenExempt() throws {
        let engine = Engine(catalog: try Self.catalog(Self.offer, policy: """
          consent_exempt_channels: [web]
          inbound: exempt
          caps: [{ channel: web, max: 1, window_days: 7 }]
        """))
        let client = Fixture.client("A", consents: [], responses: [Self.presented("m1", .web, -2)])
        let result = engine.recommend(for: client, asOf: Fixture.asOf, options: Self.explain)
        #expect(result.offers.isEmpty)
        #expect(result.notRecommended.first?.reason == "contact cap reached: 1 contacts on web in the last 7 days (cap 1)")
    }

    @Test func duringItsCooldownAnItemIsShownOnInboundChannelsOnlyWhenExempt() throws {
        let policy = "  consent_exempt_channels: [web]"
        let presented = Fixture.client("A", consents: [.email], responses: [Self.presented("o1", .email, -5)])

        let limited = Engine(catalog: try Self.catalog(Self.offer, policy: policy))
            .recommend(for: presented, asOf: Fixture.asOf, options: Self.explain)
        #expect(limited.offers.isEmpty)
        #expect(limited.notRecommended.first?.reason == "presented 5 days ago; cooldown is 14 days")

        let exempt = Engine(catalog: try Self.catalog(Self.offer, policy: policy + "\n  inbound: exempt"))
        let shown = exempt.recommend(for: presented, asOf: Fixture.asOf)
        #expect(shown.offers.map(\.channel) == [.web])
        #expect(shown.offers.first?.explanation.admittedBy.contains(
            "contact policy: presented 5 days ago, within the 14-day cooldown: inbound channels only, under caps") == true)
        // After the cooldown, outreach is open again (email is preferred).
        let later = Fixture.client("B", consents: [.email], responses: [Self.presented("o1", .email, -20)])
        #expect(exempt.recommend(for: later, asOf: Fixture.asOf).offers.map(\.channel) == [.email])

        // A decline's cooldown holds everywhere.
        let declined = Fixture.client("C", consents: [.email], responses: [Self.presented("o1", .web, -10, .declined)])
        let refused = exempt.recommend(for: declined, asOf: Fixture.asOf, options: Self.explain)
        #expect(refused.offers.isEmpty)
        #expect(refused.notRecommended.first?.reason == "declined 10 days ago; cooldown after a decline is 90 days")

        // An item without an inbound channel waits out its cooldown.
        let emailOnly = Engine(catalog: try Self.catalog(
            "  - { id: o1, kind: offer, title: O, category: savings, channels: [email] }", policy: policy + "\n  inbound: exempt"))
        #expect(emailOnly.recommend(for: presented, asOf: Fixture.asOf, options: Self.explain).notRecommended.first?.reason
                == "presented 5 days ago; cooldown is 14 days")
    }

    @Test func anAcceptedOfferIsFollowedUpUntilTheClientBuys() throws {
        // Repeatable, so that owning the category does not decide on its own.
        let topUp = "  - { id: o1, kind: offer, title: O, category: savings, channels: [email, web], repeatable: true }"
        let followUp = Engine(catalog: try Self.catalog(topUp, policy: "  follow_up_accepted_days: 30"),
                              products: Fixture.advisorProducts)
        let accepted = Self.presented("o1", .email, -6, .accepted, respondedDay: -5)
        let result = followUp.recommend(for: Fixture.client("A", consents: [.email], responses: [accepted]), asOf: Fixture.asOf)
        #expect(result.offers.map(\.itemID) == ["o1"])
        let offer = try #require(result.offers.first)
        #expect(offer.explanation.factors.acceptance == 1)
        #expect(offer.explanation.admittedBy.contains(
            "follow-up: accepted on 2024-05-27 (email), not bought since: no cooldown, acceptance 1, under caps"))

        // Bought since the presentation: no follow-up, the cooldown holds.
        let bought = Fixture.client("B", consents: [.email], purchases: [Fixture.purchase("sav-easy", -2)], responses: [accepted])
        #expect(followUp.recommend(for: bought, asOf: Fixture.asOf, options: Self.explain).notRecommended.first?.reason
                == "presented 6 days ago; cooldown is 14 days")
        // A purchase before the presentation does not count.
        let boughtBefore = Fixture.client("C", consents: [.email], purchases: [Fixture.purchase("sav-easy", -60)], responses: [accepted])
        #expect(followUp.recommend(for: boughtBefore, asOf: Fixture.asOf).offers.first?.explanation.factors.acceptance == 1)
        // An acceptance recorded after as_of is not known yet: the offer is only presented.
        let notYet = Fixture.client("D", consents: [.email], responses: [Self.presented("o1", .email, -6, .accepted, respondedDay: 1)])
        #expect(followUp.recommend(for: notYet, asOf: Fixture.asOf).offers.isEmpty)
        // Accepted longer ago than the policy's window: an ordinary offer again.
        let old = Fixture.client("E", consents: [.email], responses: [Self.presented("o1", .email, -45, .accepted)])
        let ordinary = try #require(followUp.recommend(for: old, asOf: Fixture.asOf).offers.first)
        #expect(ordinary.explanation.factors.acceptance < 1)
        // A newer acceptance outweighs an older decline.
        let changedMind = Fixture.client("F", consents: [.email], responses: [
            Self.presented("o1", .email, -40, .declined), accepted,
        ])
        #expect(followUp.recommend(for: changedMind, asOf: Fixture.asOf).offers.map(\.itemID) == ["o1"])
        // Off by default.
        let off = Engine(catalog: try Self.catalog(Self.offer, policy: "  cooldown_after_presented_days: 14"))
        #expect(off.recommend(for: Fixture.client("G", consents: [.email], responses: [accepted]), asOf: Fixture.asOf).offers.isEmpty)
    }

    @Test func aFollowUpStillRespectsCapsAndDoNotContact() throws {
        let engine = Engine(catalog: try Self.catalog(Self.offer, policy: """
          follow_up_accepted_days: 30
          caps: [{ channel: any, max: 1, window_days: 30 }]
        """))
        let accepted = Self.presented("o1", .email, -6, .accepted, respondedDay: -5)
        let capped = engine.recommend(for: Fixture.client("A", consents: [.email], responses: [accepted]), asOf: Fixture.asOf,
                                      options: Self.explain)
        #expect(capped.offers.isEmpty)
        #expect(capped.notRecommended.first?.check == .contactPolicy)
        let quiet = engine.recommend(for: Fixture.client("B", consents: [.email], responses: [accepted], doNotContact: true),
                                     asOf: Fixture.asOf, options: Self.explain)
        #expect(quiet.notRecommended.first?.check == .doNotContact)
    }

    @Test func theLoaderReadsAndChecksTheNewKeys() throws {
        let catalog = try Self.catalog(Self.offer, policy: """
          consent_exempt_channels: [web, advisor]
          inbound: exempt
          follow_up_accepted_days: 21
        """)
        #expect(catalog.contactPolicy.inbound == .exempt)
        #expect(catalog.contactPolicy.followUpAcceptedDays == 21)
        let defaults = try Self.catalog(Self.offer, policy: "  caps: []")
        #expect(defaults.contactPolicy.inbound == .limited)
        #expect(defaults.contactPolicy.followUpAcceptedDays == 0)

        for (policy, message) in [
            ("  consent_exempt_channels: [web]\n  inbound: sometimes",
             "t.yaml:4:12: error: contact_policy.inbound must be one of limited, exempt, found 'sometimes'"),
            ("  inbound: exempt",
             "t.yaml:3:12: error: contact_policy.inbound: exempt has no effect while consent_exempt_channels is empty; list the channels where the client comes to you there (e.g. [web, advisor])"),
            ("  follow_up_accepted_days: -1", "t.yaml:3:28: error: contact_policy.follow_up_accepted_days"),
        ] {
            do {
                _ = try Self.catalog(Self.offer, policy: policy)
                Issue.record("loaded: \(policy)")
            } catch {
                #expect(error.diagnostics.map(\.description).contains { $0.hasPrefix(message) }, "\(error.diagnostics)")
            }
        }
    }
}
