import Foundation
import Testing
@testable import WaymarkCore

/// `JSONWriter` writes the bytes `JSONValue.write(to:)` writes for the same tree, and a verbatim
/// value reads back as that tree.
@Suite struct JSONWriterTests {
    @Test func theWriterWritesWhatTheTreeWrites() throws {
        let awkward = ["", "plain", "quote \" and \\ backslash", "line\nfeed\ttab\r", "\u{01}\u{1F}", "é ✓ 🎉", "</script>"]
        let numbers = [0.0, -0.0, 1, 1.5, 0.1 + 0.2, 1e-300, 123456789012345680, -2.5e-7, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        var json = JSONWriter()
        json.beginObject()
        json.key("a"); json.strings(awkward)
        json.key("b")
        json.beginArray()
        for number in numbers { json.double(number) }
        json.endArray()
        json.key("c"); json.integer(-42)
        json.key("d"); json.bool(true)
        json.key("e"); json.null()
        json.key("f"); json.string(nil as String?)
        json.key("g")
        json.beginObject()
        for name in ["x y", "q\"uote"] { json.separateKey(name); json.integer(1) }
        json.endObject()
        json.key("h"); json.value(.array([.object(JSONObject(distinctMembers: [("k", .bool(false))]))]))
        json.endObject()
        let tree: JSONValue = .object(JSONObject(distinctMembers: [
            ("a", .array(awkward.map(JSONValue.string))),
            ("b", .array(try numbers.map { try #require(JSONValue.double($0)) })),
            ("c", .integer(-42)), ("d", .bool(true)), ("e", .null), ("f", .null),
            ("g", .object(JSONObject(distinctMembers: [("x y", .integer(1)), ("q\"uote", .integer(1))]))),
            ("h", .array([.object(JSONObject(distinctMembers: [("k", .bool(false))]))])),
        ]))
        let written = try #require(json.value)
        #expect(written.serialized == tree.serialized)
        // Verbatim text is the same value as its tree, reads as one and parses back to it.
        #expect(written == tree)
        #expect(written.typeDescription == "an object")
        #expect(written["c"] == .integer(-42))
        #expect(try JSONParser.parse(written.serialized) == tree)
        // Nested in a tree, it is written as it is.
        #expect(JSONValue.array([written, .null]).serialized == JSONValue.array([tree, .null]).serialized)
    }

    /// The escaping reads eight bytes at a time: every byte at every offset is escaped as the
    /// byte-by-byte definition says.
    @Test func stringsAreEscapedAtEveryOffset() {
        func reference(_ text: String) -> [UInt8] {
            var out: [UInt8] = [UInt8(ascii: "\"")]
            for byte in text.utf8 {
                switch byte {
                case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), byte]
                case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), byte]
                case 0x0A: out += Array("\\n".utf8)
                case 0x0D: out += Array("\\r".utf8)
                case 0x09: out += Array("\\t".utf8)
                case 0..<0x20: out += Array(String(format: "\\u%04x", byte).utf8)
                default: out.append(byte)
                }
            }
            return out + [UInt8(ascii: "\"")]
        }
        var random = SeededGenerator(seed: 9)
        let specials: [Character] = ["\"", "\\", "\n", "\t", "\r", "\u{00}", "\u{1F}", " ", "~", "\u{7F}", "é", "✓", "🎉", "a", "Z", "0"]
        for length in 0..<40 {
            for _ in 0..<30 {
                let text = String((0..<length).map { _ in specials[Int(random.next() % UInt64(specials.count))] })
                var out: [UInt8] = []
                JSONText.appendString(text, to: &out)
                #expect(out == reference(text), "\(text.debugDescription)")
            }
        }
        for byte in UInt8(0)...0x7F {
            let text = String(repeating: "x", count: 11) + String(UnicodeScalar(byte)) + "yyyyyyyy"
            var out: [UInt8] = []
            JSONText.appendString(text, to: &out)
            #expect(out == reference(text), "byte \(byte)")
        }
    }

    @Test func aNumberJSONCannotHoldMakesTheTextInvalid() {
        for bad in [Double.nan, .infinity, -.infinity] {
            var json = JSONWriter()
            json.beginArray(); json.double(1); json.double(bad); json.endArray()
            #expect(json.value == nil)
        }
    }
}
