internal import Yams
internal import Foundation

extension CatalogReader {
    // MARK: Sections

    mutating func settings(_ node: Node) -> CatalogSettings {
        var result = CatalogSettings()
        guard let f = mapping(node, "settings", keys: ["lifecycle", "arbitration", "exploration", "propensity", "lifetime"]) else { return result }
        if let v = f["lifecycle"], let m = mapping(v.value, "settings.lifecycle", keys: [
            "onboarding_days", "loyal_min_purchases", "loyal_min_p_alive", "loyal_min_tenure_days",
            "at_risk_p_alive", "at_risk_gap_factor", "default_gap_days", "lapsed_p_alive", "lapsed_days", "reactivated_days",
        ]) {
            var t = LifecycleThresholds()
            let p = "settings.lifecycle."
            if let v = m["onboarding_days"] { t.onboardingDays = days(v.value, p + "onboarding_days", min: 0) ?? t.onboardingDays }
            if let v = m["loyal_min_purchases"] { t.loyalMinPurchases = int(v.value, p + "loyal_min_purchases", min: 1) ?? t.loyalMinPurchases }
            if let v = m["loyal_min_p_alive"] { t.loyalMinPAlive = double(v.value, p + "loyal_min_p_alive", range: 0...1) ?? t.loyalMinPAlive }
            if let v = m["loyal_min_tenure_days"] { t.loyalMinTenureDays = days(v.value, p + "loyal_min_tenure_days", min: 0) ?? t.loyalMinTenureDays }
            if let v = m["at_risk_p_alive"] { t.atRiskPAlive = double(v.value, p + "at_risk_p_alive", range: 0...1) ?? t.atRiskPAlive }
            if let v = m["at_risk_gap_factor"] { t.atRiskGapFactor = double(v.value, p + "at_risk_gap_factor", range: 1...100) ?? t.atRiskGapFactor }
            if let v = m["default_gap_days"] { t.defaultGapDays = days(v.value, p + "default_gap_days", min: 1) ?? t.defaultGapDays }
            if let v = m["lapsed_p_alive"] { t.lapsedPAlive = double(v.value, p + "lapsed_p_alive", range: 0...1) ?? t.lapsedPAlive }
            if let v = m["lapsed_days"] { t.lapsedDays = days(v.value, p + "lapsed_days", min: 1) ?? t.lapsedDays }
            if let v = m["reactivated_days"] { t.reactivatedDays = days(v.value, p + "reactivated_days", min: 0) ?? t.reactivatedDays }
            if t.lapsedPAlive > t.atRiskPAlive, let v = m["lapsed_p_alive"] {
                error(v.value, "settings.lifecycle.lapsed_p_alive (\(fmt(t.lapsedPAlive))) must not exceed at_risk_p_alive (\(fmt(t.atRiskPAlive)))")
            }
            result.lifecycle = t
        }
        if let v = f["arbitration"], let m = mapping(v.value, "settings.arbitration", keys: [
            "top_offers", "max_messages", "max_per_category", "min_priority", "recency_full_days", "household_ownership",
        ]) {
            var a = ArbitrationSettings()
            let p = "settings.arbitration."
            if let v = m["top_offers"] { a.topOffers = int(v.value, p + "top_offers", min: 0, max: Self.maximumListed) ?? a.topOffers }
            if let v = m["max_messages"] { a.maxMessages = int(v.value, p + "max_messages", min: 0, max: Self.maximumListed) ?? a.maxMessages }
            if let v = m["max_per_category"] { a.maxPerCategory = int(v.value, p + "max_per_category", min: 0, max: Self.maximumListed) ?? a.maxPerCategory }
            if let v = m["min_priority"] { a.minPriority = double(v.value, p + "min_priority", range: 0...Double.greatestFiniteMagnitude) ?? a.minPriority }
            if let v = m["recency_full_days"] { a.recencyFullDays = days(v.value, p + "recency_full_days", min: 0) ?? a.recencyFullDays }
            if let v = m["household_ownership"] { a.householdOwnership = bool(v.value, p + "household_ownership") ?? a.householdOwnership }
            result.arbitration = a
        }
        if let v = f["exploration"], let m = mapping(v.value, "settings.exploration", keys: ["enabled", "seed"]) {
            if let v = m["enabled"] { result.exploration.enabled = bool(v.value, "settings.exploration.enabled") ?? false }
            if let v = m["seed"], let seed = int(v.value, "settings.exploration.seed", min: 0) { result.exploration.seed = UInt64(seed) }
        }
        if let v = f["propensity"], let m = mapping(v.value, "settings.propensity", keys: ["learned", "horizon_days", "training_clients"]) {
            if let v = m["learned"] { result.propensity.learned = bool(v.value, "settings.propensity.learned") ?? true }
            if let v = m["horizon_days"], let days = days(v.value, "settings.propensity.horizon_days", min: 1) { result.propensity.horizonDays = days }
            if let v = m["training_clients"], let n = int(v.value, "settings.propensity.training_clients", min: 100) { result.propensity.trainingClients = n }
        }
        if let v = f["lifetime"], let m = mapping(v.value, "settings.lifetime", keys: ["model", "penalty", "time_unit_days"]) {
            if let v = m["model"], let name = string(v.value, "settings.lifetime.model") {
                if LifetimeSettings.models.contains(name) {
                    result.lifetime.model = name
                } else {
                    error(v.value, "settings.lifetime.model must be bgnbd or mbgnbd, found '\(name)'")
                }
            }
            if let v = m["penalty"] { result.lifetime.penalty = double(v.value, "settings.lifetime.penalty", range: 0...10) ?? result.lifetime.penalty }
            if let v = m["time_unit_days"] {
                result.lifetime.timeUnitDays = double(v.value, "settings.lifetime.time_unit_days", range: 0.0001...3660) ?? result.lifetime.timeUnitDays
            }
        }
        return result
    }

