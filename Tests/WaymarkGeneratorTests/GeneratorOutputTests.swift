import Foundation
import Testing
import WaymarkCore
@testable import WaymarkGenerator

@Suite struct GeneratorOutputTests {
    @Test func sameConfigurationGivesIdenticalBytesAndAnotherSeedDiffers() throws {
        let a = try GeneratedFiles(clients: 400, seed: 11, flavour: .mixed)
        let b = try GeneratedFiles(clients: 400, seed: 11, flavour: .mixed)
        let c = try GeneratedFiles(clients: 400, seed: 12, flavour: .mixed)
        for table in GeneratedTable.allCases {
            #expect(a.bytes[table] == b.bytes[table], "\(table.fileName) differs between two runs")
        }
        for table in [GeneratedTable.clients, .purchases, .events, .interactions, .responses] {
            #expect(a.bytes[table] != c.bytes[table], "\(table.fileName) ignores the seed")
        }
        #expect(a.bytes[.products] == c.bytes[.products])
    }

    @Test func endDateAndFlavourChangeTheOutput() throws {
        let base = try GeneratedFiles(clients: 200, seed: 5)
        let later = try GeneratedFiles(clients: 200, seed: 5, endDay: GeneratorFixtures.endDay + 30)
        let retail = try GeneratedFiles(clients: 200, seed: 5, flavour: .retail)
        #expect(base.bytes[.purchases] != later.bytes[.purchases])
        #expect(base.bytes[.products] != retail.bytes[.products])
    }

    @Test func headersAreExactlyTheImportColumns() throws {
        let files = try GeneratedFiles(clients: 20)
        #expect(try files.header(.clients) == ["client_id", "first_seen", "birth_date", "segment", "region", "account_id", "role", "consents", "do_not_contact", "attributes"])
        #expect(try files.header(.products) == ["product_id", "name", "category", "list_price", "repeatable"])
        #expect(try files.header(.purchases) == ["purchase_id", "client_id", "product_id", "purchased_at", "amount", "quantity", "channel"])
        #expect(try files.header(.events) == ["event_id", "client_id", "kind", "occurred_at", "details"])
        #expect(try files.header(.interactions) == ["interaction_id", "client_id", "channel", "kind", "occurred_at", "item_id"])
        #expect(try files.header(.responses) == ["response_id", "client_id", "item_id", "channel", "presented_at", "outcome", "responded_at"])
    }

    @Test func rowCountsScaleWithClientsAndSmallerRunsArePrefixes() throws {
        let small = try GeneratedFiles(clients: 1_000, seed: 3)
        let large = try GeneratedFiles(clients: 4_000, seed: 3)
        #expect(try small.rows(.clients).count == 1_000)
        #expect(try large.rows(.clients).count == 4_000)
        for table in [GeneratedTable.purchases, .events, .interactions, .responses] {
            let ratio = Double(try large.rows(table).count) / Double(try small.rows(table).count)
            #expect(ratio > 3.3 && ratio < 4.7, "\(table.fileName) grows by \(ratio) for 4× the clients")
        }
        // Each client comes from its own sub-stream: the first 1,000 are the same in both runs.
        for table in GeneratedTable.allCases {
            let prefix = small.bytes[table] ?? []
            #expect(Array((large.bytes[table] ?? []).prefix(prefix.count)) == prefix, "\(table.fileName)")
        }
    }

