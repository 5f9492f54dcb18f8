import Foundation
import Postgres
import WaymarkCore
import WaymarkStore

/// `health` and `catalog`.
final class StatusMethods {
    private let session: DatabaseSession
    private let serverVersion: String
    /// The catalog parsed last, reused while its version stays the current one.
    private var cachedCatalog: (version: CatalogStore.Version, items: JSONValue)?

    init(session: DatabaseSession, serverVersion: String) {
        self.session = session
        self.serverVersion = serverVersion
    }

    /// `health`: never fails for a database outage; it reports it.
    func health(_ params: JSONValue?) throws -> JSONValue {
        var reader = ParamsReader(params, known: [])
        try reader.finish()
        var result: JSONObject = [:]
        let server: JSONValue = .object(["name": .string("waymark"), "version": .string(serverVersion)])
        guard session.ping() else {
            result["status"] = .string("degraded")
            result["database"] = .object(["reachable": .bool(false)])
            result["last_run"] = .null
            result["catalog"] = .null
            result["server"] = server
            return .object(result)
        }
        let (run, catalog): (JSONValue, JSONValue) = try session.withConnection { connection, _ in
            let runs = try connection.execute("""
                SELECT run_id, \(Self.iso("as_of")), \(Self.iso("published_at")), catalog_version
                FROM scoring_runs WHERE status = 'published' ORDER BY published_at DESC, run_id DESC LIMIT 1
                """)
            var run = JSONValue.null
            if runs.rowCount == 1 {
                run = .object([
                    "run_id": .number(String(try runs.decode(Int64.self, row: 0, column: 0))),
                    "as_of": .string(try runs.decode(String.self, row: 0, column: 1)),
                    "published_at": .string(try runs.decode(String.self, row: 0, column: 2)),
                    "catalog_version": try runs.decode(Int64?.self, row: 0, column: 3).map { .number(String($0)) } ?? .null,
                ])
            }
            let catalogs = try connection.execute("""
                SELECT version, name, \(Self.iso("loaded_at")) FROM catalogs ORDER BY version DESC LIMIT 1
                """)
            var catalog = JSONValue.null
            if catalogs.rowCount == 1 {
                catalog = .object([
                    "version": .number(String(try catalogs.decode(Int64.self, row: 0, column: 0))),
                    "name": .string(try catalogs.decode(String.self, row: 0, column: 1)),
                    "loaded_at": .string(try catalogs.decode(String.self, row: 0, column: 2)),
                ])
            }
            return (run, catalog)
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
        let (version, items): (CatalogStore.Version, JSONValue) = try session.withConnection { connection, _ in
            let store = CatalogStore(connection: connection)
            guard let current = try store.currentVersion() else {
                throw RPCError.notReady("no catalog is loaded: load one with `waymark catalog load FILE`")
            }
            if let cachedCatalog, cachedCatalog.version == current { return cachedCatalog }
            guard let loaded = try store.load(version: current.version) else {
                throw RPCError.notReady("no catalog is loaded: load one with `waymark catalog load FILE`")
            }
            let items = JSONValue.array(loaded.catalog.items.map(Self.json))
            cachedCatalog = (loaded.version, items)
            return (loaded.version, items)
        }
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

    /// A timestamptz column as ISO 8601 UTC text with second precision.
    static func iso(_ column: String) -> String {
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
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
        guard value.isFinite else { return .null }
        if value == value.rounded(), abs(value) < 1e15 { return .number(String(Int64(value))) }
        return .number("\(value)")
    }
}
