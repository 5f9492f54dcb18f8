import Foundation
import WaymarkCore
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

/// Issue 14, item 2: object members are hashed, and an object with too many is refused quickly.
@Suite struct JSONObjectLimitTests {
    @Test func manyMembersAreBuiltInLinearTime() {
        let start = ContinuousClock.now
        var members: [(key: String, value: JSONValue)] = []
        for index in 0..<131_000 { members.append((key: "k\(index)", value: .integer(index))) }
        let object = JSONObject(members)
        #expect(object.count == 131_000)
        #expect(object["k130999"] == .integer(130_999))
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test func removingAMemberKeepsTheIndex() {
        var object: JSONObject = ["a": .integer(1), "b": .integer(2), "c": .integer(3)]
        object["a"] = nil
        #expect(object.keys == ["b", "c"])
        #expect(object["c"] == .integer(3))
        object["a"] = .integer(4)
        #expect(object.keys == ["b", "c", "a"])
    }

    @Test func aLineWith131000KeysIsAnsweredWellUnderASecond() throws {
        var line = #"{"jsonrpc":"2.0","id":1,"method":"health","params":{"#
        line += (0..<131_000).map { "\"k\($0)\":1" }.joined(separator: ",")
        line += "}}"
        #expect(line.utf8.count < 1 << 21)
        let service = RPCService()
        let start = ContinuousClock.now
        let answer = service.handle(line: Array(line.utf8))
        #expect(ContinuousClock.now - start < .seconds(1))
        let response = try JSONParser.parse(try #require(answer))
        #expect(response["error"]?["code"] == .integer(RPCError.invalidRequestCode))
    }

    @Test func shutdownInABatchStopsTheElementsAfterIt() throws {
        let service = RPCService()
        var calls = 0
        service.register("count") { _ in calls += 1; return .integer(calls) }
        let batch = #"[{"jsonrpc":"2.0","id":1,"method":"count"},{"jsonrpc":"2.0","id":2,"method":"shutdown"},{"jsonrpc":"2.0","id":3,"method":"count"}]"#
        let answer = try JSONParser.parse(try #require(service.handle(line: Array(batch.utf8))))
        guard case .array(let responses) = answer else { Issue.record("expected an array"); return }
        #expect(calls == 1)
        #expect(responses.count == 2)
        #expect(service.shutdownRequested)
    }
}
