import Foundation
import Testing
import WaymarkCore
@testable import WaymarkGenerator

/// `--flavour grocery`: 150 Zipf categories, baskets of several lines with an order id, staples.
@Suite struct GroceryFlavourTests {
    @Test func deterministicAndSmallerRunsArePrefixes() throws {
        let a = try GeneratedFiles(clients: 60, flavour: .grocery)
        let b = try GeneratedFiles(clients: 60, flavour: .grocery)
        #expect(a.bytes == b.bytes)
        let small = try GeneratedFiles(clients: 20, flavour: .grocery)
        #expect(a.text(.clients).hasPrefix(small.text(.clients)))
        #expect(a.text(.purchases).hasPrefix(small.text(.purchases)))
        #expect(try GeneratedFiles(clients: 60, seed: 7, flavour: .grocery).bytes != a.bytes)
    }

    @Test func basketsOfSeveralLinesOverTheAssortment() throws {
        let files = try GeneratedFiles(clients: 300, years: 2, flavour: .grocery)
        #expect(try files.header(.purchases) == GeneratedTable.purchases.columns + ["order_id"])
        #expect(try files.rows(.events).isEmpty && files.rows(.responses).isEmpty)
        let products = try files.rows(.products)
        #expect(products.count == 450)
        #expect(Set(products.compactMap { $0["category"] }).count == 150)
        let category = Dictionary(uniqueKeysWithValues: products.map { ($0["product_id"]!, $0["category"]!) })
        let purchases = try files.rows(.purchases)
        var linesPerOrder: [String: Int] = [:]
        var timeOfOrder: [String: String] = [:]
        var categoriesPerClient: [String: Set<String>] = [:]
        var ordersPerClient: [String: Set<String>] = [:]
        for row in purchases {
            let order = try #require(row["order_id"])
            linesPerOrder[order, default: 0] += 1
            // One basket, one time.
            if let time = timeOfOrder[order] { #expect(time == row["purchased_at"]) } else { timeOfOrder[order] = row["purchased_at"] }
            categoriesPerClient[row["client_id"]!, default: []].insert(try #require(category[row["product_id"]!]))
            ordersPerClient[row["client_id"]!, default: []].insert(order)
        }
        let meanLines = Double(purchases.count) / Double(linesPerOrder.count)
        #expect(meanLines > 3 && meanLines < 15)
        // Prospects (about 10 %) and one-time buyers exist; most buyers come back.
        let buyers = ordersPerClient.count
        #expect(buyers < 300 && buyers > 230)
        let oneTime = ordersPerClient.values.filter { $0.count == 1 }.count
        #expect(oneTime > 20 && oneTime < buyers / 2)
        // Popularity is skewed: the most bought category reaches many more clients than the median one.
        var clientsPerCategory: [String: Int] = [:]
        for categories in categoriesPerClient.values { for c in categories { clientsPerCategory[c, default: 0] += 1 } }
        let counts = clientsPerCategory.values.sorted(by: >)
        #expect(counts[0] > 5 * counts[counts.count / 2])
    }
}
