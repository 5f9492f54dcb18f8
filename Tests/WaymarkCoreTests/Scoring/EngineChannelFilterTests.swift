import Testing
@testable import WaymarkCore

/// A requested channel is an eligibility condition: ranking and top-k happen among the items
/// that can go out on it (issue 15, item 1).
@Suite struct EngineChannelFilterTests {
    static let catalog = """
          - { id: o-phone, kind: offer, title: Phone, category: savings, channels: [phone], value: 1000 }
          - { id: o-web, kind: offer, title: Web, category: pension, channels: [web, email], value: 10 }
        """

    @Test func theRequestedChannelFiltersBeforeRankingAndIsTheChosenChannel() throws {
        let engine = Engine(catalog: try EngineScoringTests.catalog(Self.catalog))
        let client = Fixture.client("A", consents: [.email, .web, .phone, .app])
        // Without a channel the phone offer wins the single slot.
        #expect(engine.recommend(for: client, asOf: Fixture.asOf, options: RecommendOptions(maxOffers: 1)).offers.map(\.itemID) == ["o-phone"])
        // With web requested, the web offer is the answer, on web, and the phone offer says why not.
        let web = engine.recommend(for: client, asOf: Fixture.asOf,
                                   options: RecommendOptions(explainRejections: true, maxOffers: 1, channel: .web))
        #expect(web.offers.map(\.itemID) == ["o-web"])
        #expect(web.offers.map(\.channel) == [.web])
        #expect(web.notRecommended.map(\.itemID) == ["o-phone"])
        #expect(web.notRecommended.first?.check == .channel)
        #expect(web.notRecommended.first?.reason == "not on the requested channel web: the item goes out on phone")
    }

    @Test func theConsentWhyNotListsTheClientsRealConsents() throws {
        let engine = Engine(catalog: try EngineScoringTests.catalog(Self.catalog))
        let client = Fixture.client("A", consents: [.email, .phone, .app, .sms])
        let web = engine.recommend(for: client, asOf: Fixture.asOf, options: RecommendOptions(explainRejections: true, channel: .web))
        #expect(web.offers.isEmpty)
        let consent = try #require(web.notRecommended.first { $0.itemID == "o-web" })
        #expect(consent.check == .consent)
        #expect(consent.reason == "no consented channel among the requested channel web (client consents: email, sms, phone, app)")
    }
}
