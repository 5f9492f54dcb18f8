import Testing
import WaymarkCore

@Suite struct RuleClauseTests {
    @Test func firstFailingClauseNamesTheFirstFalseConjunct() throws {
        let rule = try RuleCompiler.compile(#"stage == "active" && owns("life-cover") && consent("sms")"#)
        #expect(rule.clauses == [#"stage == "active""#, #"owns("life-cover")"#, #"consent("sms")"#])
        #expect(rule.firstFailingClause(TestRuleContext.sample) == #"owns("life-cover")"#)
        var owner = TestRuleContext.sample
        owner.products.insert("life-cover")
        #expect(rule.firstFailingClause(owner) == #"consent("sms")"#)
        owner.consents.insert("sms")
        #expect(rule.evaluate(owner))
        #expect(rule.firstFailingClause(owner) == nil)
    }

    @Test func clausesKeepParenthesesAndCollapseWhitespace() throws {
        let rule = try RuleCompiler.compile("""
            stage == 'active'       // only active clients
              && (owns('x')
                  || owns('y'))
              && points > 100
            """)
        #expect(rule.clauses == ["stage == 'active'", "(owns('x') || owns('y'))", "points > 100"])
        #expect(rule.firstFailingClause(TestRuleContext.sample) == "(owns('x') || owns('y'))")
        #expect(rule.explain == "stage == 'active' && (owns('x') || owns('y')) && points > 100")
        let results = rule.clauseResults(TestRuleContext.sample)
        #expect(results.map(\.holds) == [true, false, true])
    }

    @Test func aRuleThatIsNotAConjunctionIsOneClause() throws {
        let rule = try RuleCompiler.compile("advocate || points > 5000")
        #expect(rule.clauses == ["advocate || points > 5000"])
        #expect(rule.firstFailingClause(TestRuleContext.sample) == "advocate || points > 5000")
    }

    @Test func explainKeepsStringContents() throws {
        let rule = try RuleCompiler.compile("segment  ==   'a  //  b'   // comment")
        #expect(rule.explain == "segment == 'a  //  b'")
        #expect(rule.description == rule.explain)
    }

    @Test func referencesListEveryCatalogName() throws {
        let source = """
            owns("fund-index") && owns_category('insurance') && bought_within("pension", 365)
            && event_within("child_born", 180) && consent("email") && days_since_purchase("tax") > 1
            && days_since_event("marriage") > 1 && responded_within("life-cover", "declined", 90) == false
            && "savings" in owned_categories && "fund-x" in owned_products && "retirement" in life_events
            && "sms" in consents && tier == "gold" && interactions_within("any", 30) > 0
            && interactions_within("phone", 30) > 0 && has(attributes.vip) && has_attribute("branch")
            && attributes["segment-x"] == 1 && "kids" in attributes
            """
        let origin = WaymarkCore.SourceLocation(file: "catalog.yaml", line: 40, column: 7)
        let rule = try RuleCompiler.compile(source, origin: origin)
        let found = rule.references.map { "\($0.kind.rawValue) \($0.function) \($0.argument)" }
        #expect(found == [
            "product owns fund-index",
            "category owns_category insurance",
            "product_or_category bought_within pension",
            "life_event event_within child_born",
            "channel consent email",
            "product_or_category days_since_purchase tax",
            "life_event days_since_event marriage",
            "item responded_within life-cover",
            "category owned_categories savings",
            "product owned_products fund-x",
            "life_event life_events retirement",
            "channel consents sms",
            "tier tier gold",
            "channel interactions_within phone",
            "attribute has vip",
            "attribute has_attribute branch",
            "attribute attributes segment-x",
            "attribute attributes kids",
        ])
        let first = try #require(rule.references.first)
        #expect(first.range.text(in: source) == #""fund-index""#)
        #expect(first.location == WaymarkCore.SourceLocation(file: "catalog.yaml", line: 40, column: 12))
        let second = rule.references[4]
        #expect(second.location == WaymarkCore.SourceLocation(file: "catalog.yaml", line: 41, column: 53))
    }
}
