import Foundation
import Testing
@testable import WaymarkCore
import WaymarkGenerator

@Suite struct EngineCatalogTests {
    @Test func exampleCatalogsLoadAgainstTheGeneratorProducts() throws {
        let advisor = try Fixture.loadExample("financial-advisor.yaml", products: Fixture.advisorProducts)
        #expect(advisor.offers.count == 9)
        #expect(advisor.messages.count == 8)
        #expect(advisor.summary == "OK: 9 offers, 8 messages, version 2024.06-advisor")
        #expect(Set(advisor.offers.map(\.id)) == Set(GeneratorCatalog.offerItemIds(.advisor)))
        #expect(Set(advisor.messages.map(\.id)) == Set(GeneratorCatalog.messageItemIds))
        #expect(advisor.loyalty.tiers.map(\.name) == ["Member", "Silver", "Gold"])

        let retail = try Fixture.loadExample("retail.yaml", products: Fixture.retailProducts)
        #expect(Set(retail.offers.map(\.id)) == Set(GeneratorCatalog.offerItemIds(.retail)))
        // Every message the generator answers, plus the expiry warning (no generated responses).
        #expect(Set(retail.messages.map(\.id)) == Set(GeneratorCatalog.messageItemIds + ["msg-points-expiring"]))
        #expect(retail.loyalty.categoryMultipliers["subscription"] == 2)
        #expect(retail.loyalty.expiryDays == 730 && retail.loyalty.bonusPoints == ["referral": 250, "review": 50])
        #expect(retail.loyalty.tierReview == nil)
    }

    @Test func fiveDifferentMistakesAreAllReportedWithPositions() {
        let text = """
        version: "1"
        name: broken
        items:
          - id: offer-a
            kind: offer
            titel: Typo in a key
            category: investment
            channels: [email]
          - id: offer-b
            kind: offer
            title: Wrong type
            category: investment
            channels: [email]
            lever: high
          - id: offer-a
            kind: offer
            title: Duplicate id
            category: investment
            channels: [email]
          - id: offer-c
            kind: offer
            title: Dangling product
            product: fund-indx
            channels: [email]
          - id: offer-d
            kind: offer
            title: Bad rule
            category: investment
            channels: [email]
            when: purchse_count > 2
          - id: msg-e
            kind: message
            title: Bad template
            channels: [email]
            template: "Hello {{#tier}} unclosed"
        """
        do {
            _ = try CatalogLoader.load(text, file: "broken.yaml", references: CatalogReferences(products: Fixture.advisorProducts))
            Issue.record("a broken catalog loaded")
        } catch {
            let lines = error.description.split(separator: "\n").map(String.init)
            // One line per mistake, in document order, then the count.
            #expect(lines.count == 7, "\(error.description)")
            #expect(lines[0] == "broken.yaml:6:5: error: item 'offer-a': unknown key 'titel'; did you mean 'title'?")
            #expect(lines[1] == "broken.yaml:14:12: error: item 'offer-b': lever must be a number, found 'high'")
            #expect(lines[2].hasPrefix("broken.yaml:15:9: error: duplicate item id 'offer-a' (first defined at 4:9)"))
            #expect(lines[3] == "broken.yaml:23:14: error: item 'offer-c': unknown product 'fund-indx'; did you mean 'fund-index'?")
            #expect(lines[4] == "broken.yaml:30:11: error: item 'offer-d': rule: unknown fact 'purchse_count'; did you mean 'purchase_count'?")
            #expect(lines[5].hasPrefix("broken.yaml:35:40: error:"), "\(lines[5])")
            #expect(lines[5].contains("item 'msg-e': template does not compile: a section '{{#name}}' is never closed"))
            #expect(lines.last == "6 errors in catalog")
        }
    }

    @Test func unknownTemplateValuesAndRuleReferencesAreDangling() {
        let text = """
        version: 2
        items:
          - id: msg-a
            kind: message
            title: A
            channels: [email]
            when: owns("fund-idx") && responded_within("msg-b", "accepted", 30)
            template: "Hi {{pointz}}"
        """
        do {
            _ = try CatalogLoader.load(text, file: "c.yaml", references: CatalogReferences(products: Fixture.advisorProducts))
            Issue.record("loaded")
        } catch {
            let messages = error.diagnostics.map(\.description)
            #expect(messages.contains("c.yaml:7:16: error: item 'msg-a': rule: unknown product 'fund-idx' in owns; did you mean 'fund-index'?"), "\(messages)")
            #expect(messages.contains { $0.hasPrefix("c.yaml:7:48: error: item 'msg-a': rule: unknown item id 'msg-b'") }, "\(messages)")
            #expect(messages.contains("c.yaml:8:19: error: item 'msg-a': template names unknown value 'pointz'; did you mean 'points'?"), "\(messages)")
        }
    }

