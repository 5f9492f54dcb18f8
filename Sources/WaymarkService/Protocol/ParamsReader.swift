package import WaymarkCore

/// Reads a method's named params, collecting every problem before failing.
///
/// Params must be an object (or absent); a member set to `null` counts as not given. Members the
/// method does not know are refused (a typo must not silently drop data).
///
/// ```swift
/// var reader = ParamsReader(params, known: ["client_id", "top_k"])
/// let clientID = reader.id("client_id", required: true)
/// let topK = reader.integer("top_k", in: 1...100)
/// try reader.finish()
/// ```
package struct ParamsReader {
    private let object: JSONObject
    private let known: [String]
    package private(set) var problems: [ParamProblem] = []

    /// - Parameters:
    ///   - params: The request's `params` member (nil when absent).
    ///   - known: Every member name the method accepts.
    package init(_ params: JSONValue?, known: [String]) {
        self.known = known
        switch params {
        case nil, .null?:
            object = JSONObject()
        case .object(let object)?:
            self.object = object
        case .array?:
            object = JSONObject()
            problems.append(ParamProblem(path: "params", message: "expected an object of named params, not an array"))
        case let other?:
            object = JSONObject()
            problems.append(ParamProblem(path: "params", message: "expected an object of named params, found \(other.typeDescription)"))
        }
    }

    /// Records a problem with a member.
    package mutating func fail(_ name: String, _ message: String) {
        problems.append(ParamProblem(path: "params." + name, message: message))
    }

    /// The member's value, nil when absent or null; records a problem when required and missing.
    package mutating func value(_ name: String, required: Bool = false) -> JSONValue? {
        switch object[name] {
        case nil, .null?:
            if required { fail(name, "required") }
            return nil
        case let value?:
            return value
        }
    }

    /// A string member.
    package mutating func string(_ name: String, required: Bool = false) -> String? {
        guard let value = value(name, required: required) else { return nil }
        guard case .string(let text) = value else {
            fail(name, "expected a string, found \(value.typeDescription)")
            return nil
        }
        return text
    }

    /// An id member (1 to 64 of `A-Z a-z 0-9 _ - . : @`).
    package mutating func id(_ name: String, required: Bool = false) -> String? {
        guard let text = string(name, required: required) else { return nil }
        guard isValidIdentifier(text) else {
            fail(name, FieldFormats.expectedID(text))
            return nil
        }
        return text
    }

    /// A whole-number member within `range` (written without fraction or exponent).
    package mutating func integer(_ name: String, in range: ClosedRange<Int>, required: Bool = false) -> Int? {
        guard let value = value(name, required: required) else { return nil }
        guard case .number = value else {
            fail(name, "expected a whole number from \(range.lowerBound) to \(range.upperBound), found \(value.typeDescription)")
            return nil
        }
        guard let number = value.integerValue, range.contains(number) else {
            fail(name, "expected a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return number
    }

    /// A boolean member.
    package mutating func bool(_ name: String, required: Bool = false) -> Bool? {
        guard let value = value(name, required: required) else { return nil }
        guard case .bool(let flag) = value else {
            fail(name, "expected true or false, found \(value.typeDescription)")
            return nil
        }
        return flag
    }

    /// Refuses unknown members, then throws -32602 listing every problem found, if any.
    package mutating func finish() throws(RPCError) {
        for key in object.keys where !known.contains(key) {
            let hint = suggest(key, in: known).map { "; did you mean '\($0)'?" } ?? ""
            fail(key, "unknown parameter\(hint) (known: \(known.joined(separator: ", ")))")
        }
        if !problems.isEmpty { throw RPCError.invalidParams(problems) }
    }
}

/// The id format of docs/formats.md.
func isValidIdentifier(_ text: String) -> Bool {
    FieldFormats.isValidID(text)
}
