import Testing
import WaymarkCore

/// The account's facts and functions in rules (`account.NAME`, `account.owns_category(c)`).
@Suite struct RuleAccountTests {
    static var household: TestRuleContext {
        var context = TestRuleContext.sample
        context.accountCategories = ["home_insurance"]
        context.accountProducts = ["ins-home"]
        context.facts[.accountMembers] = .int(3)
        context.facts[.accountRoles] = .list([.string("head"), .string("partner")])
        context.facts[.accountTotalSpend] = .double(5200)
        return context
    }

    @Test func accountFactsAndFunctionsEvaluate() throws {
        func holds(_ source: String, _ context: TestRuleContext = Self.household) throws -> Bool {
            try RuleCompiler.compile(source).evaluate(context)
        }
        #expect(try holds(#"account.owns_category("home_insurance") && !owns_category("home_insurance")"#))
        #expect(try holds(#"account.owns("ins-home") && account.owns("fund-index")"#))
        #expect(try !holds(#"account.owns_category("life_cover")"#))
        #expect(try holds(#"account.members >= 2 && "partner" in account.roles && account.total_spend > 5000.0"#))
        // Alone, the account owns what the client owns.
        #expect(try !holds(#"account.owns_category("home_insurance")"#, .sample))
        #expect(try holds(#"account.owns("fund-index")"#, .sample))
    }

    @Test func accountNamesAreTypedAndReferenced() throws {
        let rule = try RuleCompiler.compile(#"account.owns_category("home_insurance") && account.members > 1"#)
        #expect(rule.references.map { "\($0.kind.rawValue) \($0.function) \($0.argument)" } == ["category account.owns_category home_insurance"])
        #expect(Fact.accountMembers.type == .int && Fact.accountRoles.type == .list(.string) && Fact.accountTotalSpend.type == .double)
    }

    @Test func accountMistakesAreReported() {
        func message(_ source: String) -> String? {
            do throws(RuleCompileError) {
                _ = try RuleCompiler.compile(source)
                return nil
            } catch {
                return error.diagnostics.first?.message
            }
        }
        #expect(message("account.membrs > 1") == "unknown account fact 'account.membrs'; did you mean 'account.members'?")
        #expect(message(#"account.owns_categry("x")"#) == "unknown account function 'account.owns_categry'; did you mean 'account.owns_category'?")
        #expect(message("account.members() > 1") == "'account.members' is a fact, not a function; write it without parentheses")
        #expect(message("account.owns") == #"'account.owns' is a function; call it with arguments, e.g. !account.owns("fund-index")"#)
        #expect(message("account == 1") == #"'account' is the client's household or business account; read a fact of it, e.g. account.members or account.owns_category("insurance")"#)
        #expect(message("account.owns_category(3)") == "argument 1 of account.owns_category() (category) must be 'string', but '3' is 'int'")
    }
}