    /// The Mustache parser recurses once per nested section: a template nesting too deep is a
    /// catalog error at the section that goes over, not a stack overflow (1,000 levels crashed
    /// catalog check), also when set-delimiter tags hide the sections from a `{{` scan.
    @Test func deeplyNestedTemplateSectionsAreAnErrorNotACrash() throws {
        let limit = MessageTemplate.maximumSectionDepth
        func catalog(_ template: String) -> String {
            "version: \"1\"\nitems:\n  - { id: msg-a, kind: message, title: A, channels: [email], template: '\(template)' }\n"
        }
        let fits = String(repeating: "{{#points}}", count: limit) + "x" + String(repeating: "{{/points}}", count: limit)
        let rendered = try CatalogLoader.load(catalog(fits), file: "t.yaml").items[0].template!
        #expect(rendered.names == ["points"])
        for (template, column) in [
            (String(repeating: "{{#points}}", count: 100_000) + String(repeating: "{{/points}}", count: 100_000), 11 * limit),
            (String(repeating: "{{^tier}}", count: limit + 1) + String(repeating: "{{/tier}}", count: limit + 1), 9 * limit),
            ("{{=<% %>=}}" + String(repeating: "<%#points%>", count: 5_000) + String(repeating: "<%/points%>", count: 5_000), 11 + 11 * limit),
        ] {
            do {
                _ = try CatalogLoader.load(catalog(template), file: "t.yaml")
                Issue.record("loaded")
            } catch {
                let expected = "t.yaml:3:\(73 + column): error: item 'msg-a': template does not compile: sections are nested more than \(limit) deep"
                #expect(error.diagnostics.map(\.description) == [expected])
            }
        }
    }

    /// Numbers the engine turns into dates or allocations are bounded at load: a huge delay once
    /// trapped the scoring run (a date past the end of time), a huge top_offers every answer.
    @Test func daysAndListSizesAreBoundedAtLoad() throws {
        let text = try String(contentsOfFile: Fixture.examplePath("retail.yaml"), encoding: .utf8)
        let products = Fixture.products(GeneratorCatalog.retail)
        func load(_ edits: [(String, String)]) throws(CatalogError) -> Catalog {
            var edited = text
            for (old, new) in edits { edited = edited.replacingOccurrences(of: old, with: new) }
            return try CatalogLoader.load(edited, file: "retail.yaml", references: CatalogReferences(products: products))
        }
        // The limits themselves load.
        let edge = try load([("delay_days: 10 }", "delay_days: 36525 }"), ("onboarding_days: 60", "onboarding_days: 36525"),
                             ("top_offers: 3", "top_offers: 1000")])
        #expect(edge.settings.lifecycle.onboardingDays == 36_525 && edge.settings.arbitration.topOffers == 1_000)
        let cases: [((String, String), String)] = [
            (("delay_days: 10 }", "delay_days: 99999999999999 }"),
             "cadence 'onboarding': steps[].delay_days must be at most 36525 (100 years), found 99999999999999"),
            (("onboarding_days: 60", "onboarding_days: 36526"),
             "settings.lifecycle.onboarding_days must be at most 36525 (100 years), found 36526"),
            (("top_offers: 3", "top_offers: 9223372036854775807"),
             "settings.arbitration.top_offers must be at most 1000, found 9223372036854775807"),
        ]
        for (edit, expected) in cases {
            do {
                _ = try load([edit])
                Issue.record("loaded: \(expected)")
            } catch {
                #expect(error.diagnostics.contains { $0.description.hasSuffix(expected) }, "\(error.diagnostics.map(\.description))")
            }
        }
    }

