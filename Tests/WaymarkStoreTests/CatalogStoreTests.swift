import Foundation
import Postgres
import Testing
import WaymarkCore
@testable import WaymarkStore

@Suite("Catalog storage")
struct CatalogStoreTests {
    @Test("a valid catalog is stored as a new version; the same text again stores nothing; an invalid one stores nothing")
    func versions() throws {
        let db = try StoreTestDatabase()
        let store = CatalogStore(connection: db.connection)
        #expect(try store.loadCurrent() == nil)
        let first = try store.save(RunsTestDatabase.catalog, file: "a.yaml")
        #expect(first.version.documentVersion == "test-1")
        #expect(try store.save(RunsTestDatabase.catalog, file: "a.yaml").version.version == first.version.version)
        #expect(throws: CatalogError.self) { _ = try store.save("version: x\nitems: [{id: a}]\n", file: "bad.yaml") }
        #expect(try db.count("catalogs") == 1)
        let second = try store.save(RunsTestDatabase.catalog.replacingOccurrences(of: "test-1", with: "test-2"), file: "b.yaml")
        #expect(second.version.version > first.version.version)
        let loaded = try #require(try store.loadCurrent())
        #expect(loaded.catalog.version == "test-2")
        #expect(loaded.catalog.items.count == 3)
        #expect(loaded.version.loadedFrom == "b.yaml")
    }

    @Test("references are checked against the imported products")
    func checksProducts() throws {
        let db = try StoreTestDatabase()
        try db.connection.execute("INSERT INTO products (product_id, name, category, list_price) VALUES ('P1', 'One', 'other', 1)")
        #expect(throws: CatalogError.self) { _ = try CatalogStore(connection: db.connection).save(RunsTestDatabase.catalog, file: "a.yaml") }
        #expect(try db.count("catalogs") == 0)
    }
}
