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

extension Substring {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