    @Test("settings.lifetime: model, penalty and time unit, with their defaults; a bad model is named")
    func lifetimeSettings() throws {
        let defaults = try CatalogLoader.load("version: \"1\"\n", file: "d.yaml").settings.lifetime
        #expect(defaults.model == "mbgnbd" && defaults.penalty == 0 && defaults.timeUnitDays == 7)
        let set = try CatalogLoader.load("""
            version: "1"
            settings:
              lifetime: { model: bgnbd, penalty: 0.01, time_unit_days: 1 }
            """, file: "s.yaml").settings.lifetime
        #expect(set.model == "bgnbd" && set.penalty == 0.01 && set.timeUnitDays == 1)
        do {
            _ = try CatalogLoader.load("""
                version: "1"
                settings:
                  lifetime: { model: pareto, penalty: -1 }
                """, file: "b.yaml")
            Issue.record("loaded")
        } catch {
            #expect(error.description.contains("settings.lifetime.model must be bgnbd or mbgnbd, found 'pareto'"), "\(error.description)")
            #expect(error.description.contains("settings.lifetime.penalty"), "\(error.description)")
        }
    }

    @Test func aDuplicateItemIsStillCheckedForItsOwnMistakes() {
        let text = """
        version: "1"
        items:
          - id: offer-a
            kind: offer
            title: First
            category: investment
            channels: [email]
          - id: offer-a
            kind: offer
            titel: Second, with a typo
            category: investment
            channels: [emial]
            when: purchse_count > 2
        """
        do {
            _ = try CatalogLoader.load(text, file: "dup.yaml")
            Issue.record("a catalog with a duplicate id loaded")
        } catch {
            let messages = error.diagnostics.map(\.description)
            #expect(messages.count == 4, "\(messages)")
            #expect(messages.contains { $0.hasPrefix("dup.yaml:8:9: error: duplicate item id 'offer-a' (first defined at 3:9)") }, "\(messages)")
            #expect(messages.contains("dup.yaml:10:5: error: item 'offer-a': unknown key 'titel'; did you mean 'title'?"), "\(messages)")
            #expect(messages.contains { $0.hasPrefix("dup.yaml:12:16: error:") && $0.contains("emial") }, "\(messages)")
            #expect(messages.contains("dup.yaml:13:11: error: item 'offer-a': rule: unknown fact 'purchse_count'; did you mean 'purchase_count'?"), "\(messages)")
        }
    }

