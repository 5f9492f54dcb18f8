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

    @Test func aNumberJSONCannotHoldMakesTheTextInvalid() {
        for bad in [Double.nan, .infinity, -.infinity] {
            var json = JSONWriter()
            json.beginArray(); json.double(1); json.double(bad); json.endArray()
            #expect(json.value == nil)
        }
    }
}
