internal import Yams
internal import Foundation

struct CatalogReader {
    let text: String
    let file: String
    let references: CatalogReferences
    let lines: [Substring]
    var diagnostics: [CatalogDiagnostic] = []
    /// Known keys that the last `mapping` call saw misspelled (not reported again as missing).
    var misspelled: Set<String> = []
    /// Product and category names checked against `references`, and how many of them were known.
    var checkedReferences = 0
    var knownReferences = 0

    /// Counts one checked product or category name.
    mutating func noteReference(known: Bool) {
        checkedReferences += 1
        if known { knownReferences += 1 }
    }

    init(text: String, file: String, references: CatalogReferences) {
        self.text = text
        self.file = file
        self.references = references
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    // MARK: Positions and errors

    func location(_ node: Node?) -> SourceLocation {
        guard let mark = node?.mark else { return SourceLocation(file: file) }
        return SourceLocation(file: file, line: mark.line, column: mark.column)
    }

    mutating func error(_ node: Node?, _ message: String) {
        diagnostics.append(CatalogDiagnostic(location: location(node), message: message))
    }

    mutating func error(at location: SourceLocation, _ message: String) {
        diagnostics.append(CatalogDiagnostic(location: location, message: message))
    }

    /// Where the text of a scalar starts: after an opening quote, or on the first line of a
    /// block scalar (`|`, `>`).
    func contentLocation(_ node: Node) -> SourceLocation {
        var loc = location(node)
        guard case .scalar(let scalar) = node else { return loc }
        switch scalar.style {
        case .singleQuoted, .doubleQuoted:
            loc.column += 1
        case .literal, .folded:
            var lineIndex = loc.line // the line after the indicator (0-based index = line)
            while lineIndex < lines.count, lines[lineIndex].allSatisfy({ $0 == " " || $0 == "\r" }) { lineIndex += 1 }
            if lineIndex < lines.count {
                let indent = lines[lineIndex].prefix(while: { $0 == " " }).count
                loc = SourceLocation(file: file, line: lineIndex + 1, column: indent + 1)
            }
        default:
            break
        }
        return loc
    }

    // MARK: Typed access

    /// The pairs of a mapping with known keys; reports unknown and duplicate keys.
    mutating func mapping(_ node: Node, _ what: String, keys: [String]) -> [String: (key: Node, value: Node)]? {
        guard case .mapping(let mapping) = node else {
            error(node, "\(what) must be a mapping of keys to values, found \(describe(node))")
            return nil
        }
        var result: [String: (key: Node, value: Node)] = [:]
        misspelled = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                error(key, "\(what): a key must be a plain name, found \(describe(key))")
                continue
            }
            let name = scalar.string
            if result[name] != nil {
                error(key, "\(what): duplicate key '\(name)'")
                continue
            }
            if !keys.contains(name) {
                if let near = RuleSuggestion.nearest(to: name, in: keys) {
                    misspelled.insert(near)
                    error(key, "\(what): unknown key '\(name)'; did you mean '\(near)'?")
                } else {
                    error(key, "\(what): unknown key '\(name)'; known keys: \(keys.joined(separator: ", "))")
                }
                continue
            }
            result[name] = (key, value)
        }
        return result
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): s.string.isEmpty ? "an empty value" : "'\(s.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain || s.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    mutating func string(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let s) = node, !isNull(node) else {
            error(node, "\(what) must be text, found \(describe(node))")
            return nil
        }
        return s.string
    }

    mutating func int(_ node: Node, _ what: String, min: Int? = nil, max: Int? = nil) -> Int? {
        guard case .scalar(let s) = node, let value = Int(s.string.replacingOccurrences(of: "_", with: "")) else {
            error(node, "\(what) must be a whole number, found \(describe(node))")
            return nil
        }
        if let min, value < min {
            error(node, "\(what) must be at least \(min), found \(value)")
            return nil
        }
        if let max, value > max {
            error(node, "\(what) must be at most \(max)\(max == Self.maximumDays ? " (100 years)" : ""), found \(value)")
            return nil
        }
        return value
    }

    /// The most days a catalog may name anywhere (a delay, a window, a cooldown, a horizon …):
    /// 100 years. A larger number has no meaning for a client's relationship, and dates built
    /// from it would leave the database's range (a cadence step due in year 300,000 cannot be stored).
    static let maximumDays = 36_525

    /// A number of days (`…_days` keys): a whole number from `min` to ``maximumDays``.
    mutating func days(_ node: Node, _ what: String, min: Int) -> Int? {
        int(node, what, min: min, max: Self.maximumDays)
    }

    /// The most offers, messages or offers per category an answer may hold.
    static let maximumListed = 1_000

    mutating func double(_ node: Node, _ what: String, range: ClosedRange<Double>? = nil) -> Double? {
        guard case .scalar(let s) = node, s.style == .plain || s.style == .any, let value = Double(s.string), value.isFinite else {
            error(node, "\(what) must be a number, found \(describe(node))")
            return nil
        }
        if let range, !range.contains(value) {
            error(node, "\(what) must be between \(fmt(range.lowerBound)) and \(fmt(range.upperBound)), found \(s.string)")
            return nil
        }
        return value
    }

    mutating func bool(_ node: Node, _ what: String) -> Bool? {
        guard case .scalar(let s) = node else {
            error(node, "\(what) must be true or false, found \(describe(node))")
            return nil
        }
        switch s.string.lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        default:
            error(node, "\(what) must be true or false, found \(describe(node))")
            return nil
        }
    }

    mutating func list(_ node: Node, _ what: String) -> [Node]? {
        if case .sequence(let seq) = node { return Array(seq) }
        if case .scalar = node, !isNull(node) { return [node] } // a single value for a one-element list
        error(node, "\(what) must be a list, found \(describe(node))")
        return nil
    }

    mutating func strings(_ node: Node, _ what: String) -> [(String, Node)] {
        guard let items = list(node, what) else { return [] }
        return items.compactMap { item in string(item, what).map { ($0, item) } }
    }

    mutating func channel(_ node: Node, _ what: String) -> Channel? {
        guard let name = string(node, what) else { return nil }
        guard let channel = Channel(rawValue: name) else {
            let names = Channel.allCases.map(\.rawValue)
            let hint = RuleSuggestion.nearest(to: name, in: names).map { "; did you mean '\($0)'?" } ?? "; channels: \(names.joined(separator: ", "))"
            error(node, "\(what): unknown channel '\(name)'\(hint)")
            return nil
        }
        return channel
    }

    mutating func date(_ node: Node, _ what: String) -> Timestamp? {
        guard case .scalar(let s) = node, let date = Timestamp(isoDate: s.string) else {
            error(node, "\(what) must be a date YYYY-MM-DD, found \(describe(node))")
            return nil
        }
        return date
    }

    // MARK: Document

    static let rootKeys = ["version", "name", "description", "settings", "loyalty", "contact_policy", "holdout", "audit", "items", "cadences"]

    mutating func read() -> Catalog? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let yaml as YamlError {
            error(at: yamlLocation(yaml), "invalid YAML: \(yamlProblem(yaml))")
            return nil
        } catch {
            self.error(at: SourceLocation(file: file), "invalid YAML: \(error)")
            return nil
        }
        guard let root else { return nil }
        guard let fields = mapping(root, "catalog", keys: Self.rootKeys) else { return nil }

        var catalog = Catalog(version: "", name: "")
        if let v = fields["version"] {
            catalog.version = string(v.value, "version") ?? ""
        } else {
            error(root, "catalog: missing required key 'version' (e.g. version: \"2024.06\")")
        }
        if let v = fields["name"] { catalog.name = string(v.value, "name") ?? "" }
        if let v = fields["description"] { _ = string(v.value, "description") }
        if let v = fields["settings"] { catalog.settings = settings(v.value) }
        if let v = fields["loyalty"] { catalog.loyalty = loyalty(v.value) }
        if let v = fields["contact_policy"] { catalog.contactPolicy = contactPolicy(v.value) }
        if let v = fields["holdout"] { catalog.holdout = holdout(v.value, "holdout", defaultSalt: nil) }
        if let v = fields["audit"] { catalog.audit = audit(v.value) }

        if let v = fields["items"], let nodes = list(v.value, "items") {
            // Item ids first: rules may refer to any item of the document.
            var itemIDs = Set<String>()
            for node in nodes {
                if case .mapping(let m) = node, let idNode = m["id"], case .scalar(let s) = idNode { itemIDs.insert(s.string) }
            }
            var seen: [String: Node] = [:]
            let tiers = Set(catalog.loyalty.tiers.map(\.name))
            for node in nodes {
                if let idNode = itemIDNode(node), case .scalar(let s) = idNode {
                    if let first = seen[s.string] {
                        let at = location(first)
                        error(idNode, "duplicate item id '\(s.string)' (first defined at \(at.line):\(at.column)); item ids must be unique")
                        // Its body is still checked, so every mistake is reported in one run.
                        _ = item(node, itemIDs: itemIDs, tiers: tiers)
                        continue
                    }
                    seen[s.string] = idNode
                }
                if let item = item(node, itemIDs: itemIDs, tiers: tiers) { catalog.items.append(item) }
            }
        }
        if let v = fields["cadences"] {
            // Steps may name any item of the document (one with a mistake is reported once, at the item).
            var documentItems = Set<String>()
            if let items = fields["items"], case .sequence(let nodes) = items.value {
                for node in nodes {
                    if case .mapping(let m) = node, let idNode = m["id"], case .scalar(let s) = idNode { documentItems.insert(s.string) }
                }
            }
            catalog.cadences = cadences(v.value, itemIDs: documentItems, tiers: Set(catalog.loyalty.tiers.map(\.name)))
        }
        return catalog
    }

    func itemIDNode(_ node: Node) -> Node? {
        if case .mapping(let m) = node { return m["id"] }
        return nil
    }

    func yamlLocation(_ error: YamlError) -> SourceLocation {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            SourceLocation(file: file, line: mark.line, column: mark.column)
        default:
            SourceLocation(file: file)
        }
    }

    func yamlProblem(_ error: YamlError) -> String {
        let text: String
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _), .composer(let context, let problem, _, _):
            text = if let context { "\(problem) (\(context.text))" } else { problem }
        default:
            text = "\(error)"
        }
        return Self.yamlHint(text).map { "\(text); \($0)" } ?? text
    }

    /// The parser's message in plain words, for the usual mistakes: indentation, tabs, an
    /// unquoted `: ` in a value.
    static func yamlHint(_ problem: String) -> String? {
        if problem.contains("found character that cannot start any token") || problem.contains("tab") {
            return "hint: YAML indents with spaces only; replace the tabs on this line with spaces"
        }
        if problem.contains("mapping values are not allowed") {
            return "hint: a plain value cannot contain ': ' — put the value in quotes, or check that this key is indented like the keys above it"
        }
        if problem.contains("did not find expected key") || problem.contains("did not find expected '-' indicator")
            || problem.contains("expected <block end>") || problem.contains("could not find expected ':'") || problem.contains("block mapping")
            || problem.contains("block collection") {
            return "hint: the indentation is off — keys of one mapping must start in the same column, and the items of a list in the same column as each other"
        }
        return nil
    }

}