    @Test func aTierTheCatalogDoesNotDefineIsReported() {
        func diagnostics(tiers: String) -> [String] {
            let text = """
            version: "1"
            \(tiers)
            items:
              - id: msg-a
                kind: message
                title: A
                channels: [email]
                when: tier == "Platinum" || tier == "Sliver"
                template: Hello
            """
            do {
                _ = try CatalogLoader.load(text, file: "t.yaml")
                return []
            } catch {
                return error.diagnostics.map(\.description)
            }
        }
        let none = diagnostics(tiers: "")
        #expect(none.count == 2, "\(none)")
        #expect(none.first?.hasPrefix("t.yaml:8:19: error: item 'msg-a': rule: unknown tier 'Platinum': the catalog defines no tiers") == true, "\(none)")

        let defined = diagnostics(tiers: "loyalty: { tiers: [{ name: Silver, threshold: 0 }, { name: Gold, threshold: 100 }] }")
        #expect(defined == [
            "t.yaml:8:19: error: item 'msg-a': rule: unknown tier 'Platinum'; known tiers: Gold, Silver",
            "t.yaml:8:41: error: item 'msg-a': rule: unknown tier 'Sliver'; did you mean 'Silver'?",
        ], "\(defined)")
    }

    @Test func aCatalogForOtherDataSaysSo() throws {
        // The retail catalog against the adviser's products: not one reference is known.
        let text = try String(contentsOfFile: Fixture.examplePath("retail.yaml"), encoding: .utf8)
        do {
            _ = try CatalogLoader.load(text, file: "retail.yaml", references: CatalogReferences(products: Fixture.advisorProducts))
            Issue.record("loaded")
        } catch {
            let hint = try #require(error.hint)
            #expect(hint.hasPrefix("none of the \(error.diagnostics.count) references to products and categories in this catalog is known (the known categories are estate_planning, insurance, "), "\(hint)")
            #expect(hint.hasSuffix("): is this the catalog for this data?"))
            #expect(error.description.split(separator: "\n").suffix(2).first == "hint: \(hint)"[...])
        }
        // One mistake among known names: no hint, just the mistake.
        do {
            _ = try CatalogLoader.load("""
            version: "1"
            items:
              - { id: o1, kind: offer, title: A, category: savings, channels: [web] }
              - { id: o2, kind: offer, title: B, category: savngs, channels: [web] }
            """, file: "t.yaml", references: CatalogReferences(products: Fixture.advisorProducts))
            Issue.record("loaded")
        } catch {
            #expect(error.hint == nil)
            #expect(error.diagnostics.map(\.message) == ["item 'o2': unknown category 'savngs'; did you mean 'savings'?"])
        }
    }

    @Test func jsonIsAcceptedAndDefaultsApply() throws {
        let json = """
        {"version": "j1", "name": "json", "settings": {"arbitration": {"top_offers": 2}},
         "items": [{"id": "o1", "kind": "offer", "title": "T", "category": "savings", "channels": ["web"],
                    "when": "stage == \\"prospect\\"", "prior": {"alpha": 2, "beta": 18}}]}
        """
        let catalog = try CatalogLoader.load(json, file: "c.json")
        #expect(catalog.version == "j1")
        #expect(catalog.settings.arbitration.topOffers == 2)
        #expect(catalog.settings.arbitration.maxMessages == 2)
        #expect(catalog.items[0].prior == BetaPrior(alpha: 2, beta: 18))
        #expect(catalog.items[0].when?.explain == #"stage == "prospect""#)
        #expect(catalog.contactPolicy.cooldownAfterDeclinedDays == 90)
    }

    @Test func aBlockScalarRuleReportsFilePositions() {
        let text = """
        version: "1"
        items:
          - id: o1
            kind: offer
            title: T
            category: savings
            channels: [web]
            when: |
              stage == "active"
                && ownz("x")
        """
        do {
            _ = try CatalogLoader.load(text, file: "b.yaml")
            Issue.record("loaded")
        } catch {
            #expect(error.diagnostics.count == 1)
            #expect(error.diagnostics.first?.location == SourceLocation(file: "b.yaml", line: 10, column: 12), "\(error)")
        }
    }

    @Test func yamlSyntaxErrorsHavePositions() {
        do {
            _ = try CatalogLoader.load("version: 1\nitems: [\n", file: "s.yaml")
            Issue.record("loaded")
        } catch {
            #expect(error.diagnostics.count == 1)
            #expect(error.diagnostics[0].description.hasPrefix("s.yaml:"))
            #expect(error.diagnostics[0].message.hasPrefix("invalid YAML"))
        }
    }

    @Test func missingRequiredKeysAndBadSettingsAreReported() {
        let text = """
        name: x
        settings:
          lifecycle: { lapsed_p_alive: 2 }
        contact_policy:
          caps: [{ channel: emial, max: 1, window_days: 7 }, { max: 1, window_days: 7, per: household }]
        items:
          - { id: "bad id!", kind: gift, channels: [] }
        """
        do {
            _ = try CatalogLoader.load(text, file: "m.yaml")
            Issue.record("loaded")
        } catch {
            let text = error.description
            #expect(text.contains("m.yaml:1:1: error: catalog: missing required key 'version'"))
            #expect(text.contains("lapsed_p_alive must be between 0 and 1, found 2"))
            #expect(text.contains("unknown channel 'emial'; did you mean 'email'?"))
            #expect(text.contains("m.yaml:5:85: error: contact_policy.caps[].per: 'household' is not one of client, account"))
            #expect(text.contains("item id 'bad id!' must be 1 to 64 characters"))
            #expect(text.contains("kind must be 'offer' or 'message', found 'gift'"))
            #expect(text.contains("missing required key 'title'"))
        }
    }
}

@Suite struct EngineProductsCSVTests {
    @Test func productsCSVFeedsTheReferenceCheck() throws {
        let csv = "product_id,name,category,list_price,repeatable\nfund-index,\"Index fund, global\",investment,1500.00,true\nlife-term,Term life,life_cover,360,\n"
        let products = try ProductDirectory.parseCSV(csv, file: "products.csv")
        #expect(products["fund-index"] == ProductInfo(id: "fund-index", name: "Index fund, global", category: "investment", priceCents: 150_000, repeatable: true))
        #expect(products["life-term"]?.repeatable == false)
        #expect(products.categories == ["investment", "life_cover"])
        do {
            _ = try CatalogLoader.load("version: 1\nitems:\n  - { id: o, kind: offer, title: T, category: wills, channels: [web] }\n",
                                       file: "c.yaml", references: CatalogReferences(products: products))
            Issue.record("loaded")
        } catch {
            #expect(error.diagnostics.map(\.description) == ["c.yaml:3:47: error: item 'o': unknown category 'wills'"])
        }
    }

    @Test func aProductsFileWithoutTheKeyColumnsIsRejected() {
        #expect(throws: CatalogError.self) { try ProductDirectory.parseCSV("id,name\nx,y\n", file: "p.csv") }
    }
}
