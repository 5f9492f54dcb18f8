import Testing
import WaymarkCore

@Suite struct RuleDiagnosticTests {
    /// The diagnostics of a rule that must not compile.
    private func diagnostics(_ source: String, origin: WaymarkCore.SourceLocation = WaymarkCore.SourceLocation(), expecting: RuleType? = .bool) -> [RuleDiagnostic] {
        do throws(RuleCompileError) {
            _ = try RuleCompiler.compile(source, origin: origin, expecting: expecting)
            Issue.record("'\(source)' compiled, but it should not")
            return []
        } catch {
            return error.diagnostics
        }
    }

    private func single(_ source: String, expecting: RuleType? = .bool) -> (message: String, at: String, token: String?) {
        let found = diagnostics(source, expecting: expecting)
        #expect(found.count == 1, "\(found)")
        guard let first = found.first else { return ("", "", nil) }
        return (first.message, "\(first.line):\(first.column)", first.token)
    }

    @Test func unknownFactSuggestsTheNearestName() {
        let found = diagnostics("purchse_count > 2")
        #expect(found.count == 1)
        #expect(found.first?.message == "unknown fact 'purchse_count'; did you mean 'purchase_count'?")
        #expect(found.first?.suggestion == "purchase_count")
        #expect(found.first?.token == "purchse_count")
        #expect(found.first?.description == "1:1: error: unknown fact 'purchse_count'; did you mean 'purchase_count'?")
    }

