internal import Yams
internal import Foundation

/// Reads and validates a catalog document (YAML; JSON is accepted as YAML).
///
/// The whole document is checked and every problem is reported together, each with its
/// `file:line:column`: YAML syntax, unknown keys (with the nearest known key), wrong types and
/// out-of-range values, missing required keys, duplicate item ids, dangling references
/// (products, categories, item ids and tiers named in items and rules), rules that do not
/// compile (positions inside the rule are moved to the rule's place in the file) and templates
/// that do not compile or name unknown facts.
package enum CatalogLoader {
    /// Loads a catalog.
    ///
    /// - Parameters:
    ///   - text: the document.
    ///   - file: the file name used in positions.
    ///   - references: the known products and categories; `.none` skips those checks (item ids
    ///     and tiers are always checked).
    /// - Returns: the validated catalog, with every rule and template compiled.
    /// - Throws: `CatalogError` with every problem found. Not an error: an empty `items` list.
    package static func load(_ text: String, file: String, references: CatalogReferences = .none) throws(CatalogError) -> Catalog {
        var reader = CatalogReader(text: text, file: file, references: references)
        let catalog = reader.read()
        if !reader.diagnostics.isEmpty || catalog == nil {
            var error = CatalogError(diagnostics: reader.diagnostics.isEmpty
                ? [CatalogDiagnostic(location: SourceLocation(file: file), message: "the catalog is empty")]
                : reader.diagnostics)
            if reader.checkedReferences > 0, reader.knownReferences == 0, let categories = references.categories {
                // Not one name matches: most likely a catalog written for other data.
                error.hint = "none of the \(reader.checkedReferences) references to products and categories in this catalog is known "
                    + (categories.isEmpty ? "(there are no products yet: import products first)"
                       : "(the known categories are \(categories.sorted().joined(separator: ", "))): is this the catalog for this data?")
            }
            throw error
        }
        return catalog!
    }
}

