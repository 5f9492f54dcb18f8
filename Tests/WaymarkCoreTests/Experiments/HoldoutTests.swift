import Foundation
import Testing
@testable import WaymarkCore

@Suite("Holdout: sticky membership, no offers, service messages exempt, per-item holdouts")
struct HoldoutTests {
    static let ids = (1...20_000).map { String(format: "C%07d", $0) }

    @Test("the share of clients held out is the share asked for, and a larger share only adds clients")
    func shareAndNesting() {
        let small = Holdout(share: 0.05, salt: "2026"), large = Holdout(share: 0.10, salt: "2026")
        let inSmall = Set(Self.ids.filter(small.contains)), inLarge = Set(Self.ids.filter(large.contains))
        #expect(abs(Double(inSmall.count) / Double(Self.ids.count) - 0.05) < 0.006, "\(inSmall.count)")
        #expect(abs(Double(inLarge.count) / Double(Self.ids.count) - 0.10) < 0.008, "\(inLarge.count)")
        #expect(inSmall.isSubset(of: inLarge))
        // Another salt draws another group.
        let other = Set(Self.ids.filter(Holdout(share: 0.10, salt: "2027").contains))
        #expect(Double(other.intersection(inLarge).count) < 0.2 * Double(inLarge.count))
        #expect(!Holdout(share: 0, salt: "x").contains("C0000001"))
    }

    @Test("membership is a pure function of (salt, client id): the same in another process")
    func stableAcrossProcesses() throws {
        // FNV-1a + SplitMix64 over the length-prefixed salt and id; pinned so that a change of
        // the function (which would move every client between groups) cannot go unnoticed.
        var hash = StableHash()
        hash.add("2026")
        hash.add("C0000042")
        #expect(Holdout.position(salt: "2026", clientID: "C0000042") == Double(hash.finished >> 11) / 9_007_199_254_740_992.0)
        #expect(hash.hex.count == 16)
        // Pinned against an independent FNV-1a + SplitMix64 (computed in Python): texts, an empty
        // one, non-ASCII, a negative and a positive number.
        var pinned = StableHash()
        for text in ["C0001", "", "é✓ client"] { pinned.add(text) }
        pinned.add(Int64(-5))
        pinned.add(Int64(1_735_689_600))
        #expect(pinned.hex == "3cede1cebffdad61")
        // Swift's own Hasher is seeded per process; ours is not: two values computed now agree
        // with the values recorded by the nightly run in another process (tested end to end in
        // ExperimentsCLITests); here, the function is deterministic within and across calls.
        let first = Self.ids.prefix(100).map { Holdout.position(salt: "s", clientID: $0) }
        let second = Self.ids.prefix(100).map { Holdout.position(salt: "s", clientID: $0) }
        #expect(first == second)
        #expect(first.allSatisfy { (0..<1).contains($0) })
    }

    static let catalog = """
        version: "h-1"
        holdout: {share: 1, salt: "all"}
        items:
          - {id: offer-a, kind: offer, title: A, category: investment, channels: [email], value: 100}
          - {id: offer-b, kind: offer, title: B, category: insurance, channels: [email], value: 50}
          - {id: msg-receipt, kind: message, title: Receipt, channels: [email], service: true, template: "Your receipt"}
          - {id: msg-promo, kind: message, title: Promo, channels: [email], template: "Buy more"}
        """

    @Test("a held-out client gets no offers and no marketing message, only service messages; what was withheld is kept")
    func heldOutClientGetsNoOffers() throws {
        let catalog = try CatalogLoader.load(Self.catalog, file: "h.yaml")
        let engine = Engine(catalog: catalog)
        var open = catalog
        open.holdout = nil
        let treated = Engine(catalog: open).recommend(for: Fixture.client("C1"), asOf: Fixture.asOf)
        let held = engine.recommend(for: Fixture.client("C1"), asOf: Fixture.asOf, options: RecommendOptions(explainRejections: true))
        #expect(!treated.offers.isEmpty)
        #expect(held.heldOut)
        #expect(held.offers.isEmpty)
        #expect(held.messages.map(\.itemID) == ["msg-receipt"])
        #expect(held.messages.first?.rank == 1)
        #expect(held.withheld.map(\.itemID) == treated.offers.map(\.itemID) + ["msg-promo"])
        #expect(held.withheld.map(\.priority) == (treated.offers + treated.messages.filter { $0.itemID == "msg-promo" }).map(\.priority))
        #expect(held.notRecommended.filter { $0.check == .holdout }.map(\.itemID).sorted() == ["msg-promo", "offer-a", "offer-b"])
    }

    @Test("a per-item holdout withholds that item only, from the clients in its own group")
    func perItemHoldout() throws {
        let catalog = try CatalogLoader.load("""
            version: "h-2"
            items:
              - {id: offer-new, kind: offer, title: New, category: investment, channels: [email], value: 100, holdout: {share: 0.5}}
              - {id: offer-old, kind: offer, title: Old, category: insurance, channels: [email], value: 50}
            """, file: "h2.yaml")
        let engine = Engine(catalog: catalog)
        let item = try #require(catalog.items.first?.holdout)
        #expect(item.salt == "offer-new")
        var withheld = 0
        for id in Self.ids.prefix(400) {
            let set = engine.recommend(for: Fixture.client(id), asOf: Fixture.asOf)
            #expect(!set.heldOut)
            #expect(set.offers.contains { $0.itemID == "offer-old" })
            let inGroup = item.contains(id)
            #expect(set.offers.contains { $0.itemID == "offer-new" } == !inGroup)
            #expect(set.withheld.map(\.itemID) == (inGroup ? ["offer-new"] : []))
            if inGroup { withheld += 1 }
        }
        #expect(withheld > 150 && withheld < 250)
    }

    @Test("holdout mistakes are reported with where and how to fix them")
    func catalogErrors() {
        func errors(_ text: String) -> String {
            do {
                _ = try CatalogLoader.load(text, file: "bad.yaml")
                return ""
            } catch {
                return error.description
            }
        }
        #expect(errors("version: \"1\"\nholdout: {share: 0.1}\nitems: []\n").contains("holdout: needs 'salt'"))
        #expect(errors("version: \"1\"\nholdout: {share: 1.5, salt: x}\nitems: []\n").contains("holdout.share"))
        #expect(errors("version: \"1\"\nholdout: {shares: 0.1, salt: x}\nitems: []\n").contains("unknown key 'shares'"))
        #expect(errors("""
            version: "1"
            items:
              - {id: o, kind: offer, title: O, category: c, channels: [email], service: true}
            """).contains("service: true is for messages"))
    }
}
