import Testing
import WaymarkCore

@Suite struct RuleEvaluationTests {

    private func holds(_ source: String, _ context: TestRuleContext = .sample) throws -> Bool {
        try RuleCompiler.compile(source).evaluate(context)
    }

    private func value(_ source: String, _ context: TestRuleContext = .sample) throws -> RuleValue {
        try RuleCompiler.compile(source, expecting: nil).evaluateValue(context)
    }

    @Test(arguments: [
        #"stage == "active" && purchase_count >= 3 && total_spend > 4000.0"#,
        "total_spend > 4500", "points == 880.0", "1 == 1.0", "p_alive < 1", "age <= 34 && age >= 34 && age != 35",
        #"segment < "z" && region > "a""#, "advocate == false && !do_not_contact",
        "owned_products == ['fund-index', 'savings-plus']", "owned_products != ['fund-index']",
        "points + 120 == 1000", "points - 1000 == -120", "points * 2 == 1760", "7 / 2 == 3", "-7 / 2 == -3",
        "7 % 3 == 1", "-7 % 3 == -1", "7.0 / 2 == 3.5", "points / 8.0 == 110.0", "-points == -880", "-(p_alive) < 0.0",
        #"segment + "!" == "mass_affluent!""#, "size(owned_products + ['x']) == 3",
        "advocate || true", "!(advocate && true)", "advocate ? false : true", "points > 1000 ? false : age == 34",
    ])
    func operatorsHold(_ source: String) throws {
        #expect(try holds(source), "\(source)")
    }

    @Test(arguments: [
        "stage == 'loyal'", "points > 880", "1 > 1.5", "advocate && true", "advocate || false", "!true",
        "'b' < 'a'", "owned_products == ['fund-index']", "true ? false : true",
    ])
    func operatorsFail(_ source: String) throws {
        #expect(try !holds(source), "\(source)")
    }

    @Test func membership() throws {
        #expect(try holds(#"stage in ["active", "loyal"]"#))
        #expect(try !holds(#"stage in ["lapsed", "at_risk"]"#))
        #expect(try holds(#""fund-index" in owned_products"#))
        #expect(try !holds(#""life-cover" in owned_products"#))
        #expect(try holds("points in [880.0, 1]"))
        #expect(try holds("2.0 in [1, 2, 3]"))
        #expect(try holds("attributes.score in [7.5, 8.5]"))
        #expect(try holds("attributes.branch in [41, 42]"))
        #expect(try !holds("attributes.nope in [1, 2]"))
        #expect(try holds(#""vip" in attributes && !("nope" in attributes)"#))
        #expect(try holds("points in [points, age]"))
        #expect(try holds("[1, 2] in [[1, 2], [3]]"))
    }

    @Test func timelineFunctions() throws {
        #expect(try holds(#"owns("fund-index") && !owns("life-cover")"#))
        #expect(try holds(#"owns_category("investments") && !owns_category("insurance")"#))
        #expect(try holds(#"bought_within("fund-index", 60) && !bought_within("fund-index", 30)"#))
        #expect(try holds(#"bought_within("savings", 400) && !bought_within("insurance", 10000)"#))
        #expect(try holds(#"event_within("child_born", 90) && !event_within("marriage", 365)"#))
        #expect(try value(#"interactions_within("email", 30)"#) == .int(2))
        #expect(try value(#"interactions_within("any", 90)"#) == .int(4))
        #expect(try holds(#"consent("email") && !consent("sms")"#))
        #expect(try value(#"days_since_purchase("fund-index")"#) == .int(40))
        #expect(try value(#"days_since_purchase("insurance")"#) == .null)
        #expect(try holds(#"days_since_event("child_born") < 90"#))
        #expect(try !holds(#"days_since_event("retirement") < 90"#))
        #expect(try holds(#"responded_within("life-cover", "declined", 90)"#))
        #expect(try !holds(#"responded_within("life-cover", "accepted", 90)"#))
        #expect(try !holds(#"responded_within("life-cover", "declined", 10)"#))
        #expect(try holds(#"responded_within("tax-review", "any", 10)"#))
        #expect(try holds(#"has(attributes.vip) && has_attribute("branch") && !has_attribute("nope")"#))
    }

    @Test func pureFunctions() throws {
        #expect(try value("size(owned_products)") == .int(2))
        #expect(try value(#"size("héllo")"#) == .int(5))
        #expect(try value("size(attributes.risk_profile)") == .int(8))
        #expect(try value("size(attributes.branch)") == .null)
        #expect(try value("min(3, 1.5)") == .double(1.5))
        #expect(try value("min(points, 2, 900)") == .int(2))
        #expect(try value("max(points, 1000)") == .int(1000))
        #expect(try value("max(points, 1000.0)") == .double(1000))
        #expect(try value("max(1, 2.0)") == .double(2))
        #expect(try value("int(7.9)") == .int(7))
        #expect(try value("int(-7.9)") == .int(-7))
        #expect(try value("int(1e300)") == .int(Int.max))
        #expect(try value(#"int("12")"#) == .int(12))
        #expect(try value(#"int("x")"#) == .null)
        #expect(try value("double(3)") == .double(3))
        #expect(try value(#"double("2.5")"#) == .double(2.5))
        #expect(try value("string(42)") == .string("42"))
        #expect(try value("string(true)") == .string("true"))
        #expect(try value("string(attributes.branch)") == .string("42"))
        #expect(try value("owned_products[0]") == .string("fund-index"))
        #expect(try value("owned_products[5]") == .null)
        #expect(try value("owned_products[-1]") == .null)
        #expect(try value(#"attributes["risk_profile"]"#) == .string("balanced"))
        #expect(try value(#"attributes["risk" + "_profile"]"#) == .string("balanced"))
    }

