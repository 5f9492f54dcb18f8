internal import Yams

extension CatalogReader {
    static let cadenceKeys = ["id", "title", "enter", "steps", "exit", "reentry_days", "max_wait_days"]

    /// The `cadences:` list: each with its steps, entry rule and exits checked against the items.
    mutating func cadences(_ node: Node, itemIDs: Set<String>, tiers: Set<String>) -> [Cadence] {
        guard let nodes = list(node, "cadences") else { return [] }
        var result: [Cadence] = []
        for node in nodes {
            guard let f = mapping(node, "cadences[]", keys: Self.cadenceKeys) else { continue }
            guard let idNode = f["id"], let id = string(idNode.value, "cadences[].id") else {
                error(node, "cadences[]: a cadence needs an 'id' (e.g. id: new-parent)")
                continue
            }
            let w = "cadence '\(id)'"
            if result.contains(where: { $0.id == id }) { error(idNode.value, "duplicate cadence id '\(id)'"); continue }
            var cadence = Cadence(id: id, title: f["title"].flatMap { string($0.value, "\(w): title") } ?? id, steps: [])
            if let v = f["enter"] { cadence.enter = rule(v.value, itemIDs: itemIDs, tiers: tiers, "\(w): enter") } else {
                error(node, "\(w): needs an 'enter' rule (e.g. enter: event_within(\"child_born\", 30))")
            }
            if let v = f["steps"], let stepNodes = list(v.value, "\(w): steps") {
                for stepNode in stepNodes {
                    guard let s = mapping(stepNode, "\(w): steps[]", keys: ["item", "channel", "delay_days"]) else { continue }
                    guard let itemNode = s["item"], let channelNode = s["channel"],
                          let item = string(itemNode.value, "\(w): steps[].item"), let channel = channel(channelNode.value, "\(w): steps[].channel")
                    else {
                        if s["item"] == nil || s["channel"] == nil {
                            error(stepNode, "\(w): a step needs 'item' and 'channel' (e.g. {item: msg-welcome, channel: email, delay_days: 0})")
                        }
                        continue
                    }
                    guard itemIDs.contains(item) else {
                        let hint = RuleSuggestion.nearest(to: item, in: itemIDs.sorted()).map { "; did you mean '\($0)'?" } ?? ""
                        error(itemNode.value, "\(w): unknown item '\(item)'\(hint)")
                        continue
                    }
                    let delay = s["delay_days"].flatMap { days($0.value, "\(w): steps[].delay_days", min: 0) } ?? 0
                    cadence.steps.append(.init(itemID: item, channel: channel, delayDays: delay))
                }
                if stepNodes.isEmpty { error(v.value, "\(w): steps must list at least one step") }
            } else if f["steps"] == nil {
                error(node, "\(w): needs 'steps' (e.g. steps: [{item: msg-welcome, channel: email, delay_days: 0}])")
            }
            if let v = f["exit"], let e = mapping(v.value, "\(w): exit", keys: ["purchase", "response", "stage_change", "when"]) {
                if let p = e["purchase"] { cadence.exitOnPurchase = strings(p.value, "\(w): exit.purchase").map(\.0) }
                if let r = e["response"] { cadence.exitOnResponse = bool(r.value, "\(w): exit.response") ?? true }
                if let s = e["stage_change"] { cadence.exitOnStageChange = bool(s.value, "\(w): exit.stage_change") ?? false }
                if let r = e["when"] { cadence.exitWhen = rule(r.value, itemIDs: itemIDs, tiers: tiers, "\(w): exit.when") }
            }
            if let v = f["reentry_days"] { cadence.reentryDays = days(v.value, "\(w): reentry_days", min: 0) }
            if let v = f["max_wait_days"] {
                if case .scalar(let scalar) = v.value, scalar.string == "never" {
                    cadence.maxWaitDays = nil
                } else if let days = days(v.value, "\(w): max_wait_days (a number of days, or never)", min: 0) {
                    cadence.maxWaitDays = days
                }
            }
            result.append(cadence)
        }
        return result
    }

    private mutating func rule(_ node: Node, itemIDs: Set<String>, tiers: Set<String>, _ w: String) -> CatalogRule? {
        guard let source = string(node, w) else { return nil }
        switch CatalogRule.compile(source, origin: contentLocation(node)) {
        case .success(let rule):
            checkRuleReferences(rule, itemIDs: itemIDs, tiers: tiers, w)
            return rule
        case .failure(let failure):
            for d in failure.diagnostics { error(at: d.location, "\(w): rule: \(d.message)") }
            return nil
        }
    }
}