    mutating func loyalty(_ node: Node) -> LoyaltyProgram {
        var result = LoyaltyProgram()
        guard let f = mapping(node, "loyalty", keys: ["points_per_unit", "category_multipliers", "tiers", "qualifying_window_days",
                                                           "points_expire_after_days", "bonus_points", "tier_review"]) else { return result }
        if let v = f["points_expire_after_days"] { result.expiryDays = days(v.value, "loyalty.points_expire_after_days", min: 0) ?? 0 }
        if let v = f["bonus_points"] {
            if case .mapping(let m) = v.value {
                for (key, value) in m {
                    guard let kind = string(key, "loyalty.bonus_points key") else { continue }
                    guard ["referral", "review"].contains(kind) else {
                        error(key, "loyalty.bonus_points: unknown advocacy '\(kind)'; bonus points are given for 'referral' and 'review' interactions")
                        continue
                    }
                    if let points = int(value, "loyalty.bonus_points.\(kind)", min: 0) { result.bonusPoints[kind] = points }
                }
            } else {
                error(v.value, "loyalty.bonus_points must be a mapping of interaction kind to points (e.g. {referral: 500, review: 100}), found \(describe(v.value))")
            }
        }
        if let v = f["tier_review"], let m = mapping(v.value, "loyalty.tier_review", keys: ["first_review", "every_days", "grace_days"]) {
            if let first = m["first_review"], let every = m["every_days"] {
                if let date = date(first.value, "loyalty.tier_review.first_review"),
                   let every = days(every.value, "loyalty.tier_review.every_days", min: 1) {
                    let grace = m["grace_days"].flatMap { days($0.value, "loyalty.tier_review.grace_days", min: 0) } ?? 0
                    result.tierReview = .init(firstReview: date, everyDays: every, graceDays: grace)
                }
            } else {
                error(v.value, "loyalty.tier_review needs 'first_review' and 'every_days' (e.g. {first_review: 2025-01-01, every_days: 365, grace_days: 90})")
            }
        }
        if let v = f["points_per_unit"] { result.pointsPerUnit = double(v.value, "loyalty.points_per_unit", range: 0...1_000_000) ?? 1 }
        if let v = f["qualifying_window_days"] { result.qualifyingWindowDays = days(v.value, "loyalty.qualifying_window_days", min: 0) ?? 365 }
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
        if let v = f["cooldown_after_presented_days"] { result.cooldownAfterPresentedDays = days(v.value, p + "cooldown_after_presented_days", min: 0) ?? result.cooldownAfterPresentedDays }
        if let v = f["cooldown_after_declined_days"] { result.cooldownAfterDeclinedDays = days(v.value, p + "cooldown_after_declined_days", min: 0) ?? result.cooldownAfterDeclinedDays }
        if let v = f["caps"], let nodes = list(v.value, p + "caps") {
            for node in nodes {
                guard let m = mapping(node, p + "caps[]", keys: ["channel", "max", "window_days", "per"]) else { continue }
                guard let maxNode = m["max"], let windowNode = m["window_days"] else {
                    error(node, p + "caps[]: a cap needs 'max' and 'window_days' (e.g. {channel: email, max: 2, window_days: 7})")
                    continue
                }
                var channel: Channel?
                if let c = m["channel"], string(c.value, p + "caps[].channel") != "any" {
                    guard let parsed = self.channel(c.value, p + "caps[].channel") else { continue }
                    channel = parsed
                }
                guard let max = int(maxNode.value, p + "caps[].max", min: 0), let window = days(windowNode.value, p + "caps[].window_days", min: 1) else { continue }
                var perAccount = false
                if let per = m["per"], let text = string(per.value, p + "caps[].per") {
                    guard ["client", "account"].contains(text) else {
                        error(per.value, p + "caps[].per: '\(text)' is not one of client, account (per: account counts the presentations to every member of the client's account)")
                        continue
                    }
                    perAccount = text == "account"
                }
                result.caps.append(ContactCap(channel: channel, max: max, windowDays: window, perAccount: perAccount))
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
            result.followUpAcceptedDays = days(v.value, p + "follow_up_accepted_days", min: 0) ?? result.followUpAcceptedDays
        }
        if result.inbound == .exempt, result.consentExempt.isEmpty, let v = f["inbound"] {
            error(v.value, p + "inbound: exempt has no effect while consent_exempt_channels is empty; list the channels where the client comes to you there (e.g. [web, advisor])")
        }
        return result
    }

    /// `holdout: {share: 0.05, salt: "2026"}` (the catalog's) or an item's `holdout: {share: 0.1}`
    /// (its salt defaults to `defaultSalt`, the item id).
    mutating func holdout(_ node: Node, _ what: String, defaultSalt: String?) -> Holdout? {
        guard let m = mapping(node, what, keys: ["share", "salt"]) else { return nil }
        guard let s = m["share"] else {
            error(node, "\(what): needs 'share', the part of clients held out from 0 to 1 (e.g. {share: 0.05, salt: \"2026\"})")
            return nil
        }
        guard let share = double(s.value, "\(what).share", range: 0...1) else { return nil }
        var salt = defaultSalt
        if let v = m["salt"] { salt = string(v.value, "\(what).salt") }
        guard let salt else {
            if m["salt"] == nil {
                error(node, "\(what): needs 'salt', any text that fixes who is held out (e.g. {share: \(fmt(share)), salt: \"2026\"}); a new salt draws a new group")
            }
            return nil
        }
        return Holdout(share: share, salt: salt)
    }

    /// `audit: {decision_log: true, retention_days: 365}`.
    mutating func audit(_ node: Node) -> AuditSettings {
        var result = AuditSettings()
        guard let m = mapping(node, "audit", keys: ["decision_log", "retention_days"]) else { return result }
        if let v = m["decision_log"] { result.decisionLog = bool(v.value, "audit.decision_log") ?? false }
        if let v = m["retention_days"] { result.retentionDays = days(v.value, "audit.retention_days", min: 1) ?? result.retentionDays }
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

}