    @Test func unknownFunctionAndFactErrorsAreAllReported() {
        let found = diagnostics(#"purchse_count > 2 && own("x") && stge == "active" && onws(prodct)"#)
        #expect(found.map(\.message) == [
            "unknown fact 'purchse_count'; did you mean 'purchase_count'?",
            "unknown function 'own'; did you mean 'owns'?",
            "unknown fact 'stge'; did you mean 'stage'?",
            "unknown function 'onws'; did you mean 'owns'?",
            "unknown fact 'prodct'",
        ])
        #expect(found.map(\.column) == [1, 22, 34, 54, 59])
        #expect(found.map(\.suggestion) == ["purchase_count", "owns", "stage", "owns", nil])
    }

    @Test func originOffsetsPositionsIntoTheFile() {
        let origin = WaymarkCore.SourceLocation(file: "catalog.yaml", line: 12, column: 11)
        let found = diagnostics("stage == 'active'\n&& purchse_count > 2", origin: origin)
        #expect(found.map(\.description) == [
            "catalog.yaml:13:14: error: unknown fact 'purchse_count'; did you mean 'purchase_count'?",
        ])
        // The range stays relative to the rule text.
        #expect(found.first?.range.start.line == 2)
        #expect(found.first?.range.start.column == 4)
        // A diagnostic taken without an origin can be offset later.
        let relative = diagnostics("purchse_count")
        #expect(relative.first?.offset(by: origin).description.hasPrefix("catalog.yaml:12:11: error:") == true)
    }

    @Test func lexicalAndSyntaxErrorsAreOffsetToo() {
        let origin = WaymarkCore.SourceLocation(file: "c.yaml", line: 3, column: 9)
        #expect(diagnostics("a = 1", origin: origin).map(\.description) == ["c.yaml:3:11: error: unexpected '='; use '==' to compare"])
        #expect(diagnostics("(a", origin: origin).map(\.description) == ["c.yaml:3:11: error: expected ')' to close '(', found end of rule"])
    }

    @Test func typeErrorsPointAtTheOffendingToken() {
        #expect(single("stage > 3") == ("cannot compare 'string' with 'int' using '>'", "1:7", ">"))
        #expect(single("purchase_count + \"x\" > 1") == ("operator '+' cannot be applied to 'int' and 'string'", "1:16", "+"))
        #expect(single("owns(42)") == ("argument 1 of owns() (product) must be 'string', but '42' is 'int'", "1:6", "42"))
        #expect(single(#"bought_within("insurance")"#).message == "bought_within() takes 2 arguments (product_or_category: string, days: int), but 1 given")
        #expect(single("purchase_count") == ("a rule must be a condition (bool), but this expression is 'int'", "1:1", "purchase_count"))
        #expect(single("!age") == ("'!' expects a bool, but 'age' is 'int'", "1:2", "age"))
        #expect(single("age && advocate") == ("'&&' expects bool operands, but 'age' is 'int'", "1:1", "age"))
        #expect(single("-stage == 1").message == "'-' expects an int or a double, but 'stage' is 'string'")
        #expect(single(#""x" in points"#) == ("'in' needs a list on its right, but 'points' is 'int'", "1:8", "points"))
        #expect(single("3 in owned_products") == ("'in' looks for 'int' in a 'list<string>'; the types do not match", "1:3", "in"))
        #expect(single("age > null") == ("null can only be compared with '==' or '!=', not '>'", "1:5", ">"))
        #expect(single("age.years > 3") == ("'int' has no member 'years'; only attributes.NAME has members", "1:5", "years"))
        #expect(single(#"advocate ? 1 : "x""#, expecting: nil).message == "the branches of '?:' have different types, 'int' and 'string'")
        #expect(single(#"[1, "a"]"#, expecting: nil) == (#"list elements must share one type, but '"a"' is 'string' in a list of 'int'"#, "1:5", #""a""#))
        #expect(single("size(3) > 0").message == "size() cannot take 'int': '3'; it takes (list<T> | string | dyn) -> int")
        #expect(single("1.5 % 2 == 0").message == "operator '%' cannot be applied to 'double' and 'int'; '%' takes ints only")
        #expect(single("owned_products < owned_categories").message == "cannot compare 'list<string>' with 'list<string>' using '<'; '<' orders only numbers and strings")
        #expect(single("min(1) > 0").message == "min() takes at least 2 arguments (ints or doubles), but 1 given")
    }

    @Test func namesUsedTheWrongWay() {
        #expect(single("stage() == 'active'") == ("'stage' is a fact, not a function; write it without parentheses", "1:1", "stage"))
        #expect(single("owns").message == #"'owns' is a function; call it with arguments, e.g. owns("fund-index")"#)
        #expect(single("attributes == null").message == "'attributes' is the map of custom attributes; read one with attributes.NAME or test it with has(attributes.NAME)")
        #expect(single("has(age)").message == "has() takes one custom attribute, as in has(attributes.vip)")
        #expect(single("atributes.vip").message == "unknown fact 'atributes'; did you mean 'attributes'?")
    }

    @Test func vocabularyMistakesAreCaught() {
        #expect(single(#"stage == "actve""#) == ("unknown stage 'actve'; did you mean 'active'?", "1:10", #""actve""#))
        #expect(single(#"stage in ["active", "lapsd"]"#).message == "unknown stage 'lapsd'; did you mean 'lapsed'?")
        #expect(single(#"previous_stage != "churned""#).message
            == "unknown stage 'churned' (stages: prospect, onboarding, active, loyal, at_risk, lapsed, reactivated)")
        #expect(single(#"responded_within("life-cover", "declned", 90)"#).message == "unknown outcome 'declned'; did you mean 'declined'?")
        #expect(single(#"bought_within("x", -5)"#).message == "argument 2 of bought_within() (days) must not be negative, but it is -5")
        // "" is a valid previous stage (none).
        #expect((try? RuleCompiler.compile(#"previous_stage == """#)) != nil)
    }

    @Test func errorsInsideAllBranchesAreReported() {
        let found = diagnostics("(stage > 1 || owns(3)) && [1, 2][\"x\"] == 1 && nope")
        #expect(found.map(\.message) == [
            "cannot compare 'string' with 'int' using '>'",
            "argument 1 of owns() (product) must be 'string', but '3' is 'int'",
            "a list index must be an int, but '\"x\"' is 'string'",
            "unknown fact 'nope'",
        ])
    }

    @Test func editDistance() {
        #expect(RuleSuggestion.editDistance("purchse_count", "purchase_count") == 1)
        #expect(RuleSuggestion.editDistance("onws", "owns") == 1)
        #expect(RuleSuggestion.editDistance("", "abc") == 3)
        #expect(RuleSuggestion.editDistance("kitten", "sitting") == 3)
        #expect(RuleSuggestion.nearest(to: "xyz", in: ["stage", "tier"]) == nil)
        #expect(RuleSuggestion.nearest(to: "Tier", in: ["stage", "tier"]) == "tier")
    }
}
