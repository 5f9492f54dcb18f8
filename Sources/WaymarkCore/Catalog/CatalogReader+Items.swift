internal import Yams
internal import Foundation

extension CatalogReader {
    // MARK: Items

    static let itemKeys = [
        "id", "kind", "title", "description", "product", "category", "channels", "when", "requires",
        "triggers", "value", "lever", "prior", "cooldown_days", "valid_from", "valid_until", "repeatable", "template",
        "holdout", "service",
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
        if !FieldFormats.isValidID(id) {
            error(idNode, "item id '\(id)' must be 1 to 64 characters of A-Z a-z 0-9 _ - . : @" + (FieldFormats.idHint(id).map { " (\($0))" } ?? ""))
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
                      let window = days(wd.value, "\(w): triggers[].window_days", min: 1),
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
        if let v = f["cooldown_days"] { item.cooldownDays = days(v.value, "\(w): cooldown_days", min: 0) }
        if let v = f["valid_from"] { item.validFrom = date(v.value, "\(w): valid_from") }
        if let v = f["valid_until"] { item.validUntil = date(v.value, "\(w): valid_until") }
        if let from = item.validFrom, let until = item.validUntil, until < from, let v = f["valid_until"] {
            error(v.value, "\(w): valid_until \(until.isoDate) is before valid_from \(from.isoDate)")
        }
        if let v = f["repeatable"] { item.repeatable = bool(v.value, "\(w): repeatable") ?? false }
        if let v = f["holdout"] { item.holdout = holdout(v.value, "\(w): holdout", defaultSalt: id) }
        if let v = f["service"] {
            item.service = bool(v.value, "\(w): service") ?? false
            if item.service, kind == .offer {
                error(v.value, "\(w): service: true is for messages (a service message is exempt from the holdout); an offer is always held out")
            }
        }
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
