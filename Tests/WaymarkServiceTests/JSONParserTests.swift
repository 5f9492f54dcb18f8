import Foundation
import Testing
@testable import WaymarkService

@Suite struct JSONParserTests {
    @Test func parsesAndKeepsNumberLiterals() throws {
        let value = try JSONParser.parse(#"{"a": [1, -2.50, 1e400, 123456789012345678901234567890], "b": "x\u00e9\n", "c": null, "d": true}"#)
        #expect(value["a"] == .array([.number("1"), .number("-2.50"), .number("1e400"), .number("123456789012345678901234567890")]))
        #expect(value["b"] == .string("xé\n"))
        #expect(value["c"] == .null)
        #expect(value["d"] == .bool(true))
        #expect(JSONValue.number("123456789012345678901234567890").integerValue == nil)
        #expect(JSONValue.number("1e2").integerValue == nil)
        #expect(JSONValue.number("-42").integerValue == -42)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "tru", "\"abc", "{\"a\" 1}", "[1 2]", "1 2",
        "\"\\x\"", "\"a\u{01}b\"", "\"\\ud800\"", "\"\\udc00x\"", "NaN", "{'a':1}",
    ])
    func refusesInvalidText(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
    }

    @Test func refusesInvalidUTF8InStrings() {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func limitsDepth() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONParser.parse(ok) }
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(deep) }
        let veryDeep = String(repeating: "{\"a\":", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(veryDeep) }
    }

    @Test func surrogatePairsAndRoundTrip() throws {
        let value = try JSONParser.parse(#"["\ud83d\ude00", "q\"b\\s\u0001"]"#)
        #expect(value == .array([.string("😀"), .string("q\"b\\s\u{01}")]))
        #expect(value.jsonText == #"["😀","q\"b\\s\u0001"]"#)
        #expect(try JSONParser.parse(value.jsonText) == value)
    }

    @Test func duplicateMembersLastWins() throws {
        let value = try JSONParser.parse(#"{"a":1,"a":2}"#)
        #expect(value["a"] == .number("2"))
        #expect(value.objectValue?.count == 1)
    }
}

@Suite struct LineReaderTests {
    /// Writes `bytes` to a pipe, closes it, and reads every event.
    func events(_ bytes: [UInt8], limit: Int) -> [LineReader.Event] {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let writer = fds[1]
        let thread = Thread {
            var offset = 0
            bytes.withUnsafeBytes { raw in
                while offset < raw.count {
                    let count = write(writer, raw.baseAddress! + offset, min(4096, raw.count - offset))
                    if count <= 0 { break }
                    offset += count
                }
            }
            close(writer)
        }
        thread.start()
        var reader = LineReader(fileDescriptor: fds[0], maximumLineBytes: limit)
        var events: [LineReader.Event] = []
        while true {
            let event = reader.next()
            if event == .end { break }
            events.append(event)
        }
        close(fds[0])
        return events
    }

    @Test func framesLinesWithCRLFAndAFinalLineWithoutNewline() {
        let result = events(Array("a\r\n\nbc\nlast".utf8), limit: 100)
        #expect(result == [.line(Array("a".utf8)), .line([]), .line(Array("bc".utf8)), .line(Array("last".utf8))])
    }

    @Test func skipsOversizeLinesWithoutLosingTheNext() {
        let big = [UInt8](repeating: UInt8(ascii: "x"), count: 300_000)
        let result = events(big + Array("\nok\n".utf8) + Array("12345678901\n".utf8) + big, limit: 10)
        #expect(result == [.oversize(bytes: 300_000), .line(Array("ok".utf8)), .oversize(bytes: 11), .oversize(bytes: 300_000)])
    }

    @Test func aLineOfExactlyTheLimitIsRead() {
        let line = [UInt8](repeating: UInt8(ascii: "y"), count: 10)
        #expect(events(line + [0x0D, 0x0A], limit: 10) == [.line(line)])
    }
}
