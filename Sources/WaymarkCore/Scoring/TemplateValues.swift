/// The values a message template sees: every fact by its rule name, plus item and client values.
///
/// Numbers of type double are rounded to two decimals; lists are arrays (iterate with
/// `{{#owned_products}}{{.}} {{/owned_products}}`); `attributes` is a map
/// (`{{attributes.first_name}}`). Extras: `client_id`, `title` (the item's title),
/// `product_name`, `channel`, `as_of` (YYYY-MM-DD), `first_name` (the `first_name` attribute; absent when
/// unset, so a section on it renders nothing).
package enum TemplateValues {
    /// Every value for the client and the item.
    package static func values(facts: ClientFacts, item: CatalogItem, channel: Channel, products: ProductDirectory) -> [String: Any] {
        var values = values(facts: facts, names: nil)
        add(item: item, channel: channel, products: products, to: &values)
        return values
    }

    /// The item's values: `title`, `product_name`, `channel`.
    package static func add(item: CatalogItem, channel: Channel, products: ProductDirectory, to values: inout [String: Any]) {
        values["title"] = item.title
        values["product_name"] = item.product.map { products[$0]?.name ?? $0 } ?? ""
        values["channel"] = channel.rawValue
    }

    /// The client's values: every fact, `client_id`, `as_of`, `first_name`.
    /// - Parameter names: only these names (a template's `names`); nil for all.
    package static func values(facts: ClientFacts, names: Set<String>?) -> [String: Any] {
        var values: [String: Any] = [:]
        values.reserveCapacity(names?.count ?? Fact.allCases.count + 6)
        // Only the facts named (a template names few), without hashing every fact's name.
        let wanted = names.map { $0.compactMap { Fact(rawValue: $0) } } ?? Fact.allCases
        for fact in wanted where fact != .attributes && !fact.isAccountFact {
            values[fact.rawValue] = plain(facts.value(of: fact))
        }
        // The extras too only when named (or when all are asked for).
        if names?.contains("attributes") ?? true {
            var attributes: [String: Any] = [:]
            for (key, value) in facts.profile.attributes { attributes[key] = plain(value) }
            values["attributes"] = attributes
        }
        if names?.contains("client_id") ?? true { values["client_id"] = facts.clientID }
        if names?.contains("as_of") ?? true { values["as_of"] = facts.asOf.isoDate }
        // Left out when unknown, so `{{#first_name}}, {{first_name}}{{/first_name}}` renders nothing.
        if names?.contains("first_name") ?? true, let name = firstName(facts) { values["first_name"] = name }
        return values
    }

    /// The `first_name` attribute when set and not empty.
    static func firstName(_ facts: ClientFacts) -> String? {
        if case .string(let name)? = facts.profile.attributes["first_name"], !name.isEmpty { return name }
        return nil
    }

    /// A plain `{{name}}` tag, its name resolved once (when the catalog is loaded into an engine),
    /// not at every render.
    enum PlainName: Sendable, Equatable {
        case clientID, asOf, firstName, title, productName, channel
        case fact(Fact)
    }

    /// The plain tag `name` names: a fact of type int, double or string, or an extra with a
    /// string value; nil for any other name.
    static func plainName(_ name: String) -> PlainName? {
        switch name {
        case "client_id": return .clientID
        case "as_of": return .asOf
        case "first_name": return .firstName
        case "title": return .title
        case "product_name": return .productName
        case "channel": return .channel
        default:
            guard let fact = Fact(rawValue: name) else { return nil }
            switch fact.type {
            case .int, .double, .string: return .fact(fact)
            default: return nil
            }
        }
    }

    /// The text Mustache renders for the plain tag `name` (before escaping) from the values
    /// above; nil when the name is unset.
    static func text(
        of name: PlainName, facts: ClientFacts, item: CatalogItem, channel: Channel, products: ProductDirectory
    ) -> String? {
        switch name {
        case .clientID: return facts.clientID
        case .asOf: return facts.asOf.isoDate
        case .firstName: return firstName(facts)
        case .title: return item.title
        case .productName: return item.product.map { products[$0]?.name ?? $0 } ?? ""
        case .channel: return channel.rawValue
        case .fact(let fact):
            return switch facts.value(of: fact) {
            case .int(let x): String(x)
            case .double(let x): fmt(x)
            case .string(let s): s
            case .bool(let b): String(b)
            case .list, .null: ""
            }
        }
    }

    static func plain(_ value: RuleValue) -> Any {
        switch value {
        case .int(let x): x
        case .double(let x): fmt(x)
        case .string(let s): s
        case .bool(let b): b
        case .list(let items): items.map(plain)
        case .null: ""
        }
    }
}
