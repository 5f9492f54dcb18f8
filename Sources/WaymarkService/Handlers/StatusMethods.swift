import WaymarkCore
import WaymarkStore

/// `health` and `catalog`.
final class StatusMethods {
    private let store: LiveStore
    private let serverVersion: String
    /// The catalog's items as JSON, made last, reused while its version stays the current one.
    private var cachedItems: (version: CatalogStore.Version, items: JSONValue)?

    init(store: LiveStore, serverVersion: String) {
        self.store = store
        self.serverVersion = serverVersion
    }

    /// `health`: never fails for a database outage; it reports it.
    func health(_ params: JSONValue?) throws -> JSONValue {
        var reader = ParamsReader(params, known: [])
        try reader.finish()
        var result: JSONObject = [:]
        let server: JSONValue = .object(["name": .string("waymark"), "version": .string(serverVersion)])
        guard store.isReachable() else {
            result["status"] = .string("degraded")
            result["database"] = .object(["reachable": .bool(false)])
            result["last_run"] = .null
            result["catalog"] = .null
            result["server"] = server
            return .object(result)
        }
        let status = try RPCError.mapping(clientID: nil) { try store.status() }
        var run = JSONValue.null
        if let last = status.lastRun {
            run = .object([
                "run_id": .number(String(last.runID)),
                "as_of": .string(last.asOf),
                "published_at": .string(last.publishedAt),
                "catalog_version": last.catalogVersion.map { .number(String($0)) } ?? .null,
            ])
        }
        var catalog = JSONValue.null
        if let current = status.catalog {
            catalog = .object([
                "version": .number(String(current.version)),
                "name": .string(current.name),
                "loaded_at": .string(current.loadedAt),
            ])
        }
        result["status"] = .string("ok")
        result["database"] = .object(["reachable": .bool(true)])
        result["last_run"] = run
        result["catalog"] = catalog
        result["server"] = server
        return .object(result)
    }

    /// `catalog`: the current catalog's version and items.
    func catalog(_ params: JSONValue?) throws -> JSONValue {
        var reader = ParamsReader(params, known: ["kind"])
        let kind = reader.string("kind")
        if let kind, CatalogItem.Kind(rawValue: kind) == nil { reader.fail("kind", "expected offer or message") }
        try reader.finish()
        let loaded = try RPCError.mapping(clientID: nil) { try store.currentCatalog() }
        let items: JSONValue
        if let cachedItems, cachedItems.version == loaded.version {
            items = cachedItems.items
        } else {
            items = JSONValue.array(loaded.catalog.items.map(Self.json))
            cachedItems = (loaded.version, items)
        }
        let version = loaded.version
        var selected = items
        if let kind, case .array(let all) = items {
            selected = .array(all.filter { $0["kind"] == .string(kind) })
        }
        return .object([
            "version": .number(String(version.version)),
            "name": .string(version.name),
            "document_version": .string(version.documentVersion),
            "items": selected,
        ])
    }

    static func json(_ item: CatalogItem) -> JSONValue {
        var object: JSONObject = [
            "id": .string(item.id),
            "kind": .string(item.kind.rawValue),
            "title": .string(item.title),
            "product": item.product.map(JSONValue.string) ?? .null,
            "category": item.category.map(JSONValue.string) ?? .null,
            "channels": .array(item.channels.map { .string($0.rawValue) }),
            "when": item.when.map { .string($0.source) } ?? .null,
            "requires": .object([
                "products": .array(item.requires.products.map(JSONValue.string)),
                "categories": .array(item.requires.categories.map(JSONValue.string)),
            ]),
            "triggers": .array(item.triggers.map { trigger in
                .object([
                    "event": .string(trigger.event),
                    "window_days": .integer(trigger.windowDays),
                    "boost": number(trigger.boost),
                    "fade": .string(trigger.fade.rawValue),
                ])
            }),
        ]
        switch item.value {
        case .fixed(let amount): object["value"] = number(amount)
        case .clv: object["value"] = .string("clv")
        case .unspecified: object["value"] = .null
        }
        object["lever"] = number(item.lever)
        object["prior"] = .object(["alpha": number(item.prior.alpha), "beta": number(item.prior.beta)])
        object["cooldown_days"] = item.cooldownDays.map(JSONValue.integer) ?? .null
        object["valid_from"] = item.validFrom.map { .string($0.isoDate) } ?? .null
        object["valid_until"] = item.validUntil.map { .string($0.isoDate) } ?? .null
        object["repeatable"] = .bool(item.repeatable)
        object["template"] = item.template.map { .string($0.source) } ?? .null
        return .object(object)
    }

    /// A double as a JSON number (non-finite values, which a valid catalog cannot hold, as null).
    static func number(_ value: Double) -> JSONValue {
        JSONValue.double(value) ?? .null
    }
}
