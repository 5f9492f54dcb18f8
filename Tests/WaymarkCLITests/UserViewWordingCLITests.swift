import Foundation
import Testing

/// What an advisor sees of a client's contact situation and the wording (issue 15, item 6).
@Suite("waymark: contact banners and wording (binary)", .serialized)
struct UserViewWordingCLITests {
    static let inboundCatalog = """
        version: "inbound-1"
        contact_policy:
          consent_exempt_channels: [web, advisor]
          do_not_contact: inbound_only
        items:
          - { id: offer-web, kind: offer, title: On the web, category: more, channels: [web, email], value: 10 }
        """

    static func database() throws -> ScoreCLIDatabase {
        let db = try ScoreCLIDatabase()
        try db.psql("""
            INSERT INTO clients (client_id, first_seen, consents, do_not_contact) VALUES
              ('D1', '2024-01-01', '{email,web}', true), ('N1', '2024-01-01', '{}', false), ('E1', '2024-01-01', '{email}', false)
            """)
        let load = try db.run(["catalog", "load", try db.harness.write("inbound.yaml", inboundCatalog)])
        #expect(load.status == 0, "\(load.stderr)")
        return db
    }

    @Test("a do-not-contact client's recommend shows a banner and a contact member; offers are inbound only, not 'consented'")
    func doNotContactBanner() throws {
        let db = try Self.database()
        let table = try db.run(["recommend", "D1", "--as-of", "2025-06-01"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.hasPrefix("!! Do not contact: the client asked not to be contacted; offers may be shown only when the client gets in touch (web, advisor)\n"), "\(table.stdout)")
        #expect(table.stdout.contains("channel web: inbound only (do not contact)"), "\(table.stdout)")
        #expect(!table.stdout.contains("consented"), "\(table.stdout)")
        let json = try db.run(["recommend", "D1", "--as-of", "2025-06-01", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.stdout.contains(#""contact":{"consents":["web","email"],"do_not_contact":true,"inbound_channels":["web","advisor"],"notices":["do not contact: "#)
                || json.stdout.contains(#""contact":{"consents":["email","web"],"do_not_contact":true,"inbound_channels":["web","advisor"],"notices":["do not contact: "#), "\(json.stdout)")
    }

    @Test("a client with no consented channel gets a banner; a client with a consent gets none")
    func noConsentBanner() throws {
        let db = try Self.database()
        let none = try db.run(["recommend", "N1", "--as-of", "2025-06-01"])
        #expect(none.status == 0, "\(none.stderr)")
        #expect(none.stdout.hasPrefix("!! No consented channel: "), "\(none.stdout)")
        #expect(none.stdout.contains("channel web: consent-exempt (no consent needed)"), "\(none.stdout)")
        let fine = try db.run(["recommend", "E1", "--as-of", "2025-06-01", "--format", "json"])
        #expect(fine.status == 0, "\(fine.stderr)")
        #expect(!fine.stdout.contains(#""contact""#), "\(fine.stdout)")
        #expect(!(try db.run(["recommend", "E1", "--as-of", "2025-06-01"])).stdout.contains("!!"))
    }

    @Test("profile: singular days, the RFM key")
    func profileWording() throws {
        let db = try Self.database()
        try db.psql("""
            INSERT INTO products (product_id, name, category, list_price) VALUES ('P1', 'One', 'more', 10);
            INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount) VALUES ('E1', 'X1', 'P1', '2025-05-31', 10)
            """)
        let profile = try db.run(["profile", "E1", "--as-of", "2025-06-01"])
        #expect(profile.status == 0, "\(profile.stderr)")
        #expect(profile.stdout.contains("2025-05-31 (1 day ago)"), "\(profile.stdout)")
        #expect(profile.stdout.contains("(recency, frequency, monetary quintiles; 5 = best)"), "\(profile.stdout)")
        #expect(!profile.stdout.contains("1 days"), "\(profile.stdout)")
    }
}
