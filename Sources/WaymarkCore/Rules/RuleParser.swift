/// Parses a rule's text into a `RuleSyntax` tree with CEL's grammar and precedence.
///
/// ```
/// expr        = or [ "?" or ":" expr ] ;
/// or          = and { "||" and } ;
/// and         = relation { "&&" relation } ;
/// relation    = additive { ("<" | "<=" | ">" | ">=" | "==" | "!=" | "in") additive } ;
/// additive    = multiplicative { ("+" | "-") multiplicative } ;
/// multiplicative = unary { ("*" | "/" | "%") unary } ;
/// unary       = ("!" | "-") unary | member ;
/// member      = primary { "." IDENT [ "(" [ args ] ")" ] | "[" expr "]" } ;
/// primary     = literal | IDENT [ "(" [ args ] ")" ] | "(" expr ")" | "[" [ args ] "]" ;
/// args        = expr { "," expr } [ "," ] ;
/// ```
///
/// Lexical mistakes are all reported; parsing stops at the first syntax error.
package struct RuleParser {
    private let tokens: [RuleToken]
    private let source: String
    private var index = 0
    /// Nesting depth, bounded so a hostile rule cannot overflow the stack.
    private var depth = 0
    private static let maximumDepth = 200
    /// The tallest tree a rule may make (``RuleSyntax/height``), as many levels as nesting may
    /// have. Nesting is bounded by `maximumDepth`, but a chain (`a && b && c …`, `x.y.y.y …`) makes
    /// a tree as tall as it is long, which the checker walks recursively (about 10 KB of stack a
    /// level in a debug build): 1,000 `&&` overflowed the stack.
    package static let maximumHeight = 200

    private init(tokens: [RuleToken], source: String) {
        self.tokens = tokens
        self.source = source
    }

    /// The syntax tree of `source`, or every lexical mistake, or the first syntax error.
    /// Positions in the diagnostics are relative to `source`.
    package static func parse(_ source: String) -> Result<RuleSyntax, RuleCompileError> {
        let (tokens, lexical) = RuleLexer.tokenize(source)
        if !lexical.isEmpty {
            return .failure(RuleCompileError(diagnostics: lexical))
        }
        var parser = RuleParser(tokens: tokens, source: source)
        do throws(RuleDiagnostic) {
            if parser.current.kind == .end {
                throw parser.error("empty rule; write an expression such as stage == \"active\"")
            }
            let expression = try parser.parseExpression()
            if parser.current.kind != .end {
                throw parser.error("unexpected \(parser.describeCurrent()) after a complete expression; join conditions with '&&' or '||'")
            }
            return .success(expression)
        } catch {
            return .failure(RuleCompileError(diagnostics: [error]))
        }
    }

    // MARK: Tokens

    private var current: RuleToken { tokens[index] }

    private mutating func advance() -> RuleToken {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private mutating func take(_ punctuation: RulePunctuation) -> RuleToken? {
        if current.kind == .punctuation(punctuation) { return advance() }
        return nil
    }

    private func describeCurrent() -> String {
        current.kind == .end ? "end of rule" : "'\(current.range.text(in: source))'"
    }

    private func error(_ message: String, at range: SourceRange? = nil) -> RuleDiagnostic {
        let range = range ?? current.range
        let token = current.kind == .end && range == current.range ? nil : range.text(in: source)
        return RuleDiagnostic(message: message, location: range.location, range: range, token: token)
    }

    private mutating func expect(_ punctuation: RulePunctuation, closing opener: RuleToken? = nil) throws(RuleDiagnostic) -> RuleToken {
        if let token = take(punctuation) { return token }
        var message = "expected '\(punctuation.rawValue)'"
        if let opener {
            message += " to close '\(opener.range.text(in: source))'"
        }
        throw error(message + ", found \(describeCurrent())")
    }

    // MARK: Grammar

    private mutating func parseExpression() throws(RuleDiagnostic) -> RuleSyntax {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maximumDepth {
            throw error("rule is nested too deeply (more than \(Self.maximumDepth) levels)")
        }
        let condition = try parseBinary(minimumPrecedence: 1)
        guard take(.question) != nil else { return condition }
        let then = try parseBinary(minimumPrecedence: 1)
        _ = try expect(.colon)
        let otherwise = try parseExpression()
        return RuleSyntax(.conditional(condition, then, otherwise), range: condition.range.union(otherwise.range))
    }

    private func binaryOperator(_ kind: RuleToken.Kind) -> RuleBinaryOperator? {
        switch kind {
        case .inKeyword: .in
        case .punctuation(let p):
            switch p {
            case .pipePipe: .or
            case .ampersandAmpersand: .and
            case .equalEqual: .equal
            case .bangEqual: .notEqual
            case .less: .less
            case .lessEqual: .lessEqual
            case .greater: .greater
            case .greaterEqual: .greaterEqual
            case .plus: .add
            case .minus: .subtract
            case .star: .multiply
            case .slash: .divide
            case .percent: .remainder
            default: nil
            }
        default: nil
        }
    }

    private mutating func parseBinary(minimumPrecedence: Int) throws(RuleDiagnostic) -> RuleSyntax {
        var lhs = try parseUnary()
        while let op = binaryOperator(current.kind), op.precedence >= minimumPrecedence {
            let operatorToken = advance()
            let rhs = try parseBinary(minimumPrecedence: op.precedence + 1)
            lhs = try bounded(RuleSyntax(.binary(op, lhs, rhs, operatorRange: operatorToken.range), range: lhs.range.union(rhs.range)),
                              at: operatorToken.range)
        }
        return lhs
    }

    /// `node`, or an error at `range` when it makes the tree taller than ``maximumHeight``.
    private func bounded(_ node: RuleSyntax, at range: SourceRange) throws(RuleDiagnostic) -> RuleSyntax {
        guard node.height > Self.maximumHeight else { return node }
        throw error("rule is too long: more than \(Self.maximumHeight) operations in a chain or inside one another; "
                    + "split it over several items, or write a long list of alternatives as x in [a, b, …]", at: range)
    }

    private mutating func parseUnary() throws(RuleDiagnostic) -> RuleSyntax {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maximumDepth {
            throw error("rule is nested too deeply (more than \(Self.maximumDepth) levels)")
        }
        if let bang = take(.bang) {
            let operand = try parseUnary()
            return RuleSyntax(.unary(.not, operand), range: bang.range.union(operand.range))
        }
        if let minus = take(.minus) {
            // `-9223372036854775808` is a literal, not the negation of an out-of-range one.
            if case .int(let magnitude) = current.kind, !isFollowedByPostfix {
                let literal = advance()
                let value = magnitude == UInt64(Int.max) + 1 ? Int.min : -Int(magnitude)
                return RuleSyntax(.int(value), range: minus.range.union(literal.range))
            }
            let operand = try parseUnary()
            return RuleSyntax(.unary(.negate, operand), range: minus.range.union(operand.range))
        }
        return try parseMember()
    }

    private var isFollowedByPostfix: Bool {
        let next = tokens[min(index + 1, tokens.count - 1)].kind
        return next == .punctuation(.dot) || next == .punctuation(.leftBracket)
    }

    private mutating func parseMember() throws(RuleDiagnostic) -> RuleSyntax {
        var base = try parsePrimary()
        while true {
            if take(.dot) != nil {
                guard case .identifier(let name) = current.kind else {
                    throw error("expected a name after '.', found \(describeCurrent())")
                }
                let nameToken = advance()
                if let open = take(.leftParen) {
                    let (arguments, close) = try parseArguments(until: .rightParen, opener: open)
                    base = try bounded(RuleSyntax(
                        .call(name: name, nameRange: nameToken.range, arguments: [base] + arguments),
                        range: base.range.union(close.range)
                    ), at: nameToken.range)
                } else {
                    base = try bounded(RuleSyntax(.member(base, name: name, nameRange: nameToken.range), range: base.range.union(nameToken.range)),
                                       at: nameToken.range)
                }
            } else if let open = take(.leftBracket) {
                let index = try parseExpression()
                let close = try expect(.rightBracket, closing: open)
                base = try bounded(RuleSyntax(.index(base, index), range: base.range.union(close.range)), at: open.range)
            } else {
                return base
            }
        }
    }

    private mutating func parseArguments(until closer: RulePunctuation, opener: RuleToken) throws(RuleDiagnostic) -> ([RuleSyntax], RuleToken) {
        var arguments: [RuleSyntax] = []
        while true {
            if let close = take(closer) { return (arguments, close) }
            arguments.append(try parseExpression())
            if take(.comma) == nil {
                return (arguments, try expect(closer, closing: opener))
            }
        }
    }

    private mutating func parsePrimary() throws(RuleDiagnostic) -> RuleSyntax {
        let token = current
        switch token.kind {
        case .int(let magnitude):
            _ = advance()
            guard magnitude <= UInt64(Int.max) else {
                throw error("integer literal '\(token.range.text(in: source))' is out of range (at most \(Int.max))", at: token.range)
            }
            return RuleSyntax(.int(Int(magnitude)), range: token.range)
        case .double(let value):
            _ = advance()
            return RuleSyntax(.double(value), range: token.range)
        case .string(let value):
            _ = advance()
            return RuleSyntax(.string(value), range: token.range)
        case .trueKeyword, .falseKeyword:
            _ = advance()
            return RuleSyntax(.bool(token.kind == .trueKeyword), range: token.range)
        case .nullKeyword:
            _ = advance()
            return RuleSyntax(.null, range: token.range)
        case .identifier(let name):
            _ = advance()
            if let open = take(.leftParen) {
                let (arguments, close) = try parseArguments(until: .rightParen, opener: open)
                return RuleSyntax(.call(name: name, nameRange: token.range, arguments: arguments), range: token.range.union(close.range))
            }
            return RuleSyntax(.identifier(name), range: token.range)
        case .punctuation(.leftParen):
            _ = advance()
            var inner = try parseExpression()
            let close = try expect(.rightParen, closing: token)
            inner.range = token.range.union(close.range)
            return inner
        case .punctuation(.leftBracket):
            _ = advance()
            let (elements, close) = try parseArguments(until: .rightBracket, opener: token)
            return RuleSyntax(.list(elements), range: token.range.union(close.range))
        case .end:
            throw error("unexpected end of rule; expected a value, a fact or '('")
        case .inKeyword, .punctuation:
            throw error("unexpected \(describeCurrent()); expected a value, a fact or '('")
        }
    }
}
