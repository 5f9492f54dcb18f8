/// Compact JSON text written straight to bytes, exactly as ``JSONValue/write(to:)`` writes the
/// equivalent tree: strings escaped by ``JSONText``, doubles as ``JSONValue/double(_:)`` spells
/// them, no whitespace. Members are written in the order given: a writer of a sorted-keys wire
/// form calls `key` in sorted order.
///
/// ```swift
/// var json = JSONWriter()
/// json.beginObject(); json.key("a"); json.integer(1); json.key("b"); json.string("x"); json.endObject()
/// json.value   // .verbatim of {"a":1,"b":"x"}
/// ```
package struct JSONWriter {
    package private(set) var bytes: [UInt8] = []
    /// Whether the next value or key follows another at the same level.
    private var needsComma = false
    /// False once a double that JSON cannot hold (not finite) was asked for.
    package private(set) var valid = true

    package init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    /// The text written, as a value (nil when a number was not finite).
    package var value: JSONValue? { valid ? .verbatim(bytes) : nil }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    package mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    package mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    package mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    package mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// A member's name (plain ASCII, no character to escape); its value comes next.
    package mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        needsComma = false
    }

    /// A member's name given as text (escaped as a string); its value comes next.
    package mutating func separateKey(_ name: String) {
        separate()
        JSONText.appendString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    package mutating func string(_ text: String) {
        separate()
        JSONText.appendString(text, to: &bytes)
        needsComma = true
    }

    /// A string, or `null`.
    package mutating func string(_ text: String?) {
        if let text { string(text) } else { null() }
    }

    package mutating func strings(_ texts: [String]) {
        beginArray()
        for text in texts { string(text) }
        endArray()
    }

    package mutating func integer(_ number: some BinaryInteger) {
        separate()
        bytes.append(contentsOf: String(number).utf8)
        needsComma = true
    }

    /// A double as ``JSONValue/double(_:)`` writes it; a number that is not finite makes the
    /// whole text invalid (``value`` is nil).
    package mutating func double(_ number: Double) {
        separate()
        needsComma = true
        guard JSONValue.appendDouble(number, to: &bytes) else {
            valid = false
            bytes.append(contentsOf: "null".utf8)
            return
        }
    }

    package mutating func bool(_ flag: Bool) {
        separate()
        bytes.append(contentsOf: (flag ? "true" : "false").utf8)
        needsComma = true
    }

    package mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    /// A value built as a tree, written as ``JSONValue/write(to:)`` writes it.
    package mutating func value(_ value: JSONValue) {
        separate()
        value.write(to: &bytes)
        needsComma = true
    }
}