    @Test func idsAreUniqueAndReferencesResolve() throws {
        let files = try GeneratedFiles(clients: 2_000, seed: 9, flavour: .mixed)
        let clients = try files.rows(.clients)
        let products = try files.rows(.products)
        let clientIds = Set(clients.map { $0["client_id"]! })
        let productIds = Set(products.map { $0["product_id"]! })
        #expect(clientIds.count == clients.count)
        #expect(productIds.count == products.count)
        #expect(products.count == GeneratorCatalog.advisor.products.count + GeneratorCatalog.retail.products.count)
        #expect(clients.first?["client_id"] == "C0000001")

        let idPattern = /^[A-Za-z0-9_.:@-]{1,64}$/
        for (table, key) in [(GeneratedTable.purchases, "purchase_id"), (.events, "event_id"), (.interactions, "interaction_id"), (.responses, "response_id")] {
            let rows = try files.rows(table)
            #expect(!rows.isEmpty)
            #expect(Set(rows.map { $0[key]! }).count == rows.count, "duplicate \(key)")
            for row in rows {
                #expect(row[key]!.wholeMatch(of: idPattern) != nil)
                #expect(clientIds.contains(row["client_id"]!), "\(table.fileName) names unknown client \(row["client_id"]!)")
            }
        }
        let channels: Set<String> = ["web", "email", "sms", "phone", "store", "app", "social", "advisor", "post"]
        for purchase in try files.rows(.purchases) {
            #expect(productIds.contains(purchase["product_id"]!))
            #expect(channels.contains(purchase["channel"]!))
            let amount = purchase["amount"]!
            #expect(amount.wholeMatch(of: /\d+\.\d\d/) != nil)
            #expect(Int(purchase["quantity"]!)! >= 1)
        }
        let items = Set(GeneratorCatalog.messageItemIds + GeneratorCatalog.offerItemIds(.mixed))
        for response in try files.rows(.responses) {
            #expect(items.contains(response["item_id"]!))
            #expect(channels.contains(response["channel"]!))
            #expect(["presented", "opened", "accepted", "declined"].contains(response["outcome"]!))
            #expect((response["outcome"] == "presented") == response["responded_at"]!.isEmpty)
        }
        for interaction in try files.rows(.interactions) {
            #expect(channels.contains(interaction["channel"]!))
            let item = interaction["item_id"]!
            #expect(item.isEmpty || items.contains(item))
        }
        let kinds = Set(GeneratorCatalog.lifeEventKinds)
        for event in try files.rows(.events) { #expect(kinds.contains(event["kind"]!)) }
        for client in clients {
            for consent in client["consents"]!.split(separator: ";") { #expect(channels.contains(String(consent))) }
            #expect(["true", "false"].contains(client["do_not_contact"]!))
        }
    }

    @Test func timestampsLieBetweenFirstSeenAndTheEnd() throws {
        let files = try GeneratedFiles(clients: 1_500, seed: 21, years: 3, flavour: .mixed)
        let start = Int64(CSVBytes.days(year: 2023, month: 1, day: 1)) * 86_400
        let end = GeneratorFixtures.endSecond
        var firstSeen: [String: Int64] = [:]
        for client in try files.rows(.clients) {
            let seen = try #require(parseTimestamp(client["first_seen"]!))
            #expect(seen >= start && seen < end)
            firstSeen[client["client_id"]!] = seen
            if let birth = client["birth_date"], !birth.isEmpty {
                let day = try #require(GeneratorConfiguration.day(fromISODate: birth))
                #expect(Int64(day) * 86_400 < seen - 18 * 365 * 86_400, "clients are adults when first seen")
            }
        }
        let columns: [(GeneratedTable, [String])] = [
            (.purchases, ["purchased_at"]), (.events, ["occurred_at"]), (.interactions, ["occurred_at"]),
            (.responses, ["presented_at", "responded_at"]),
        ]
        for (table, names) in columns {
            for row in try files.rows(table) {
                let seen = try #require(firstSeen[row["client_id"]!])
                for name in names where !row[name]!.isEmpty {
                    let time = try #require(parseTimestamp(row[name]!), "\(table.fileName) \(name) \(row[name]!)")
                    #expect(time >= seen && time < end, "\(table.fileName) \(name) \(row[name]!) outside [first_seen, end)")
                }
                if table == .responses, let responded = parseTimestamp(row["responded_at"]!) {
                    #expect(responded >= parseTimestamp(row["presented_at"]!)!)
                }
            }
        }
    }

    @Test func attributesAreQuotedJSONThatRoundTrips() throws {
        let files = try GeneratedFiles(clients: 3_000, seed: 4)
        let attributes = try files.rows(.clients).compactMap { $0["attributes"] }.filter { !$0.isEmpty }
        #expect(attributes.count > 100)
        #expect(attributes.contains { $0.contains(",") }, "some attributes hold several keys")
        #expect(attributes.contains { $0.contains("\\\"") }, "some attributes hold an escaped quote")
        #expect(attributes.contains { $0.contains("\"vip\":true") })
        for text in attributes {
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
            #expect(object is [String: Any], "attributes must be a JSON object: \(text)")
        }
        // The raw file quotes them.
        #expect(files.text(.clients).contains(",\"{\"\"vip\"\":true"))
        for details in try files.rows(.events).compactMap({ $0["details"] }) where !details.isEmpty {
            #expect(try JSONSerialization.jsonObject(with: Data(details.utf8)) is [String: Any])
        }
    }

    @Test func householdsAndBusinessAccountsShareAnAccount() throws {
        let clients = try GeneratedFiles(clients: 3_000, seed: 6).rows(.clients)
        var members: [String: [[String: String]]] = [:]
        for client in clients where !client["account_id"]!.isEmpty { members[client["account_id"]!, default: []].append(client) }
        let households = members.filter { $0.key.hasPrefix("H") }
        let businesses = members.filter { $0.key.hasPrefix("B") }
        #expect(households.count > 50 && businesses.count > 5)
        for (_, group) in households {
            #expect(group.first?["role"] == "head")
            #expect(Set(group.map { $0["region"]! }).count == 1, "a household lives in one region")
        }
        for (_, group) in businesses {
            #expect(group.first?["role"] == "decision_maker")
            #expect(group.allSatisfy { $0["segment"] == "smb" })
        }
        let doNotContact = clients.filter { $0["do_not_contact"] == "true" }.count
        #expect(doNotContact > 10 && doNotContact < 150)
    }

    @Test func rejectsOutOfRangeConfigurations() {
        #expect(throws: GeneratorError.self) {
            try PopulationGenerator(GeneratorConfiguration(clients: -1, seed: 1, endDay: GeneratorFixtures.endDay))
        }
        #expect(throws: GeneratorError.self) {
            try PopulationGenerator(GeneratorConfiguration(clients: 10, seed: 1, endDay: GeneratorFixtures.endDay, years: 0))
        }
    }

    @Test func retailFlavourUsesOnlyRetailProducts() throws {
        let files = try GeneratedFiles(clients: 300, seed: 8, flavour: .retail)
        let retailIds = Set(GeneratorCatalog.retail.products.map(\.id))
        #expect(Set(try files.rows(.products).map { $0["product_id"]! }) == retailIds)
        let bought = try files.rows(.purchases)
        #expect(bought.allSatisfy { retailIds.contains($0["product_id"]!) })
        #expect(bought.contains { $0["product_id"]!.hasPrefix("beans-") && Int($0["quantity"]!)! > 1 }, "consumables come in quantities")
    }
}
