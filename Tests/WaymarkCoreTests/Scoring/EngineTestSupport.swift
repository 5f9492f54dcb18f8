import Foundation
@testable import WaymarkCore
import WaymarkGenerator

/// Shared fixtures of the engine tests.
enum Fixture {
    static let asOf = Timestamp(year: 2024, month: 6, day: 1)

    static func day(_ offset: Int) -> Timestamp { asOf.adding(days: offset) }

    /// The generator's products of a flavour, as the engine knows them.
    static func products(_ ladder: GeneratorLadder) -> ProductDirectory {
        ProductDirectory(ladder.products.map {
            ProductInfo(id: $0.id, name: $0.name, category: ladder.categories[$0.categoryIndex].id,
                        priceCents: Int64($0.listPriceCents), repeatable: $0.repeatable)
        })
    }

    static let advisorProducts = products(GeneratorCatalog.advisor)
    static let retailProducts = products(GeneratorCatalog.retail)

    static func category(of product: String) -> String {
        advisorProducts[product]?.category ?? retailProducts[product]?.category ?? "unknown"
    }

    static func purchase(_ product: String, _ dayOffset: Int, amount: Double = 100, channel: Channel? = nil) -> Purchase {
        Purchase(productID: product, category: category(of: product), at: day(dayOffset),
                 amountCents: Int64((amount * 100).rounded()), channel: channel)
    }

    static func client(
        _ id: String,
        firstSeen: Int = -1000,
        age: Int? = 40,
        consents: [Channel] = [.email, .app],
        purchases: [Purchase] = [],
        events: [LifeEvent] = [],
        interactions: [Interaction] = [],
        responses: [Response] = [],
        recorded: StageRecord? = nil,
        doNotContact: Bool = false
    ) -> ClientSnapshot {
        let birth = age.map { Timestamp(year: 2024 - $0, month: 1, day: 15) }
        return ClientSnapshot(
            profile: ClientProfile(id: id, firstSeen: day(firstSeen), birthDate: birth, segment: "mass", region: "north",
                                   consents: ChannelSet(consents), doNotContact: doNotContact),
            purchases: purchases, lifeEvents: events, interactions: interactions, responses: responses,
            recordedStage: recorded
        )
    }

    static func examplePath(_ name: String) -> String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("catalog/examples/\(name)").path
    }

    static func loadExample(_ name: String, products: ProductDirectory) throws -> Catalog {
        let text = try String(contentsOfFile: examplePath(name), encoding: .utf8)
        return try CatalogLoader.load(text, file: name, references: CatalogReferences(products: products))
    }
}
