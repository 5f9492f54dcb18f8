import Testing
@testable import WaymarkCore

/// The plain-template fast path must render exactly what Mustache renders.
@Suite struct EngineTemplateRenderingTests {
    static func facts(firstName: String?) -> ClientFacts {
        var snapshot = Fixture.client("C<&>'\"1", purchases: [Fixture.purchase("beans-house", -30, amount: 12.5),
                                                               Fixture.purchase("kit-espresso", -10, amount: 80)])
        if let firstName { snapshot.profile.attributes["first_name"] = .string(firstName) }
        return ClientFacts(snapshot: snapshot, asOf: Fixture.asOf)
    }

    @Test func plainPartsSplitTextAndVariablesOnly() {
        #expect(MessageTemplate.plainParts(of: "Hi {{ first_name }}, {{points}} pts")
            == [.text("Hi "), .variable("first_name"), .text(", "), .variable("points"), .text(" pts")])
        #expect(MessageTemplate.plainParts(of: "no tags") == [.text("no tags")])
        #expect(MessageTemplate.plainParts(of: "{{#first_name}}x{{/first_name}}") == nil)
        #expect(MessageTemplate.plainParts(of: "{{{title}}}") == nil)
        #expect(MessageTemplate.plainParts(of: "{{attributes.vip}}") == nil)
        #expect(MessageTemplate.plainParts(of: "{{! comment }}") == nil)
    }

    @Test func plainRenderingMatchesMustache() throws {
        let catalog = try Fixture.loadExample("retail.yaml", products: Fixture.retailProducts)
        var sources = catalog.items.compactMap { $0.template?.source }
        sources += [
            "Hello {{first_name}}! {{ points }} points, tier {{tier}} → {{next_tier}} in {{points_to_next_tier}}.",
            "{{client_id}} on {{as_of}}: {{title}} / {{product_name}} via {{channel}}; age {{age}}, p {{p_alive}}",
            "{{stage}} {{total_spend}} {{average_spend}} {{segment}}{{region}}",
        ]
        var item = try #require(catalog.items.first { $0.kind == .message })
        item.product = "kit-espresso"
        var plain = 0
        // Escaping, none (copied as it is), and a quote carrying a combining accent.
        for firstName in ["Zoë <&> \"O'Neil\"", "Zoë", "e\u{301}\"\u{301}'x", nil] {
            let facts = Self.facts(firstName: firstName)
            for source in sources {
                let template = try MessageTemplate(source: source)
                guard let parts = template.plainParts,
                      parts.allSatisfy({ if case .variable(let name) = $0 { TemplateValues.plainName(name) != nil } else { true } })
                else { continue }
                plain += 1
                let expected = template.render(TemplateValues.values(facts: facts, item: item, channel: .email, products: Fixture.retailProducts))
                let actual = MessageTemplate.render(parts) { _, name in
                    TemplateValues.plainName(name).flatMap {
                        TemplateValues.text(of: $0, facts: facts, item: item, channel: .email, products: Fixture.retailProducts)
                    }
                }
                #expect(actual == expected, "template \(source)")
            }
        }
        // At least two retail messages and the three extra templates take the fast path.
        #expect(plain >= 4 * 5)
    }
}
