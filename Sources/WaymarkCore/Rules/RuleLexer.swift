/// A punctuation or operator token of the rule language.
package enum RulePunctuation: String, Sendable, Hashable, CaseIterable {
    case bang = "!", minus = "-", star = "*", slash = "/", percent = "%", plus = "+"
    case less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case equalEqual = "==", bangEqual = "!="
    case ampersandAmpersand = "&&", pipePipe = "||"
    case question = "?", colon = ":"
    case leftParen = "(", rightParen = ")", leftBracket = "[", rightBracket = "]"
    case dot = ".", comma = ","
}

/// One token of a rule, with its range in the rule text.
package struct RuleToken: Sendable, Hashable {
    package enum Kind: Sendable, Hashable {
        /// An integer literal's magnitude (the lexer sees no sign; `-` is an operator).
        case int(UInt64)
        case double(Double)
        /// A string literal, escapes decoded.
        case string(String)
        case identifier(String)
        case trueKeyword, falseKeyword, nullKeyword, inKeyword
        case punctuation(RulePunctuation)
        case end
    }

    package var kind: Kind
    package var range: SourceRange
}

/// Splits a rule's text into tokens, reporting every lexical mistake.
///
/// Literals: decimal and hexadecimal (`0x1F`) integers; doubles (`1.5`, `2e3`, `1.5e-3`);
/// strings in single or double quotes with the escapes `\\ \' \" \? \` \a \b \f \n \r \t \v`,
/// `\xHH`, `\uHHHH` and `\UHHHHHHHH`. `//` starts a comment that runs to the end of the line.
/// Positions are 1-based lines and columns counted in Unicode scalars.
package struct RuleLexer {
    private let bytes: [UInt8]
    private var offset = 0
    private var line = 1
    private var column = 1
    private(set) var diagnostics: [RuleDiagnostic] = []

    package init(_ source: String) {
        bytes = Array(source.utf8)
    }

    /// Every token of the rule, ending with `.end`, and the lexical mistakes found.
    package static func tokenize(_ source: String) -> (tokens: [RuleToken], diagnostics: [RuleDiagnostic]) {
        var lexer = RuleLexer(source)
        var tokens: [RuleToken] = []
        while true {
            let token = lexer.next()
            tokens.append(token)
            if token.kind == .end { break }
        }
        return (tokens, lexer.diagnostics)
    }

    private var position: SourcePosition { SourcePosition(offset: offset, line: line, column: column) }

    private func peek(_ ahead: Int = 0) -> UInt8? {
        offset + ahead < bytes.count ? bytes[offset + ahead] : nil
    }

    private mutating func advance() {
        let byte = bytes[offset]
        offset += 1
        if byte == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else if offset >= bytes.count || bytes[offset] & 0b1100_0000 != 0b1000_0000 {
            // A scalar ends here: the next byte starts a new column.
            column += 1
        }
    }

    private func text(_ range: SourceRange) -> String {
        String(decoding: bytes[range.start.offset..<range.end.offset], as: UTF8.self)
    }

    private mutating func report(_ message: String, from start: SourcePosition, token: String? = nil) {
        let range = SourceRange(start: start, end: position)
        diagnostics.append(RuleDiagnostic(message: message, location: range.location, range: range, token: token ?? text(range)))
    }

    /// The next token; `.end` at the end of the text (and forever after).
    package mutating func next() -> RuleToken {
        skipTrivia()
        let start = position
        guard let byte = peek() else {
            return RuleToken(kind: .end, range: SourceRange(start: start, end: start))
        }
        let kind: RuleToken.Kind
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            kind = number(start)
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            kind = string(start, quote: byte)
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
            while let b = peek(), Self.isIdentifierByte(b) { advance() }
            let name = text(SourceRange(start: start, end: position))
            switch name {
            case "true": kind = .trueKeyword
            case "false": kind = .falseKeyword
            case "null": kind = .nullKeyword
            case "in": kind = .inKeyword
            default: kind = .identifier(name)
            }
        default:
            if let punctuation = punctuation(start) {
                kind = .punctuation(punctuation)
            } else {
                return next()
            }
        }
        return RuleToken(kind: kind, range: SourceRange(start: start, end: position))
    }

    private static func isIdentifierByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "_")
    }

    private static func isDigit(_ b: UInt8?) -> Bool {
        guard let b else { return false }
        return b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
    }

    private mutating func skipTrivia() {
        while let b = peek() {
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r") {
                advance()
            } else if b == UInt8(ascii: "/"), peek(1) == UInt8(ascii: "/") {
                while let c = peek(), c != UInt8(ascii: "\n") { advance() }
            } else {
                return
            }
        }
    }

    /// A punctuation token, or `nil` after reporting an unexpected character.
    private mutating func punctuation(_ start: SourcePosition) -> RulePunctuation? {
        let byte = peek()!
        let second = peek(1)
        func two(_ p: RulePunctuation) -> RulePunctuation { advance(); advance(); return p }
        func one(_ p: RulePunctuation) -> RulePunctuation { advance(); return p }
        switch UnicodeScalar(byte) {
        case "!": return second == UInt8(ascii: "=") ? two(.bangEqual) : one(.bang)
        case "<": return second == UInt8(ascii: "=") ? two(.lessEqual) : one(.less)
        case ">": return second == UInt8(ascii: "=") ? two(.greaterEqual) : one(.greater)
        case "=":
            if second == UInt8(ascii: "=") { return two(.equalEqual) }
            advance()
            report("unexpected '='; use '==' to compare", from: start)
            return nil
        case "&":
            if second == UInt8(ascii: "&") { return two(.ampersandAmpersand) }
            advance()
            report("unexpected '&'; use '&&' for logical and", from: start)
            return nil
        case "|":
            if second == UInt8(ascii: "|") { return two(.pipePipe) }
            advance()
            report("unexpected '|'; use '||' for logical or", from: start)
            return nil
        case "-": return one(.minus)
        case "*": return one(.star)
        case "/": return one(.slash)
        case "%": return one(.percent)
        case "+": return one(.plus)
        case "?": return one(.question)
        case ":": return one(.colon)
        case "(": return one(.leftParen)
        case ")": return one(.rightParen)
        case "[": return one(.leftBracket)
        case "]": return one(.rightBracket)
        case ".": return one(.dot)
        case ",": return one(.comma)
        default:
            // Consume one whole Unicode scalar, so the message quotes it intact.
            advance()
            while let b = peek(), b & 0b1100_0000 == 0b1000_0000 { advance() }
            let character = text(SourceRange(start: start, end: position))
            report("unexpected character '\(character)'", from: start, token: character)
            return nil
        }
    }

    private mutating func number(_ start: SourcePosition) -> RuleToken.Kind {
        if peek() == UInt8(ascii: "0"), peek(1) == UInt8(ascii: "x") || peek(1) == UInt8(ascii: "X") {
            advance(); advance()
            var value: UInt64 = 0
            var overflow = false
            var digits = 0
            while let b = peek(), let digit = Self.hexValue(b) {
                advance()
                digits += 1
                let (shifted, o1) = value.multipliedReportingOverflow(by: 16)
                let (sum, o2) = shifted.addingReportingOverflow(UInt64(digit))
                value = sum
                overflow = overflow || o1 || o2
            }
            while let b = peek(), Self.isIdentifierByte(b) { advance() }
            if digits == 0 {
                report("hexadecimal literal '\(text(SourceRange(start: start, end: position)))' has no digits", from: start)
                return .int(0)
            }
            if overflow {
                report("integer literal '\(text(SourceRange(start: start, end: position)))' is out of range", from: start)
                return .int(0)
            }
            return .int(value)
        }
        while Self.isDigit(peek()) { advance() }
        var isDouble = false
        if peek() == UInt8(ascii: "."), Self.isDigit(peek(1)) {
            isDouble = true
            advance()
            while Self.isDigit(peek()) { advance() }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            let signed = peek(1) == UInt8(ascii: "+") || peek(1) == UInt8(ascii: "-")
            if Self.isDigit(peek(signed ? 2 : 1)) {
                isDouble = true
                advance()
                if signed { advance() }
                while Self.isDigit(peek()) { advance() }
            }
        }
        let literal = text(SourceRange(start: start, end: position))
        if let b = peek(), Self.isIdentifierByte(b) {
            while let b = peek(), Self.isIdentifierByte(b) { advance() }
            report("malformed number '\(text(SourceRange(start: start, end: position)))'", from: start)
            return .int(0)
        }
        if isDouble {
            guard let value = Double(literal), value.isFinite else {
                report("double literal '\(literal)' is out of range", from: start)
                return .double(0)
            }
            return .double(value)
        }
        guard let value = UInt64(literal), value <= UInt64(Int.max) + 1 else {
            report("integer literal '\(literal)' is out of range (at most \(Int.max))", from: start)
            return .int(0)
        }
        return .int(value)
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private mutating func string(_ start: SourcePosition, quote: UInt8) -> RuleToken.Kind {
        advance()
        var decoded: [UInt8] = []
        while true {
            guard let b = peek(), b != UInt8(ascii: "\n") else {
                report("unterminated string literal; close it with \(quote == UInt8(ascii: "'") ? "'" : "\"")", from: start)
                return .string(String(decoding: decoded, as: UTF8.self))
            }
            if b == quote {
                advance()
                return .string(String(decoding: decoded, as: UTF8.self))
            }
            if b != UInt8(ascii: "\\") {
                decoded.append(b)
                advance()
                continue
            }
            let escapeStart = position
            advance()
            guard let e = peek(), e != UInt8(ascii: "\n") else { continue }
            advance()
            switch UnicodeScalar(e) {
            case "\\", "'", "\"", "?", "`": decoded.append(e)
            case "a": decoded.append(0x07)
            case "b": decoded.append(0x08)
            case "f": decoded.append(0x0C)
            case "n": decoded.append(0x0A)
            case "r": decoded.append(0x0D)
            case "t": decoded.append(0x09)
            case "v": decoded.append(0x0B)
            case "x", "u", "U":
                let count = e == UInt8(ascii: "x") ? 2 : e == UInt8(ascii: "u") ? 4 : 8
                var value: UInt32 = 0
                var valid = true
                for _ in 0..<count {
                    guard let h = peek(), let digit = Self.hexValue(h) else { valid = false; break }
                    advance()
                    value = value * 16 + UInt32(digit)
                }
                if valid, let scalar = UnicodeScalar(value) {
                    decoded.append(contentsOf: Array(String(Character(scalar)).utf8))
                } else {
                    report("invalid escape '\(text(SourceRange(start: escapeStart, end: position)))'; '\\\(UnicodeScalar(e))' takes \(count) hexadecimal digits of a valid Unicode scalar", from: escapeStart)
                }
            default:
                // Include a whole multi-byte character in the quoted escape.
                while let c = peek(), c & 0b1100_0000 == 0b1000_0000 { advance() }
                report("invalid escape '\(text(SourceRange(start: escapeStart, end: position)))' in string literal", from: escapeStart)
            }
        }
    }
}