    @Test func conditionalPromotesIntBranchesToDouble() throws {
        #expect(try value("advocate ? 1 : 2.5") == .double(2.5))
        #expect(try value("!advocate ? 1 : 2.5") == .double(1))
        #expect(try value("[1, 2.5]") == .list([.double(1), .double(2.5)]))
        #expect(try value("[points, 2.5]") == .list([.double(880), .double(2.5)]))
    }

    @Test func nullSemantics() throws {
        var client = TestRuleContext.sample
        client.facts[.age] = nil
        #expect(try !holds("age > 30", client))
        #expect(try !holds("age <= 30", client))
        #expect(try holds("!(age > 30)", client))
        #expect(try holds("age == null", client))
        #expect(try !holds("age != null", client))
        #expect(try holds("null == age", client))
        #expect(try !holds("age == age", client))
        #expect(try !holds("age != 30", client))
        #expect(try value("age + 1", client) == .null)
        #expect(try value("-age", client) == .null)
        #expect(try holds("age != null && age > 30") == true)
        #expect(try !holds("age in [34, null]", client))
        #expect(try holds("null == null"))
        #expect(try !holds("null != null"))
        #expect(try holds(#"days_since_purchase("insurance") == null"#))
        #expect(try value("advocate ? 1 : null") == .null)
    }

    @Test func dynamicValuesAreCheckedAtRunTime() throws {
        #expect(try holds("attributes.vip"))
        #expect(try holds("attributes.vip == true && attributes.branch == 42"))
        #expect(try !holds("attributes.branch"), "a non-bool value is false as a condition")
        #expect(try !holds(#"attributes.branch == "42""#), "a type mismatch makes == false")
        #expect(try !holds(#"attributes.branch != "42""#), "and != false too")
        #expect(try !holds("attributes.risk_profile > 3"))
        #expect(try !holds(#"attributes.nope == "x""#))
        #expect(try !holds(#"attributes.nope != "x""#))
        #expect(try holds("attributes.nope == null && attributes.vip != null"))
        #expect(try holds("!attributes.nope"))
        #expect(try !holds("owns(attributes.branch)"))
        #expect(try value("interactions_within(attributes.branch, 30)") == .null)
        #expect(try holds("attributes.branch + 1 == 43"))
        #expect(try holds("attributes.score * 2 == 15"))
        #expect(try value("attributes.risk_profile + 1") == .null)
        #expect(try value("attributes.risk_profile + '!'") == .string("balanced!"))
        #expect(try !holds("attributes.nope < 1 || attributes.nope >= 1"))
    }

    @Test func divisionByZeroAndOverflowNeverTrap() throws {
        #expect(try value("points / 0") == .null)
        #expect(try value("points % 0") == .null)
        #expect(try value("total_spend / 0") == .null)
        #expect(try value("total_spend / 0.0") == .null)
        #expect(try value("1 / 0") == .null)
        #expect(try !holds("points / 0 > 1"))
        #expect(try !holds("points / 0 <= 1"))
        #expect(try holds("points / 0 == null"))
        #expect(try value("9223372036854775807 + points") == .int(.max))
        #expect(try value("-9223372036854775808 - points") == .int(.min))
        #expect(try value("points * 9223372036854775807") == .int(.max))
        #expect(try value("-points * 9223372036854775807") == .int(.min))
        #expect(try value("-9223372036854775808 / -1") == .int(.max))
        #expect(try value("-9223372036854775808 % -1") == .int(0))
        #expect(try value("-(-9223372036854775808)") == .int(.max))
        #expect(try value("0 - 9223372036854775807 - points") == .int(.min))
    }

    @Test func shortCircuit() throws {
        let client = TestRuleContext.sample
        #expect(try !holds(#"advocate && owns("a")"#, client))
        #expect(try holds(#"!advocate || owns("b")"#, client))
        #expect(try holds(#"do_not_contact ? owns("c") : owns("fund-index")"#, client))
        #expect(try holds(#"owns("fund-index") || owns("d")"#, client))
        #expect(client.log.calls == ["advocate", "advocate", "do_not_contact", "owns(fund-index)", "owns(fund-index)"])
    }

    @Test func constantsAreFolded() throws {
        #expect(try RuleCompiler.compile("1 + 2 * 3 == 7").constantValue == .bool(true))
        #expect(try RuleCompiler.compile("size([1, 2, 3]) == 3 && 'a' + 'b' == 'ab'").constantValue == .bool(true))
        #expect(try RuleCompiler.compile("2 in [1, 2]").constantValue == .bool(true))
        #expect(try RuleCompiler.compile("min(1, 2.5)", expecting: nil).constantValue == .double(1))
        #expect(try RuleCompiler.compile(#"owns("x")"#).constantValue == nil)
        #expect(try RuleCompiler.compile("points > 1 + 1").constantValue == nil)
    }

    @Test func compiledRulesAreSharedAcrossTasks() async throws {
        let rule = try RuleCompiler.compile(#"stage in ["active", "loyal"] && owns("fund-index") && points * 2 > 1000"#)
        let results = await withTaskGroup(of: Bool.self) { group in
            for k in 0..<8 {
                group.addTask {
                    var client = TestRuleContext.sample
                    client.facts[.points] = .int(k * 200)
                    return rule.evaluate(client)
                }
            }
            var results: [Bool] = []
            for await result in group { results.append(result) }
            return results
        }
        // points = 0, 200, ..., 1400: points * 2 > 1000 for 600 and above.
        #expect(results.filter { $0 }.count == 5)
    }
}
