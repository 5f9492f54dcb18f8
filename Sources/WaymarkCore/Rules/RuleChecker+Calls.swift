extension RuleChecker {
    // MARK: Calls

    mutating func lowerCall(
        _ name: String, _ nameRange: SourceRange, _ arguments: [RuleSyntax], _ range: SourceRange
    ) -> Lowered {
        if let receiver = arguments.first, case .identifier("account") = receiver.kind {
            // `account.owns_category(c)`: the parser passes the receiver as the first argument.
            let qualified = "account." + name
            guard let function = RuleFunction(rawValue: qualified) else {
                if Fact(rawValue: qualified) != nil {
                    report("'\(qualified)' is a fact, not a function; write it without parentheses", at: nameRange)
                    return error(range)
                }
                let known = RuleFunction.allCases.map(\.rawValue).filter { $0.hasPrefix("account.") }
                    + Fact.allCases.map(\.rawValue).filter { $0.hasPrefix("account.") }
                let suggestion = RuleSuggestion.nearest(to: qualified, in: known)
                var message = "unknown account function '\(qualified)'"
                message += suggestion.map { "; did you mean '\($0)'?" } ?? " (account functions: \(known.joined(separator: ", ")))"
                report(message, at: nameRange, suggestion: suggestion)
                for argument in arguments.dropFirst() { _ = lower(argument) }
                return error(range)
            }
            return lowerCall(function.rawValue, nameRange, Array(arguments.dropFirst()), range)
        }
        guard let function = RuleFunction(rawValue: name) else {
            if Fact(rawValue: name) != nil {
                report("'\(name)' is a fact, not a function; write it without parentheses", at: nameRange)
            } else {
                let suggestion = RuleSuggestion.nearest(to: name, in: RuleFunction.allCases.map(\.rawValue))
                var message = "unknown function '\(name)'"
                if let suggestion { message += "; did you mean '\(suggestion)'?" }
                report(message, at: nameRange, suggestion: suggestion)
            }
            // Check the arguments anyway, so unknown names inside are reported too.
            for argument in arguments where !isAttributesIdentifier(argument) { _ = lower(argument) }
            return error(range)
        }

        if function == .has {
            guard arguments.count == 1, case .member(let base, let attribute, let attributeRange) = arguments[0].kind,
                  isAttributesIdentifier(base) else {
                report("has() takes one custom attribute, as in has(attributes.vip)", at: arguments.first?.range ?? nameRange)
                return error(range)
            }
            reference(.attribute, name, attribute, attributeRange)
            let argument = emit(.constant(.string(attribute)), attributeRange)
            let (start, count) = operands([argument])
            return Lowered(node: emit(.call(.has, start: start, count: count), range), type: .bool)
        }

        if let parameters = function.parameters {
            guard arguments.count == parameters.count else {
                let list = parameters.map { "\($0.name): \($0.type)" }.joined(separator: ", ")
                let plural = parameters.count == 1 ? "argument" : "arguments"
                report("\(name)() takes \(parameters.count) \(plural) (\(list)), but \(arguments.count) given", at: nameRange)
                for argument in arguments { _ = lower(argument) }
                return error(range)
            }
            var nodes: [Int32] = []
            var failed = false
            for (k, (argument, parameter)) in zip(arguments, parameters).enumerated() {
                let lowered = lower(argument)
                nodes.append(lowered.node)
                let expected = CheckedType(parameter.type)
                if !(lowered.type == expected || lowered.type.isOpen) {
                    report("argument \(k + 1) of \(name)() (\(parameter.name)) must be '\(expected)', but \(quoted(argument.range)) is '\(lowered.type)'", at: argument.range)
                    failed = true
                    continue
                }
                switch constantValue(lowered.node) {
                case .string(let value)?:
                    if let kind = parameter.vocabulary, !(function == .interactionsWithin && value == "any") {
                        reference(kind, name, value, argument.range)
                    }
                    if function == .respondedWithin, parameter.name == "outcome", !RuleFunction.outcomes.contains(value) {
                        let suggestion = RuleSuggestion.nearest(to: value, in: RuleFunction.outcomes)
                        let hint = suggestion.map { "; did you mean '\($0)'?" }
                            ?? " (outcomes: \(RuleFunction.outcomes.joined(separator: ", ")))"
                        report("unknown outcome '\(value)'\(hint)", at: argument.range, suggestion: suggestion)
                        failed = true
                    }
                case .int(let days)? where parameter.name == "days" && days < 0:
                    report("argument \(k + 1) of \(name)() (days) must not be negative, but it is \(days)", at: argument.range)
                    failed = true
                default:
                    break
                }
            }
            if failed { return error(range) }
            let (start, count) = operands(nodes)
            let type: CheckedType = function == .interactionsWithin || function == .pointsExpiringWithin || function == .daysSincePurchase || function == .daysSinceEvent ? .int : .bool
            if Self.takesKey(function), case .string(let literal)? = constantValue(nodes[0]) {
                // A literal product, category, event kind or item id: fingerprinted once here.
                program.keys.append(RuleKey(literal))
                let key = Int32(program.keys.count - 1)
                return Lowered(node: emit(.keyedCall(function, key: key, start: start, count: count), range), type: type)
            }
            return Lowered(node: emit(.call(function, start: start, count: count), range), type: type)
        }

        // The pure, overloaded functions.
        let lowered = arguments.map { lower($0) }
        func wrongCount(_ expected: String) -> Lowered {
            report("\(name)() takes \(expected), but \(arguments.count) given", at: nameRange)
            return error(range)
        }
        var resultType: CheckedType
        var accepts: (CheckedType) -> Bool
        switch function {
        case .size:
            guard arguments.count == 1 else { return wrongCount("1 argument (a list or a string)") }
            accepts = { $0 == .string || $0.isOpen || Self.isList($0) }
            resultType = .int
        case .min, .max:
            guard arguments.count >= 2 else { return wrongCount("at least 2 arguments (ints or doubles)") }
            accepts = { $0.isNumeric || $0.isOpen }
            let types = lowered.map(\.type)
            resultType = types.contains(.dyn) ? .dyn : types.allSatisfy { $0 == .int } ? .int : .double
        case .int:
            guard arguments.count == 1 else { return wrongCount("1 argument") }
            accepts = { $0.isNumeric || $0 == .string || $0.isOpen }
            resultType = .int
        case .double:
            guard arguments.count == 1 else { return wrongCount("1 argument") }
            accepts = { $0.isNumeric || $0 == .string || $0.isOpen }
            resultType = .double
        case .string:
            guard arguments.count == 1 else { return wrongCount("1 argument") }
            accepts = { $0.isNumeric || $0 == .string || $0 == .bool || $0.isOpen }
            resultType = .string
        default:
            return error(range)
        }
        var failed = false
        for (argument, syntax) in zip(lowered, arguments) where !accepts(argument.type) {
            report("\(name)() cannot take '\(argument.type)': \(quoted(syntax.range)); it takes \(function.signature.drop { $0 != "(" })", at: syntax.range)
            failed = true
        }
        if failed || lowered.contains(where: { $0.type == .error }) {
            return error(range)
        }
        let (start, count) = operands(lowered.map(\.node))
        return Lowered(node: emit(.call(function, start: start, count: count), range), type: resultType)
    }

    /// Whether `function` has a `RuleContext` query by `RuleKey` for a literal first argument.
    static func takesKey(_ function: RuleFunction) -> Bool {
        switch function {
        case .owns, .ownsCategory, .boughtWithin, .eventWithin, .daysSincePurchase, .daysSinceEvent, .respondedWithin:
            true
        default:
            false
        }
    }

    func isAttributesIdentifier(_ syntax: RuleSyntax) -> Bool {
        if case .identifier("attributes") = syntax.kind { return true }
        return false
    }
}
