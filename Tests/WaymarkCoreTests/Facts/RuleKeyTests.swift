import Testing
@testable import WaymarkCore

/// Literal arguments of timeline functions are fingerprinted at compile time and answered by
/// the `RuleKey` queries; these must agree with the `String` queries.
@Suite struct RuleKeyTests {
    /// Two ids with the same length and the same first and last eight bytes: equal fingerprints.
    static let owned = "fund-index-1-eq-fund"
    static let twin = "fund-index-2-eq-fund"

    static func facts() -> ClientFacts {
        var snapshot = EngineFactsTests.sample()
        snapshot.purchases.append(Purchase(productID: owned, category: "investment", at: Fixture.day(-50), amountCents: 1000))
        snapshot.responses.append(Response(itemID: "offer-will", channel: .email, presentedAt: Fixture.day(-100), outcome: .accepted,
                                           respondedAt: Fixture.day(-99)))
        return ClientFacts(snapshot: snapshot, asOf: Fixture.asOf, loyalty: EngineFactsTests.loyalty)
    }

    @Test func collidingFingerprintsAreToldApart() {
        #expect(RuleKey(Self.owned).fingerprint == RuleKey(Self.twin).fingerprint)
        let facts = Self.facts()
        #expect(facts.owns(product: RuleKey(Self.owned)))
        #expect(!facts.owns(product: RuleKey(Self.twin)))
        #expect(facts.daysSincePurchase(RuleKey(Self.owned)) == 50)
        #expect(facts.daysSincePurchase(RuleKey(Self.twin)) == nil)
    }