/// The names a message template may use: every fact, plus a few item and client values.
package enum TemplateVariables {
    package static let extra = ["client_id", "title", "product_name", "channel", "as_of", "first_name"]
    package static let all: Set<String> = Set(Fact.allCases.map(\.rawValue) + extra)
}

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

    mutating func int(_ node: Node, _ what: String, min: Int? = nil) -> Int? {
        guard case .scalar(let s) = node, let value = Int(s.string.replacingOccurrences(of: "_", with: "")) else {
            error(node, "\(what) must be a whole number, found \(describe(node))")
            return nil
        }
        if let min, value < min {
            error(node, "\(what) must be at least \(min), found \(value)")
            return nil
        }
        return value
    }

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

    static func isValidID(_ id: String) -> Bool {
        guard (1...64).contains(id.utf8.count) else { return false }
        return id.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || c == 0x5F || c == 0x2D || c == 0x2E || c == 0x3A || c == 0x40
        }
    }

    // MARK: Document

    static let rootKeys = ["version", "name", "description", "settings", "loyalty", "contact_policy", "items"]

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
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _), .composer(let context, let problem, _, _):
            if let context { "\(problem) (\(context.text))" } else { problem }
        default:
            "\(error)"
        }
    }

    // MARK: Sections

    mutating func settings(_ node: Node) -> CatalogSettings {
        var result = CatalogSettings()
        guard let f = mapping(node, "settings", keys: ["lifecycle", "arbitration", "exploration", "propensity"]) else { return result }
        if let v = f["lifecycle"], let m = mapping(v.value, "settings.lifecycle", keys: [
            "onboarding_days", "loyal_min_purchases", "loyal_min_p_alive", "loyal_min_tenure_days",
            "at_risk_p_alive", "at_risk_gap_factor", "default_gap_days", "lapsed_p_alive", "lapsed_days", "reactivated_days",
        ]) {
            var t = LifecycleThresholds()
            let p = "settings.lifecycle."
            if let v = m["onboarding_days"] { t.onboardingDays = int(v.value, p + "onboarding_days", min: 0) ?? t.onboardingDays }
            if let v = m["loyal_min_purchases"] { t.loyalMinPurchases = int(v.value, p + "loyal_min_purchases", min: 1) ?? t.loyalMinPurchases }
            if let v = m["loyal_min_p_alive"] { t.loyalMinPAlive = double(v.value, p + "loyal_min_p_alive", range: 0...1) ?? t.loyalMinPAlive }
            if let v = m["loyal_min_tenure_days"] { t.loyalMinTenureDays = int(v.value, p + "loyal_min_tenure_days", min: 0) ?? t.loyalMinTenureDays }
            if let v = m["at_risk_p_alive"] { t.atRiskPAlive = double(v.value, p + "at_risk_p_alive", range: 0...1) ?? t.atRiskPAlive }
            if let v = m["at_risk_gap_factor"] { t.atRiskGapFactor = double(v.value, p + "at_risk_gap_factor", range: 1...100) ?? t.atRiskGapFactor }
            if let v = m["default_gap_days"] { t.defaultGapDays = int(v.value, p + "default_gap_days", min: 1) ?? t.defaultGapDays }
            if let v = m["lapsed_p_alive"] { t.lapsedPAlive = double(v.value, p + "lapsed_p_alive", range: 0...1) ?? t.lapsedPAlive }
            if let v = m["lapsed_days"] { t.lapsedDays = int(v.value, p + "lapsed_days", min: 1) ?? t.lapsedDays }
            if let v = m["reactivated_days"] { t.reactivatedDays = int(v.value, p + "reactivated_days", min: 0) ?? t.reactivatedDays }
            if t.lapsedPAlive > t.atRiskPAlive, let v = m["lapsed_p_alive"] {
                error(v.value, "settings.lifecycle.lapsed_p_alive (\(fmt(t.lapsedPAlive))) must not exceed at_risk_p_alive (\(fmt(t.atRiskPAlive)))")
            }
            result.lifecycle = t
        }
        if let v = f["arbitration"], let m = mapping(v.value, "settings.arbitration", keys: [
            "top_offers", "max_messages", "max_per_category", "min_priority", "recency_full_days",
        ]) {
            var a = ArbitrationSettings()
            let p = "settings.arbitration."
            if let v = m["top_offers"] { a.topOffers = int(v.value, p + "top_offers", min: 0) ?? a.topOffers }
            if let v = m["max_messages"] { a.maxMessages = int(v.value, p + "max_messages", min: 0) ?? a.maxMessages }
            if let v = m["max_per_category"] { a.maxPerCategory = int(v.value, p + "max_per_category", min: 0) ?? a.maxPerCategory }
            if let v = m["min_priority"] { a.minPriority = double(v.value, p + "min_priority", range: 0...Double.greatestFiniteMagnitude) ?? a.minPriority }
            if let v = m["recency_full_days"] { a.recencyFullDays = int(v.value, p + "recency_full_days", min: 0) ?? a.recencyFullDays }
            result.arbitration = a
        }
        if let v = f["exploration"], let m = mapping(v.value, "settings.exploration", keys: ["enabled", "seed"]) {
            if let v = m["enabled"] { result.exploration.enabled = bool(v.value, "settings.exploration.enabled") ?? false }
            if let v = m["seed"], let seed = int(v.value, "settings.exploration.seed", min: 0) { result.exploration.seed = UInt64(seed) }
        }
        if let v = f["propensity"], let m = mapping(v.value, "settings.propensity", keys: ["learned", "horizon_days", "training_clients"]) {
            if let v = m["learned"] { result.propensity.learned = bool(v.value, "settings.propensity.learned") ?? true }
            if let v = m["horizon_days"], let days = int(v.value, "settings.propensity.horizon_days", min: 1) { result.propensity.horizonDays = days }
            if let v = m["training_clients"], let n = int(v.value, "settings.propensity.training_clients", min: 100) { result.propensity.trainingClients = n }
        }
        return result
    }

    mutating func loyalty(_ node: Node) -> LoyaltyProgram {
        var result = LoyaltyProgram()
        guard let f = mapping(node, "loyalty", keys: ["points_per_unit", "category_multipliers", "tiers", "qualifying_window_days"]) else { return result }
        if let v = f["points_per_unit"] { result.pointsPerUnit = double(v.value, "loyalty.points_per_unit", range: 0...1_000_000) ?? 1 }
        if let v = f["qualifying_window_days"] { result.qualifyingWindowDays = int(v.value, "loyalty.qualifying_window_days", min: 0) ?? 365 }
        if let v = f["category_multipliers"] {
            if case .mapping(let m) = v.value {
                for (key, value) in m {
                    guard let category = string(key, "loyalty.category_multipliers key") else { continue }
                    checkCategory(category, key, "loyalty.category_multipliers")
                    if let x = double(value, "loyalty.category_multipliers.\(category)", range: 0...1000) { result.categoryMultipliers[category] = x }
                }
            } else {
                error(v.value, "loyalty.category_multipliers must be a mapping of category to multiplier, found \(describe(v.value))")
            }
        }
        if let v = f["tiers"], let nodes = list(v.value, "loyalty.tiers") {
            var tiers: [LoyaltyProgram.Tier] = []
            for node in nodes {
                guard let m = mapping(node, "loyalty.tiers[]", keys: ["name", "threshold"]) else { continue }
                guard let n = m["name"], let t = m["threshold"] else {
                    error(node, "loyalty.tiers[]: a tier needs 'name' and 'threshold' (e.g. {name: Gold, threshold: 1000})")
                    continue
                }
                guard let name = string(n.value, "loyalty.tiers[].name"), let threshold = int(t.value, "loyalty.tiers[].threshold", min: 0) else { continue }
                if tiers.contains(where: { $0.name == name }) { error(n.value, "loyalty.tiers: duplicate tier '\(name)'"); continue }
                if let last = tiers.last, threshold <= last.threshold {
                    error(t.value, "loyalty.tiers: thresholds must increase; '\(name)' (\(threshold)) is not above '\(last.name)' (\(last.threshold))")
                    continue
                }
                tiers.append(.init(name: name, threshold: threshold))
            }
            result.tiers = tiers
        }
        return result
    }

    mutating func contactPolicy(_ node: Node) -> ContactPolicy {
        var result = ContactPolicy()
        let p = "contact_policy."
        guard let f = mapping(node, "contact_policy", keys: [
            "cooldown_after_presented_days", "cooldown_after_declined_days", "caps", "quiet_list",
            "consent_exempt_channels", "do_not_contact", "inbound", "follow_up_accepted_days",
        ]) else { return result }
        if let v = f["cooldown_after_presented_days"] { result.cooldownAfterPresentedDays = int(v.value, p + "cooldown_after_presented_days", min: 0) ?? result.cooldownAfterPresentedDays }
        if let v = f["cooldown_after_declined_days"] { result.cooldownAfterDeclinedDays = int(v.value, p + "cooldown_after_declined_days", min: 0) ?? result.cooldownAfterDeclinedDays }
        if let v = f["caps"], let nodes = list(v.value, p + "caps") {
            for node in nodes {
                guard let m = mapping(node, p + "caps[]", keys: ["channel", "max", "window_days"]) else { continue }
                guard let maxNode = m["max"], let windowNode = m["window_days"] else {
                    error(node, p + "caps[]: a cap needs 'max' and 'window_days' (e.g. {channel: email, max: 2, window_days: 7})")
                    continue
                }
                var channel: Channel?
                if let c = m["channel"], string(c.value, p + "caps[].channel") != "any" {
                    guard let parsed = self.channel(c.value, p + "caps[].channel") else { continue }
                    channel = parsed
                }
                guard let max = int(maxNode.value, p + "caps[].max", min: 0), let window = int(windowNode.value, p + "caps[].window_days", min: 1) else { continue }
                result.caps.append(ContactCap(channel: channel, max: max, windowDays: window))
            }
        }
        if let v = f["quiet_list"] { result.quietList = Set(strings(v.value, p + "quiet_list").map(\.0)) }
        if let v = f["consent_exempt_channels"], let nodes = list(v.value, p + "consent_exempt_channels") {
            result.consentExempt = ChannelSet(nodes.compactMap { channel($0, p + "consent_exempt_channels") })
        }
        if let v = f["do_not_contact"], let text = string(v.value, p + "do_not_contact") {
            if let handling = DoNotContactHandling(rawValue: text) {
                result.doNotContact = handling
            } else {
                error(v.value, p + "do_not_contact must be one of \(DoNotContactHandling.allCases.map(\.rawValue).joined(separator: ", ")), found '\(text)'")
            }
        }
        if let v = f["inbound"], let text = string(v.value, p + "inbound") {
            if let handling = InboundHandling(rawValue: text) {
                result.inbound = handling
            } else {
                error(v.value, p + "inbound must be one of \(InboundHandling.allCases.map(\.rawValue).joined(separator: ", ")), found '\(text)'")
            }
        }
        if let v = f["follow_up_accepted_days"] {
            result.followUpAcceptedDays = int(v.value, p + "follow_up_accepted_days", min: 0) ?? result.followUpAcceptedDays
        }
        if result.inbound == .exempt, result.consentExempt.isEmpty, let v = f["inbound"] {
            error(v.value, p + "inbound: exempt has no effect while consent_exempt_channels is empty; list the channels where the client comes to you there (e.g. [web, advisor])")
        }
        return result
    }

    // MARK: References

    mutating func checkProduct(_ id: String, _ node: Node, _ what: String) {
        guard let products = references.products else { return }
        noteReference(known: products[id] != nil)
        guard products[id] == nil else { return }
        let hint = RuleSuggestion.nearest(to: id, in: products.byID.keys.sorted()).map { "; did you mean '\($0)'?" } ?? ""
        error(node, "\(what): unknown product '\(id)'\(hint)")
    }

    mutating func checkCategory(_ name: String, _ node: Node, _ what: String) {
        guard let categories = references.categories else { return }
        noteReference(known: categories.contains(name))
        guard !categories.contains(name) else { return }
        let hint = RuleSuggestion.nearest(to: name, in: categories.sorted()).map { "; did you mean '\($0)'?" } ?? ""
        error(node, "\(what): unknown category '\(name)'\(hint)")
    }

    // MARK: Items

    static let itemKeys = [
        "id", "kind", "title", "description", "product", "category", "channels", "when", "requires",
        "triggers", "value", "lever", "prior", "cooldown_days", "valid_from", "valid_until", "repeatable", "template",
    ]

    mutating func item(_ node: Node, itemIDs: Set<String>, tiers: Set<String>) -> CatalogItem? {
        var what = "item"
        if let idNode = itemIDNode(node), case .scalar(let s) = idNode { what = "item '\(s.string)'" }
        guard let f = mapping(node, what, keys: Self.itemKeys) else { return nil }
        let misspelled = self.misspelled
        var ok = true
        guard let idNode = f["id"]?.value else {
            error(node, "item: missing required key 'id'")
            return nil
        }
        guard let id = string(idNode, "item id") else { return nil }
        if !Self.isValidID(id) {
            error(idNode, "item id '\(id)' must be 1 to 64 characters of A-Z a-z 0-9 _ - . : @")
            ok = false
        }
        let w = "item '\(id)'"
        var kind = CatalogItem.Kind.offer
        if let k = f["kind"] {
            if let text = string(k.value, "\(w): kind") {
                if let parsed = CatalogItem.Kind(rawValue: text) { kind = parsed } else {
                    error(k.value, "\(w): kind must be 'offer' or 'message', found '\(text)'")
                    ok = false
                }
            } else { ok = false }
        } else {
            if !misspelled.contains("kind") { error(idNode, "\(w): missing required key 'kind' (offer or message)") }
            ok = false
        }
        var title = id
        if let t = f["title"] { title = string(t.value, "\(w): title") ?? id } else {
            if !misspelled.contains("title") { error(idNode, "\(w): missing required key 'title'") }
            ok = false
        }
        if let d = f["description"] { _ = string(d.value, "\(w): description") }

        var item = CatalogItem(id: id, kind: kind, title: title, channels: [])
        if let p = f["product"], let product = string(p.value, "\(w): product") {
            checkProduct(product, p.value, w)
            item.product = product
        }
        if let c = f["category"], let category = string(c.value, "\(w): category") {
            checkCategory(category, c.value, w)
            item.category = category
            if let product = item.product, let info = references.products?[product], info.category != category {
                error(c.value, "\(w): category '\(category)' differs from the category '\(info.category)' of product '\(product)'")
            }
        }
        if kind == .offer, item.product == nil, item.category == nil {
            error(idNode, "\(w): an offer needs a 'product' or a 'category'")
            ok = false
        }
        if let c = f["channels"] {
            let nodes = list(c.value, "\(w): channels") ?? []
            for n in nodes {
                if let channel = channel(n, "\(w): channels") {
                    if !item.channels.contains(channel) { item.channels.append(channel) }
                } else { ok = false }
            }
            if nodes.isEmpty { error(c.value, "\(w): channels must name at least one channel"); ok = false }
        } else if !misspelled.contains("channels") {
            error(idNode, "\(w): missing required key 'channels' (e.g. channels: [email, app])")
            ok = false
        }
        if let r = f["requires"], let m = mapping(r.value, "\(w): requires", keys: ["products", "categories"]) {
            if let v = m["products"] {
                for (product, n) in strings(v.value, "\(w): requires.products") {
                    checkProduct(product, n, "\(w): requires.products")
                    item.requires.products.append(product)
                }
            }
            if let v = m["categories"] {
                for (category, n) in strings(v.value, "\(w): requires.categories") {
                    checkCategory(category, n, "\(w): requires.categories")
                    item.requires.categories.append(category)
                }
            }
        }
        if let t = f["triggers"], let nodes = list(t.value, "\(w): triggers") {
            for n in nodes {
                guard let m = mapping(n, "\(w): triggers[]", keys: ["event", "window_days", "boost", "fade"]) else { continue }
                guard let e = m["event"], let wd = m["window_days"], let b = m["boost"] else {
                    error(n, "\(w): a trigger needs 'event', 'window_days' and 'boost' (e.g. {event: child_born, window_days: 365, boost: 3})")
                    continue
                }
                guard let event = string(e.value, "\(w): triggers[].event"),
                      let window = int(wd.value, "\(w): triggers[].window_days", min: 1),
                      let boost = double(b.value, "\(w): triggers[].boost", range: 1...1000) else { continue }
                var fade = Trigger.Fade.linear
                if let fd = m["fade"], let text = string(fd.value, "\(w): triggers[].fade") {
                    if let parsed = Trigger.Fade(rawValue: text) { fade = parsed } else {
                        error(fd.value, "\(w): triggers[].fade must be 'linear' or 'exponential', found '\(text)'")
                    }
                }
                item.triggers.append(Trigger(event: event, windowDays: window, boost: boost, fade: fade))
            }
        }
        if let v = f["value"] {
            if case .scalar(let s) = v.value, s.string == "clv" {
                item.value = .clv
            } else if let x = double(v.value, "\(w): value (a number, or clv)", range: 0...Double.greatestFiniteMagnitude) {
                item.value = .fixed(x)
            }
        }
        if let v = f["lever"] { item.lever = double(v.value, "\(w): lever", range: 0...1000) ?? 1 }
        if let v = f["prior"], let m = mapping(v.value, "\(w): prior", keys: ["alpha", "beta", "rate", "strength"]) {
            if let a = m["alpha"], let b = m["beta"] {
                if let alpha = double(a.value, "\(w): prior.alpha", range: 0.001...1_000_000),
                   let beta = double(b.value, "\(w): prior.beta", range: 0.001...1_000_000) {
                    item.prior = BetaPrior(alpha: alpha, beta: beta)
                }
            } else if let r = m["rate"] {
                let strength = m["strength"].flatMap { double($0.value, "\(w): prior.strength", range: 0.001...1_000_000) } ?? 20
                if let rate = double(r.value, "\(w): prior.rate", range: 0.0001...0.9999) {
                    item.prior = BetaPrior(rate: rate, strength: strength)
                }
            } else {
                error(v.value, "\(w): prior needs alpha and beta, or rate (and optionally strength)")
            }
        }
        if let v = f["cooldown_days"] { item.cooldownDays = int(v.value, "\(w): cooldown_days", min: 0) }
        if let v = f["valid_from"] { item.validFrom = date(v.value, "\(w): valid_from") }
        if let v = f["valid_until"] { item.validUntil = date(v.value, "\(w): valid_until") }
        if let from = item.validFrom, let until = item.validUntil, until < from, let v = f["valid_until"] {
            error(v.value, "\(w): valid_until \(until.isoDate) is before valid_from \(from.isoDate)")
        }
        if let v = f["repeatable"] { item.repeatable = bool(v.value, "\(w): repeatable") ?? false }
        if let v = f["when"], let source = string(v.value, "\(w): when") {
            switch CatalogRule.compile(source, origin: contentLocation(v.value)) {
            case .success(let rule):
                item.when = rule
                checkRuleReferences(rule, itemIDs: itemIDs, tiers: tiers, w)
            case .failure(let failure):
                for d in failure.diagnostics { error(at: d.location, "\(w): rule: \(d.message)") }
                ok = false
            }
        }
        if let v = f["template"], let source = string(v.value, "\(w): template") {
            item.template = template(source, node: v.value, w)
            if item.template == nil { ok = false }
        } else if kind == .message, !misspelled.contains("template") {
            error(idNode, "\(w): a message needs a 'template' (the text sent, e.g. \"Welcome, {{ client_id }}!\")")
            ok = false
        }
        return ok ? item : nil
    }

    mutating func checkRuleReferences(_ rule: CatalogRule, itemIDs: Set<String>, tiers: Set<String>, _ w: String) {
        for reference in rule.references {
            let at = reference.location
            let name = reference.argument
            switch reference.kind {
            case .product:
                guard let products = references.products else { break }
                noteReference(known: products[name] != nil)
                if products[name] == nil {
                    let hint = RuleSuggestion.nearest(to: name, in: products.byID.keys.sorted()).map { "; did you mean '\($0)'?" } ?? ""
                    error(at: at, "\(w): rule: unknown product '\(name)' in \(reference.function)\(hint)")
                }
            case .category:
                guard let categories = references.categories else { break }
                noteReference(known: categories.contains(name))
                if !categories.contains(name) {
                    let hint = RuleSuggestion.nearest(to: name, in: categories.sorted()).map { "; did you mean '\($0)'?" } ?? ""
                    error(at: at, "\(w): rule: unknown category '\(name)' in \(reference.function)\(hint)")
                }
            case .productOrCategory:
                let products = references.products
                let categories = references.categories
                guard products != nil || categories != nil else { break }
                let known = products?[name] != nil || (categories?.contains(name) ?? false)
                noteReference(known: known)
                if !known {
                    let names = (products.map { Array($0.byID.keys) } ?? []) + (categories.map { Array($0) } ?? [])
                    let hint = RuleSuggestion.nearest(to: name, in: names.sorted()).map { "; did you mean '\($0)'?" } ?? ""
                    error(at: at, "\(w): rule: '\(name)' in \(reference.function) is neither a known product nor a known category\(hint)")
                }
            case .item:
                if !itemIDs.contains(name) {
                    let hint = RuleSuggestion.nearest(to: name, in: itemIDs.sorted()).map { "; did you mean '\($0)'?" } ?? ""
                    error(at: at, "\(w): rule: unknown item id '\(name)' in \(reference.function)\(hint)")
                }
            case .tier:
                guard !name.isEmpty, !tiers.contains(name) else { break }
                if tiers.isEmpty {
                    error(at: at, "\(w): rule: unknown tier '\(name)': the catalog defines no tiers, so \(reference.function) is always \"\" (add loyalty.tiers, e.g. {name: \(name), threshold: 1000}, or compare with \"\")")
                } else {
                    let hint = RuleSuggestion.nearest(to: name, in: tiers.sorted()).map { "; did you mean '\($0)'?" }
                        ?? "; known tiers: \(tiers.sorted().joined(separator: ", "))"
                    error(at: at, "\(w): rule: unknown tier '\(name)'\(hint)")
                }
            case .channel, .lifeEvent, .attribute:
                break
            }
        }
    }

    mutating func template(_ source: String, node: Node, _ w: String) -> MessageTemplate? {
        let origin = contentLocation(node)
        let compiled: MessageTemplate
        do {
            compiled = try MessageTemplate(source: source)
        } catch {
            let (line, column, problem) = MessageTemplate.describe(error)
            let loc = SourceLocation(file: file, line: origin.line + line - 1, column: line == 1 ? origin.column + column - 1 : column + origin.column - 1)
            self.error(at: loc, "\(w): template does not compile: \(problem)")
            return nil
        }
        var ok = true
        for variable in MessageTemplate.variables(in: source) where !TemplateVariables.all.contains(variable.root) {
            let loc = SourceLocation(file: file, line: origin.line + variable.line - 1, column: origin.column + variable.column - 1)
            let hint = RuleSuggestion.nearest(to: variable.root, in: TemplateVariables.all.sorted()).map { "; did you mean '\($0)'?" } ?? ""
            error(at: loc, "\(w): template names unknown value '\(variable.root)'\(hint)")
            ok = false
        }
        return ok ? compiled : nil
    }
}
