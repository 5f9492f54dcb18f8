internal import Mustache

extension MessageTemplate {
    /// A variable a template names at its top level: the root name (`attributes` for
    /// `attributes.vip`) and its 1-based line and column in the template text.
    package struct Variable: Sendable, Hashable {
        package var root: String
        package var line: Int
        package var column: Int
    }

    /// The top-level names of `{{ name }}`, `{{{ name }}}`, `{{& name }}`, `{{# name }}` and
    /// `{{^ name }}` tags; names inside a section (`{{#list}} … {{/list}}`) may refer to the
    /// section's value and are not listed. Comments and partials are skipped.
    package static func variables(in source: String, nested: Bool = false) -> [Variable] {
        var result: [Variable] = []
        let scalars = Array(source.unicodeScalars)
        var i = 0
        var line = 1
        var column = 1
        var depth = 0
        func advance(_ n: Int) {
            for _ in 0..<n where i < scalars.count {
                if scalars[i] == "\n" { line += 1; column = 1 } else { column += 1 }
                i += 1
            }
        }
        while i < scalars.count {
            guard scalars[i] == "{", i + 1 < scalars.count, scalars[i + 1] == "{" else { advance(1); continue }
            let tagLine = line
            let tagColumn = column
            advance(2)
            var body = ""
            while i < scalars.count, !(scalars[i] == "}" && i + 1 < scalars.count && scalars[i + 1] == "}") {
                body.unicodeScalars.append(scalars[i])
                advance(1)
            }
            advance(2)
            if i < scalars.count, scalars[i] == "}", body.hasPrefix("{") { advance(1) }
            var tag = Substring(body)
            let sigil = tag.first
            if let sigil, "#^/&{!>=<$".contains(sigil) { tag = tag.dropFirst() }
            let name = tag.trimmingSpaces()
            switch sigil {
            case "!", ">", "=", "<", "$": continue
            case "/": depth = max(0, depth - 1); continue
            default: break
            }
            let opens = sigil == "#" || sigil == "^"
            if depth == 0 || nested, !name.isEmpty, name != "." {
                let root = String(name.split(separator: ".", maxSplits: 1).first ?? Substring(name))
                result.append(Variable(root: root, line: tagLine, column: tagColumn))
            }
            if opens { depth += 1 }
        }
        return result
    }

    /// Line, column (1-based, in the template) and a readable message for a compile error.
    package static func describe(_ error: any Error) -> (line: Int, column: Int, message: String) {
        if let deep = error as? TooDeep {
            return (deep.line, deep.column, "sections are nested more than \(maximumSectionDepth) deep")
        }
        guard let parserError = error as? MustacheTemplate.ParserError else { return (1, 1, "\(error)") }
        let problem: String = switch parserError.error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect?: "a section is closed with a different name than it was opened with"
        case .unfinishedName?: "a tag is not closed with '}}'"
        case .expectedSectionEnd?: "a section '{{#name}}' is never closed with '{{/name}}'"
        case .invalidSetDelimiter?: "invalid set-delimiter tag"
        default: "\(parserError.error)"
        }
        return (parserError.context.lineNumber, parserError.context.columnNumber, problem)
    }
}

extension MessageTemplate {
    /// The deepest a template may nest sections (`{{#…}}`, `{{^…}}`, `{{<…}}`, `{{$…}}`): the
    /// Mustache parser and renderer recurse once a level (about 15 KB of stack a level in a debug
    /// build: 1,000 levels overflowed it). A message needs a few.
    package static let maximumSectionDepth = 50

    /// A template nesting its sections deeper than ``maximumSectionDepth``, at the section that
    /// goes over (1-based line and column, in Unicode scalars).
    struct TooDeep: Error {
        var line: Int
        var column: Int
    }

    /// Refuses a template that nests sections deeper than ``maximumSectionDepth``, before the
    /// Mustache parser recurses into it. Reads tags as the parser does: the sigil right after the
    /// opening delimiter, and set-delimiter tags (`{{=<% %>=}}`) followed.
    static func checkSectionDepth(_ source: String) throws(TooDeep) {
        let bytes = Array(source.utf8)
        var open = Array("{{".utf8), close = Array("}}".utf8)
        func matches(_ delimiter: [UInt8], at k: Int) -> Bool {
            k + delimiter.count <= bytes.count && bytes[k..<(k + delimiter.count)].elementsEqual(delimiter)
        }
        var i = 0, depth = 0
        while i < bytes.count {
            guard matches(open, at: i) else { i += 1; continue }
            let tag = i, body = i + open.count
            var end = body
            while end < bytes.count, !matches(close, at: end) { end += 1 }
            guard end < bytes.count else { return } // an unclosed tag: the parser reports it
            i = end + close.count
            guard body < end else { continue }
            switch bytes[body] {
            case UInt8(ascii: "#"), UInt8(ascii: "^"), UInt8(ascii: "<"), UInt8(ascii: "$"):
                depth += 1
                if depth > maximumSectionDepth {
                    let before = String(decoding: bytes[..<tag], as: UTF8.self)
                    let line = before.utf8.count(where: { $0 == UInt8(ascii: "\n") }) + 1
                    let column = (before.split(separator: "\n", omittingEmptySubsequences: false).last?.unicodeScalars.count ?? 0) + 1
                    throw TooDeep(line: line, column: column)
                }
            case UInt8(ascii: "/"):
                depth = max(0, depth - 1)
            case UInt8(ascii: "="):
                // `{{=<% %>=}}`: the new delimiters, between the equals signs.
                guard end - 1 > body, bytes[end - 1] == UInt8(ascii: "=") else { continue }
                let parts = bytes[(body + 1)..<(end - 1)].split(whereSeparator: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })
                if parts.count == 2 { open = Array(parts[0]); close = Array(parts[1]) }
            default:
                break
            }
        }
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
