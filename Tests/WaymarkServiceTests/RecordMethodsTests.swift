import Foundation
import WaymarkCore
import Postgres
import Testing
@testable import WaymarkService
@testable import WaymarkStore

/// The validated writes: idempotent by id, the importer's rules, clear errors.
@Suite(.serialized) struct RecordMethodsTests {
    let database: ServiceTestDatabase
    let server: PipeServer

    init() throws {
        database = try ServiceTestDatabase()
        try database.seed()
        server = PipeServer(database: database)
    }

    func status(_ response: JSONValue) -> String? { response.result?["status"]?.stringValue }

    @Test func everyWriteIsIdempotentByID() throws {
        defer { server.finish() }
        let calls: [(String, String, String)] = [
            ("upsert_client", #"{"client_id":"C3","first_seen":"2024-03-01T11:15:00+01:00","consents":["email","SMS"],"attributes":{"vip":true},"do_not_contact":false}"#, "clients"),
            ("record_purchase", #"{"purchase_id":"P1","client_id":"C1","product_id":"fund-index","purchased_at":"2024-03-01T10:15:00Z","amount":1249.9,"quantity":2,"channel":"web"}"#, "purchases"),
            ("record_interaction", #"{"interaction_id":"I1","client_id":"C1","channel":"email","kind":"click","occurred_at":"2024-03-02T10:00:00Z","item_id":"offer-fund"}"#, "interactions"),
            ("record_life_event", #"{"event_id":"E1","client_id":"C1","kind":"child_born","occurred_at":"2024-03-03T00:00:00Z","details":{"name":"Ada"}}"#, "life_events"),
            ("record_response", #"{"response_id":"R1","client_id":"C1","item_id":"offer-fund","channel":"email","presented_at":"2024-03-04T09:00:00Z","outcome":"declined","responded_at":"2024-03-04T10:00:00Z"}"#, "responses"),
        ]
        for (method, params, table) in calls {
            let before = try database.count(table)
            #expect(status(try server.call(method, id: 1, params)) == "inserted", "\(method)")
            #expect(status(try server.call(method, id: 2, params)) == "unchanged", "\(method)")
            #expect(try database.count(table) == before + 1, "\(method)")
        }
        let purchase = try database.connection.execute("SELECT amount::text, quantity, channel FROM purchases WHERE purchase_id = 'P1'")
        #expect(try purchase.decode(String.self, row: 0, column: 0) == "1249.90")
        #expect(try purchase.decode(Int.self, row: 0, column: 1) == 2)
        let client = try database.connection.execute("SELECT consents::text, attributes->>'vip', first_seen = '2024-03-01T10:15:00Z' FROM clients WHERE client_id = 'C3'")
        #expect(try client.decode(String.self, row: 0, column: 0) == "{email,sms}")
        #expect(try client.decode(String.self, row: 0, column: 1) == "true")
        #expect(try client.decode(Bool.self, row: 0, column: 2))
    }

    /// Issue 14, item 7: a response to an item no catalog knows (a typo) is stored with a warning;
    /// a response to a known item has none.
    @Test func aResponseToAnUnknownItemIsStoredWithAWarning() throws {
        defer { server.finish() }
        let known = try server.call("record_response", id: 1, #"{"response_id":"R5","client_id":"C1","item_id":"offer-fund","channel":"email","presented_at":"2024-03-04T09:00:00Z","outcome":"presented"}"#)
        #expect(status(known) == "inserted")
        #expect(known.result?["warning"] == nil)
        let typo = try server.call("record_response", id: 2, #"{"response_id":"R6","client_id":"C1","item_id":"offer-fnud","channel":"email","presented_at":"2024-03-04T09:00:00Z","outcome":"presented"}"#)
        #expect(status(typo) == "inserted")
        #expect(typo.result?["warning"]?.stringValue?.contains("unknown item 'offer-fnud'") == true, "\(typo.jsonText)")
    }

    /// Issue 14, item 5: the database's ranges are the protocol's: -32602, not -32603.
    @Test func valuesTheDatabaseRefusesAreInvalidParams() throws {
        defer { server.finish() }
        let base = #"{"purchase_id":"P9","client_id":"C1","product_id":"fund-index","purchased_at":"2024-03-01T10:15:00Z","amount":10}"#
        let bad: [(String, String, String)] = [
            ("2024-03-01T10:15:00Z", "0000-03-01T10:15:00Z", "params.purchased_at"),
            ("2024-03-01T10:15:00Z", "2024-03-01T10:15:00+16:00", "params.purchased_at"),
            ("\"amount\":10", "\"amount\":1000000000000", "params.amount"),
            ("\"amount\":10", "\"amount\":999999999999.99,\"channel\":\"a\\u0000\"", "params.channel"),
        ]
        for (from, to, path) in bad {
            let response = try server.call("record_purchase", id: 1, base.replacingOccurrences(of: from, with: to))
            #expect(response.errorCode == -32602, "\(to): \(response.jsonText)")
            #expect(response["error"]?["data"]?["errors"]?.jsonText.contains(path) == true, "\(response.jsonText)")
        }
        let nul = try server.call("upsert_client", id: 2, #"{"client_id":"C8","first_seen":"2024-03-01T10:15:00Z","segment":"a\u0000b"}"#)
        #expect(nul.errorCode == -32602, "\(nul.jsonText)")
        #expect(try server.call("record_purchase", id: 3, base.replacingOccurrences(of: "\"amount\":10", with: "\"amount\":999999999999.99")).result?["status"] == .string("inserted"))
    }

    @Test func recordPurchaseTakesAnOptionalOrderID() throws {
        defer { server.finish() }
        let params = #"{"purchase_id":"P7","client_id":"C1","product_id":"fund-index","purchased_at":"2024-03-01T10:15:00Z","amount":10,"order_id":"O-42"}"#
        #expect(status(try server.call("record_purchase", id: 1, params)) == "inserted")
        #expect(status(try server.call("record_purchase", id: 2, params)) == "unchanged")
        #expect(try database.connection.execute("SELECT order_id FROM purchases WHERE purchase_id = 'P7'").scalar(String.self) == "O-42")
        let moved = params.replacingOccurrences(of: "O-42", with: "O-43")
        #expect(status(try server.call("record_purchase", id: 3, moved)) == "updated")
        #expect(try database.connection.execute("SELECT order_id FROM purchases WHERE purchase_id = 'P7'").scalar(String.self) == "O-43")
        let bad = try server.call("record_purchase", id: 4, params.replacingOccurrences(of: "O-42", with: "O 42"))
        #expect(bad.errorCode == -32602)
        #expect(bad["error"]?["data"]?["errors"] == .array([.object(["path": .string("params.order_id"),
                                                                     "message": .string("expected an id: 1 to 64 of A-Z a-z 0-9 _ - . : @ (a space at character 2: write it e.g. O-42, the same way wherever it is named)")])]))
        #expect(try database.connection.execute("SELECT order_id FROM purchases WHERE purchase_id = 'P7'").scalar(String.self) == "O-43")
    }

    @Test func aChangedRowIsUpdatedAndTheResultSaysSo() throws {
        defer { server.finish() }
        let first = try server.call("record_response", id: 1, #"{"response_id":"R2","client_id":"C1","item_id":"offer-fund","channel":"email","presented_at":"2024-03-04T09:00:00Z","outcome":"presented"}"#)
        #expect(first.result == .object(["response_id": .string("R2"), "client_id": .string("C1"), "status": .string("inserted")]))
        let second = try server.call("record_response", id: 2, #"{"response_id":"R2","client_id":"C1","item_id":"offer-fund","channel":"email","presented_at":"2024-03-04T09:00:00Z","outcome":"accepted","responded_at":"2024-03-05T09:00:00Z"}"#)
        #expect(status(second) == "updated")
        #expect(try database.connection.execute("SELECT outcome FROM responses WHERE response_id = 'R2'").scalar(String.self) == "accepted")
    }

    @Test func unknownClientAndProductAreRefusedWithoutWriting() throws {
        defer { server.finish() }
        let noClient = try server.call("record_purchase", id: 1, #"{"purchase_id":"P9","client_id":"NOBODY","product_id":"fund-index","purchased_at":"2024-03-01T10:15:00Z","amount":"10"}"#)
        #expect(noClient.errorCode == -32001)
        #expect(noClient["error"]?["data"]?["client_id"] == .string("NOBODY"))
        let noProduct = try server.call("record_purchase", id: 2, #"{"purchase_id":"P9","client_id":"C1","product_id":"no-such","purchased_at":"2024-03-01T10:15:00Z","amount":"10"}"#)
        #expect(noProduct.errorCode == -32002)
        #expect(noProduct["error"]?["data"]?["errors"] == .array([.object(["path": .string("params.product_id"), "message": .string("unknown product 'no-such': import or create it first")])]))
        #expect(try database.count("purchases") == 0)
    }

    @Test func everyBadFieldIsReportedWithItsPath() throws {
        defer { server.finish() }
        let response = try server.call("record_purchase", id: 1, """
            {"purchase_id":"has space","client_id":7,"purchased_at":"2024-13-01T00:00:00Z","amount":12.345,"quantity":0,"channel":"fax","extra":1}
            """)
        #expect(response.errorCode == -32602)
        guard case .array(let errors)? = response["error"]?["data"]?["errors"] else { Issue.record("no errors"); return }
        #expect(errors.compactMap { $0["path"]?.stringValue } == [
            "params.purchase_id", "params.client_id", "params.product_id", "params.purchased_at", "params.amount",
            "params.quantity", "params.channel", "params.extra",
        ])
        let consents = try server.call("upsert_client", id: 2, #"{"client_id":"C4","first_seen":"2024-01-01T00:00:00Z","consents":["email","pigeon"],"attributes":[1]}"#)
        guard case .array(let clientErrors)? = consents["error"]?["data"]?["errors"] else { Issue.record("no errors"); return }
        #expect(clientErrors.compactMap { $0["path"]?.stringValue } == ["params.consents[1]", "params.attributes"])
        let nul = try server.call("upsert_client", id: 3, #"{"client_id":"C4","first_seen":"2024-01-01T00:00:00Z","segment":"a\u0000b"}"#)
        #expect(nul.errorCode == -32602)
        #expect(try database.count("clients") == 2)
    }

    @Test func statementsMatchTheImportersColumns() {
        for kind in ImportKind.allCases where kind != .products {
            let sql = RecordWriter.statement(kind)
            for column in kind.columns { #expect(sql.contains(column.name)) }
            #expect(sql.contains("ON CONFLICT (\(kind.key.joined(separator: ", ")))"))
        }
    }
}
