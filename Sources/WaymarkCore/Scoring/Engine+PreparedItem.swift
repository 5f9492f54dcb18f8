extension Engine {
    /// An item with what the engine derives from it once (a class: shared, never copied).
    ///
    /// The fields the hot path reads are stored here, so scoring reads them in place instead of
    /// copying the whole `CatalogItem` (and its rule) per item and client.
    final class PreparedItem: Sendable {
        let item: CatalogItem
        let index: Int
        let id: String
        let title: String
        let kind: CatalogItem.Kind
        let channelSet: ChannelSet
        let when: CatalogRule?
        /// The compiled `when` rule, read in place on the hot path.
        let rule: CompiledRule?
        let triggers: [Trigger]
        let channels: [Channel]
        let product: String?
        let requiredProducts: [String]
        let requiredCategories: [String]
        let validFrom: Timestamp?
        let validUntil: Timestamp?
        let cooldownDays: Int?
        let prior: BetaPrior
        let lever: Double
        let value: CatalogItem.Value
        /// The item's category: its own, or its product's.
        let category: String?
        let repeatable: Bool
        let defaultValue: Double
        /// Recorded outcomes per stage, indexed like `LifecycleStage.allCases`.
        let counts: [AcceptanceStatistics.Counts]
        /// The client-independent lines of `admittedBy` (all but the contact policy's and the
        /// channel's), built once.
        let admitted: [String]
        /// The contact policy's line of `admittedBy` when no exception applied.
        let underPolicy: String
        /// The whole `admittedBy` when no exception applied, per channel of the item and consent
        /// state (`Engine.channelAdmissions`' index): the common answer is a shared array, not
        /// one built per recommendation.
        let admittedUnderPolicy: [[String]]
        /// The template as text and plain variables, when every variable has a plain text value.
        let plainTemplate: [MessageTemplate.PlainPart]?
        /// Per part of `plainTemplate`, the variable's name resolved (nil for a text part).
        let plainNames: [TemplateValues.PlainName?]
        /// `product`, `category`, the requirements and the trigger events as fingerprinted keys
        /// (the ownership and event checks probe the facts' tables without hashing the text).
        let productKey: RuleKey?
        let categoryKey: RuleKey?
        let requiredProductKeys: [RuleKey]
        let requiredCategoryKeys: [RuleKey]
        let triggerEventKeys: [RuleKey]
        /// The position of `id` among the catalog's ids in ascending order (equal ids, equal
        /// ranks): ties in priority are broken by comparing ranks instead of the ids' text.
        let idRank: Int32
        /// The index of `category ?? ""` among the catalog's categories (category diversity).
        let diversityGroup: Int
        /// The index of the category in the engine's affinity table, -1 without a category or
        /// for a message (only offers get an affinity lift).
        let affinityTarget: Int
        /// The index of the `when` rule among the catalog's distinct rules (items with the same
        /// rule share it, and a client's answer is computed once), -1 without a rule.
        let ruleSlot: Int

        init(
            item: CatalogItem, index: Int, category: String?, repeatable: Bool, defaultValue: Double,
            counts: [AcceptanceStatistics.Counts], policy: ContactPolicy,
            idRank: Int32, diversityGroup: Int, affinityTarget: Int, ruleSlot: Int
        ) {
            self.item = item
            self.ruleSlot = ruleSlot
            self.index = index
            self.idRank = idRank
            self.diversityGroup = diversityGroup
            self.affinityTarget = affinityTarget
            id = item.id
            title = item.title
            kind = item.kind
            channelSet = ChannelSet(item.channels)
            when = item.when
            rule = item.when?.compiled
            triggers = item.triggers
            channels = item.channels
            product = item.product
            requiredProducts = item.requires.products
            requiredCategories = item.requires.categories
            validFrom = item.validFrom
            validUntil = item.validUntil
            cooldownDays = item.cooldownDays
            prior = item.prior
            lever = item.lever
            value = item.value
            self.category = category
            self.repeatable = repeatable
            self.defaultValue = defaultValue
            self.counts = counts
            productKey = item.product.map(RuleKey.init)
            categoryKey = category.map(RuleKey.init)
            requiredProductKeys = item.requires.products.map(RuleKey.init)
            requiredCategoryKeys = item.requires.categories.map(RuleKey.init)
            triggerEventKeys = item.triggers.map { RuleKey($0.event) }
            var admitted: [String] = []
            if item.validFrom != nil || item.validUntil != nil {
                admitted.append("valid \(item.validFrom?.isoDate ?? "…") to \(item.validUntil?.isoDate ?? "…")")
            }
            if let rule = item.when { admitted.append("when: \(rule.explain)") }
            if !item.requires.isEmpty {
                admitted.append("requires \((item.requires.products + item.requires.categories).joined(separator: ", ")): owned")
            }
            let cooldown = item.cooldownDays ?? policy.cooldownAfterPresentedDays
            let underPolicy = "contact policy: no presentation within \(cooldown) days, under caps"
            self.underPolicy = underPolicy
            self.admitted = admitted
            let channelSet = self.channelSet
            admittedUnderPolicy = Engine.channelAdmissions.indices.map { k in
                channelSet.contains(Channel.allCases[k / 3]) ? admitted + [underPolicy, Engine.channelAdmissions[k]] : []
            }
            // Each variable's name resolved once; plain only when every one resolves.
            let parts = item.template?.plainParts
            let names: [TemplateValues.PlainName?] = parts?.map { part in
                if case .variable(let name) = part { TemplateValues.plainName(name) } else { nil }
            } ?? []
            let plain = parts.flatMap { parts in
                zip(parts, names).allSatisfy { part, name in
                    if case .variable = part { name != nil } else { true }
                } ? parts : nil
            }
            plainTemplate = plain
            plainNames = plain == nil ? [] : names
        }
    }
}
