import Testing
import WaymarkCore

@Suite struct RuleLexerTests {
    private func kinds(_ source: String) -> [RuleToken.Kind] {
        let (tokens, diagnostics) = RuleLexer.tokenize(source)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        return tokens.map(\.kind)
    }

    @Test func literalsKeywordsAndIdentifiers() {
        #expect(kinds("42 0x1F 1.5 2e3 1.5e-3 true false null in stage _x9") == [
            .int(42), .int(31), .double(1.5), .double(2000), .double(0.0015),
            .trueKeyword, .falseKeyword, .nullKeyword, .inKeyword, .identifier("stage"), .identifier("_x9"), .end,
        ])
    }

    @Test func everyOperator() {
        let source = "! - * / % + < <= > >= == != && || ? : ( ) [ ] . ,"
        let expected = RulePunctuation.allCases.map { RuleToken.Kind.punctuation($0) } + [.end]
        #expect(kinds(source) == expected)
        // Two-character operators win over their one-character prefixes without spaces.
        #expect(kinds("a<=b!=c") == [.identifier("a"), .punctuation(.lessEqual), .identifier("b"), .punctuation(.bangEqual), .identifier("c"), .end])
    }

    @Test func stringLiteralsAndEscapes() {
        #expect(kinds(#"'it\'s' "say \"hi\"" 'a\nb\t\\' "\x41\u00e9\U0001F600""#) == [
            .string("it's"), .string("say \"hi\""), .string("a\nb\t\\"), .string("Aé😀"), .end,
        ])
        #expect(kinds(#""ünïcode ✓""#) == [.string("ünïcode ✓"), .end])
    }

    @Test func commentsAreSkipped() {
        #expect(kinds("a // the first fact\n&& b // and the second") == [
            .identifier("a"), .punctuation(.ampersandAmpersand), .identifier("b"), .end,
        ])
    }

    @Test func positionsCountLinesAndUnicodeScalars() {
        let (tokens, _) = RuleLexer.tokenize("\"é😀\" == x\n  && y")
        let starts = tokens.map { ($0.range.start.line, $0.range.start.column, $0.range.start.offset) }
        // "é😀" is 4 columns wide (quote, é, 😀, quote) but 8 UTF-8 bytes.
        #expect(starts.map(\.0) == [1, 1, 1, 2, 2, 2])
        #expect(starts.map(\.1) == [1, 6, 9, 3, 6, 7])
        #expect(starts.map(\.2) == [0, 9, 12, 16, 19, 20])
        #expect(tokens[0].range.end.column == 5)
    }

    @Test func lexicalErrorsAreAllReportedWithPositions() {
        let (_, diagnostics) = RuleLexer.tokenize("a = 1 & b # c\n'open")
        #expect(diagnostics.map(\.message) == [
            "unexpected '='; use '==' to compare",
            "unexpected '&'; use '&&' for logical and",
            "unexpected character '#'",
            "unterminated string literal; close it with '",
        ])
        #expect(diagnostics.map { "\($0.line):\($0.column)" } == ["1:3", "1:7", "1:11", "2:1"])
        #expect(diagnostics.map(\.token) == ["=", "&", "#", "'open"])
    }

    @Test func badEscapesAndNumbers() {
        let (_, diagnostics) = RuleLexer.tokenize(#"'\q' "\xZZ" 99999999999999999999 12abc 1e999"#)
        #expect(diagnostics.map(\.message) == [
            #"invalid escape '\q' in string literal"#,
            #"invalid escape '\x'; '\x' takes 2 hexadecimal digits of a valid Unicode scalar"#,
            "integer literal '99999999999999999999' is out of range (at most 9223372036854775807)",
            "malformed number '12abc'",
            "double literal '1e999' is out of range",
        ])
        #expect(diagnostics.map(\.column) == [2, 7, 13, 34, 40])
    }
}