    @Test func keyedQueriesAgreeWithStringQueries() {
        let facts = Self.facts()
        let names = ["fund-index", "sav-easy", "pension-plan", "life-term", "pension", "savings", "investment", "",
                     "child_born", "marriage", "home_purchase", "offer-will", "offer-pension", Self.owned, Self.twin]
        for name in names {
            let key = RuleKey(name)
            #expect(facts.owns(product: key) == facts.owns(product: name), "owns \(name)")
            #expect(facts.ownsCategory(key) == facts.ownsCategory(name), "owns_category \(name)")
            #expect(facts.daysSincePurchase(key) == facts.daysSincePurchase(name), "days_since_purchase \(name)")
            #expect(facts.daysSinceEvent(key) == facts.daysSinceEvent(name), "days_since_event \(name)")
            for days in [0, 20, 30, 50, 200, 400, 1000] {
                #expect(facts.boughtWithin(key, days: days) == facts.boughtWithin(name, days: days), "bought_within \(name) \(days)")
                #expect(facts.eventWithin(key, days: days) == facts.eventWithin(name, days: days), "event_within \(name) \(days)")
                for outcome in RuleFunction.outcomes {
                    #expect(facts.respondedWithin(key, outcome: outcome, days: days)
                            == facts.respondedWithin(name, outcome: outcome, days: days), "responded_within \(name) \(outcome) \(days)")
                }
            }
        }
        // Spot checks of the answers themselves.
        #expect(facts.boughtWithin(RuleKey("pension"), days: 30))
        #expect(!facts.boughtWithin(RuleKey("investment"), days: 49))
        #expect(facts.boughtWithin(RuleKey("investment"), days: 50))
        #expect(facts.eventWithin(RuleKey("child_born"), days: 20))
        #expect(!facts.eventWithin(RuleKey("child_born"), days: 19))
        #expect(facts.daysSinceEvent(RuleKey("marriage")) == 700)
        #expect(facts.respondedWithin(RuleKey("offer-will"), outcome: "accepted", days: 100))
        #expect(!facts.respondedWithin(RuleKey("offer-will"), outcome: "accepted", days: 98))
        #expect(facts.respondedWithin(RuleKey("offer-will"), outcome: "declined", days: 10))
    }

    @Test func literalArgumentsCompileToKeys() throws {
        let rule = try CompiledRule(#"owns("fund-index") && owns_category("pen" + "sion") && bought_within("savings", 400) && event_within("child_born", 30) && responded_within("offer-will", "declined", 30)"#)
        #expect(rule.program.keys.map(\.text) == ["fund-index", "pension", "savings", "child_born", "offer-will"])
        #expect(rule.evaluate(Self.facts()))
        // Through the default `RuleKey` queries of another context, the same answer.
        #expect(!rule.evaluate(TestRuleContext.sample))
        let values = try CompiledRule(#"[days_since_purchase("savings"), days_since_event("marriage"), days_since_event("x")]"#, expecting: nil)
        #expect(values.evaluateValue(Self.facts()) == .list([.int(400), .int(700), .null]))
    }

    @Test func eventTableFollowsTheDictionary() {
        var facts = Self.facts()
        #expect(!facts.eventWithin(RuleKey("retirement"), days: 10))
        facts.lastEventByKind["retirement"] = Fixture.day(-5)
        #expect(facts.eventWithin(RuleKey("retirement"), days: 10))
        #expect(facts.eventWithin("retirement", days: 5))
        #expect(facts.daysSinceEvent(RuleKey("retirement")) == 5)
        #expect(facts.value(of: .lifeEvents) == .list([.string("child_born"), .string("marriage"), .string("retirement")]))
    }

    @Test func constantStringListsAreComparedNotHashed() throws {
        let rule = try CompiledRule(#"stage in ["active", "loyal"]"#)
        #expect(rule.program.strings == [["active", "loyal"]])
        #expect(rule.program.sets.isEmpty)
        #expect(rule.evaluate(TestRuleContext.sample))
        #expect(!(try CompiledRule(#"stage in ["lapsed"]"#).evaluate(TestRuleContext.sample)))
        #expect(!(try CompiledRule(#"stage in []"#).evaluate(TestRuleContext.sample)))
        // Values of other types and null are never found, as with a hashed set.
        #expect(try CompiledRule(#"attributes.risk_profile in ["balanced", "bold"]"#).evaluate(TestRuleContext.sample))
        #expect(!(try CompiledRule(#"attributes.branch in ["42"]"#).evaluate(TestRuleContext.sample)))
        #expect(!(try CompiledRule(#"attributes.unset in ["a"]"#).evaluate(TestRuleContext.sample)))
        // Long lists and lists of other types keep the hashed set.
        let long = try CompiledRule(#"attributes.risk_profile in ["a", "b", "c", "d", "e", "f", "g", "h", "balanced"]"#)
        #expect(long.program.strings.isEmpty && long.program.sets.count == 1)
        #expect(long.evaluate(TestRuleContext.sample))
        let numbers = try CompiledRule(#"attributes.branch in [41, 42]"#)
        #expect(numbers.program.strings.isEmpty && numbers.program.sets.count == 1)
        #expect(numbers.evaluate(TestRuleContext.sample))
    }
}

/// The fingerprint of the facts' string tables: the length mixed with the first and the last
/// eight UTF-8 bytes, whatever the string's representation.
@Suite struct SmallKeysFingerprintTests {
    /// The definition, computed from the bytes.
    static func reference(_ text: String) -> UInt64 {
        let bytes = Array(text.utf8)
        let n = bytes.count
        func littleEndian(_ from: Int) -> UInt64 {
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[from + $1]) << UInt64(8 * $1) }
        }
        var head: UInt64 = 0
        var tail: UInt64 = 0
        if n >= 8 {
            head = littleEndian(0)
            tail = littleEndian(n - 8)
        } else {
            for byte in bytes { head = head << 8 | UInt64(byte) }
        }
        return (head &* 0x9E37_79B9_7F4A_7C15) ^ (tail &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(n)
    }

    @Test func everyLengthMatchesTheDefinition() {
        let alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
        for n in 0...alphabet.utf8.count {
            // Stored inline up to 15 bytes, in a heap buffer beyond: both paths are covered.
            let text = String(alphabet.prefix(n))
            #expect(SmallKeys.fingerprint(text) == Self.reference(text), "length \(n)")
        }
        // Multi-byte characters: bytes, not characters, count.
        for text in ["é", "épargne", "épargne-é", "fonds-éthique-é", "🙂🙂🙂🙂"] {
            #expect(SmallKeys.fingerprint(text) == Self.reference(text), "\(text)")
        }
    }

    @Test func tablesFindEveryKeyOfEveryLength() {
        var keys = SmallKeys(capacity: 4)
        let texts = (0...20).map { String(repeating: "k", count: $0) } + ["review", "referral", "épargne-é"]
        for text in texts { #expect(keys.insert(text).inserted) }
        for (i, text) in texts.enumerated() {
            #expect(keys.index(of: text) == i)
            let again = keys.insert(text)
            #expect(again.index == i && !again.inserted)
        }
        #expect(keys.index(of: "kk-") == nil)
    }

    /// A long key is the same key whichever storage its text sits in: the cache of recent
    /// string values only answers for the very same value, the text decides otherwise. Tables
    /// grow from the scanned size (16 keys) into the slotted one without losing a key.
    @Test func keysAreFoundByTextWhateverTheirStorage() {
        // Each call builds a new heap string: equal text, different storage (and bits).
        func fresh(_ text: String) -> String { String(decoding: Array(text.utf8), as: UTF8.self) }
        let texts = (0..<40).map { "product-with-a-long-id-\($0)" } + (0..<10).map { "p\($0)" }
        var table = SmallLastSeen(capacity: 4)
        for (k, text) in texts.enumerated() {
            #expect(table.record(fresh(text), Timestamp(seconds: Int64(k))) == k)
            // The very same value, and an equal one in another storage, find the same key.
            let value = fresh(text)
            #expect(table.record(value, Timestamp(seconds: 0)) == k)
            #expect(table.record(value, Timestamp(seconds: 0)) == k)
            #expect(table.keys.index(of: fresh(text)) == k)
        }
        #expect(table.keys.keys.count == texts.count)
        // Every earlier key is still found, with its latest time.
        for (k, text) in texts.enumerated().reversed() {
            #expect(table.keys.index(of: fresh(text)) == k, "\(text)")
            #expect(table.last(fresh(text)) == Timestamp(seconds: Int64(k)))
            #expect(table.record(text, Timestamp(seconds: 1_000 + Int64(k))) == k)
        }
        #expect(table.last("product-with-a-long-id-7") == Timestamp(seconds: 1_007))
        #expect(table.keys.index(of: "product-with-a-long-id-40") == nil)
        #expect(table.keys.index(of: "p10") == nil)
    }

    /// The facts' product table, read through the bits of each line's product id, gives what
    /// the text gives: equal ids in separate storages are one product.
    @Test func purchasesOfOneProductInSeparateStoragesAreOneProduct() {
        func fresh(_ text: String) -> String { String(decoding: Array(text.utf8), as: UTF8.self) }
        var snapshot = EngineFactsTests.sample()
        let long = "fund-index-accumulating-class-b"
        for day in [-300, -200, -100, -10] {
            snapshot.purchases.append(Purchase(productID: fresh(long), category: fresh("investment"), at: Fixture.day(day), amountCents: 100))
            snapshot.purchases.append(Purchase(productID: fresh("sav-easy"), category: "savings", at: Fixture.day(day), amountCents: 100))
        }
        snapshot.purchases.sort { $0.at < $1.at }
        let facts = ClientFacts(snapshot: snapshot, asOf: Fixture.asOf, loyalty: EngineFactsTests.loyalty)
        #expect(facts.ownedProducts.filter { $0 == long }.count == 1)
        #expect(facts.lastPurchaseOfProduct.keys.keys.filter { $0 == long }.count == 1)
        #expect(facts.daysSincePurchase(long) == 10)
        #expect(facts.daysSincePurchase("sav-easy") == 10)
        #expect(facts.lastPurchaseOfProduct.keys.keys.count == Set(snapshot.purchases.map(\.productID)).count)
    }
}
