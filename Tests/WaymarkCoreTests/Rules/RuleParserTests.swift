import Testing
import WaymarkCore

@Suite struct RuleParserTests {
    private func parsed(_ source: String) throws -> String {
        try RuleParser.parse(source).get().description
    }

    private func failure(_ source: String) -> RuleDiagnostic? {
        guard case .failure(let error) = RuleParser.parse(source) else { return nil }
        return error.diagnostics.first
    }

    @Test func celPrecedence() throws {
        #expect(try parsed("a || b && c") == "(a || (b && c))")
        #expect(try parsed("a && b || c && d") == "((a && b) || (c && d))")
        #expect(try parsed("a == 1 && b < 2") == "((a == 1) && (b < 2))")
        #expect(try parsed("a + b * c < d - e / f % g") == "((a + (b * c)) < (d - ((e / f) % g)))")
        #expect(try parsed("x in [1, 2] == y") == "((x in [1, 2]) == y)")
        #expect(try parsed("a + b in c") == "((a + b) in c)")
        #expect(try parsed("!a && -b < c") == "(!a && (-b < c))")
        #expect(try parsed("!!a") == "!!a")
        #expect(try parsed("- -x") == "--x")
    }

    @Test func leftAssociativity() throws {
        #expect(try parsed("a - b - c") == "((a - b) - c)")
        #expect(try parsed("a / b * c") == "((a / b) * c)")
        #expect(try parsed("a || b || c") == "((a || b) || c)")
    }

    @Test func conditionalIsLowestAndRightAssociative() throws {
        #expect(try parsed("a || b ? c + 1 : d") == "((a || b) ? (c + 1) : d)")
        #expect(try parsed("a ? b : c ? d : e") == "(a ? b : (c ? d : e))")
    }

    @Test func parenthesesMemberIndexAndCalls() throws {
        #expect(try parsed("(a || b) && c") == "((a || b) && c)")
        #expect(try parsed("attributes.vip && attributes['tier-x'] == 'gold'") == #"(attributes.vip && (attributes["tier-x"] == "gold"))"#)
        #expect(try parsed(#"bought_within("insurance", 365) && owns('fund-index')"#) == #"(bought_within("insurance", 365) && owns("fund-index"))"#)
        #expect(try parsed("owned_products.size() > 1") == "(size(owned_products) > 1)")
        #expect(try parsed("[1, 2, 3,][0]") == "[1, 2, 3][0]")
        #expect(try parsed("f()") == "f()")
    }

    @Test func negativeLiterals() throws {
        #expect(try parsed("-9223372036854775808") == "-9223372036854775808")
        #expect(try parsed("-5 * 2") == "(-5 * 2)")
        #expect(try parsed("1 - -2.5") == "(1 - -2.5)")
        #expect(failure("9223372036854775808")?.message == "integer literal '9223372036854775808' is out of range (at most 9223372036854775807)")
    }

    @Test func rangesCoverTheExpressionAndItsParentheses() throws {
        let source = "stage == 'active' && (a || b)"
        let syntax = try RuleParser.parse(source).get()
        guard case .binary(.and, let lhs, let rhs, let operatorRange) = syntax.kind else {
            Issue.record("expected &&, got \(syntax)")
            return
        }
        #expect(lhs.range.text(in: source) == "stage == 'active'")
        #expect(rhs.range.text(in: source) == "(a || b)")
        #expect(operatorRange.text(in: source) == "&&")
        #expect(operatorRange.start.column == 19)
        #expect(syntax.range.text(in: source) == source)
    }

    @Test func syntaxErrorsNameTheTokenAndPosition() {
        let missingParen = failure("owns('x' && b")
        #expect(missingParen?.message == "expected ')' to close '(', found end of rule")
        #expect(missingParen.map { "\($0.line):\($0.column)" } == "1:14")

        let dangling = failure("stage == 'active' &&")
        #expect(dangling?.message == "unexpected end of rule; expected a value, a fact or '('")
        #expect(dangling?.column == 21)

        let extra = failure("a b")
        #expect(extra?.message == "unexpected 'b' after a complete expression; join conditions with '&&' or '||'")
        #expect(extra?.token == "b")
        #expect(extra?.column == 3)

        let badStart = failure("\n  && a")
        #expect(badStart?.message == "unexpected '&&'; expected a value, a fact or '('")
        #expect(badStart.map { "\($0.line):\($0.column)" } == "2:3")

        #expect(failure("a ? b")?.message == "expected ':', found end of rule")
        #expect(failure("a.1")?.message == "expected a name after '.', found '1'")
        #expect(failure("[1, 2")?.message == "expected ']' to close '[', found end of rule")
        #expect(failure("   ")?.message == "empty rule; write an expression such as stage == \"active\"")
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let source = String(repeating: "(", count: 500) + "a" + String(repeating: ")", count: 500)
        #expect(failure(source)?.message.hasPrefix("rule is nested too deeply") == true)
        let bangs = String(repeating: "!", count: 5000) + "a"
        #expect(failure(bangs)?.message.hasPrefix("rule is nested too deeply") == true)
    }

    /// A chain is as tall a tree as it is long, and every pass after the parser walks it
    /// recursively: 1,000 `&&` once overflowed the stack in the checker. Bounded, with the
    /// error at the operator that goes over.
    @Test func longChainsAreAnErrorNotACrash() throws {
        let limit = RuleParser.maximumHeight
        let andChain: String = Array(repeating: "age >= 18", count: 100_000).joined(separator: " && ")
        let orChain: String = Array(repeating: "a", count: 5_000).joined(separator: " || ")
        let members: String = "x" + String(repeating: ".y", count: 5_000)
        let indices: String = "x" + String(repeating: "[0]", count: 5_000)
        let calls: String = "x" + String(repeating: ".f()", count: 5_000)
        let cases: [(String, Int)] = [
            (andChain, (limit - 2) * 13 + 10), (orChain, (limit - 1) * 5 + 2),
            (members, limit * 2), (indices, limit * 3 - 2), (calls, limit * 4 - 2),
        ]
        for (source, operatorOffset) in cases {
            let error = try #require(failure(source), "\(source.prefix(20))")
            #expect(error.message.hasPrefix("rule is too long: more than 200 operations in a chain or inside one another"), "\(source.prefix(20))")
            #expect(error.range.start.offset == operatorOffset, "\(source.prefix(20)): \(error.range)")
        }
        // Up to the bound a chain parses (a tree of height `limit`: limit - 1 operators over leaves).
        #expect(try RuleParser.parse(Array(repeating: "a", count: limit - 1).joined(separator: " && ")).get().height == limit - 1)
        let longest = try RuleParser.parse(Array(repeating: "a", count: limit).joined(separator: " && ")).get()
        #expect(longest.height == limit)
        // The tallest rule allowed is checked, compiled and evaluated (on a test thread's stack).
        let tallest = Array(repeating: "age >= 18", count: limit - 1).joined(separator: " && ")
        #expect(try RuleCompiler.compile(tallest).evaluate(TestRuleContext.sample))
        let shorter = Array(repeating: "age >= 18", count: limit - 3).joined(separator: " && ")
        #expect(try RuleCompiler.compile(shorter + " || age < 18 && age > 99").evaluate(TestRuleContext.sample))
        #expect(try !RuleCompiler.compile(shorter + " && age < 18 || age > 99").evaluate(TestRuleContext.sample))
    }
}
