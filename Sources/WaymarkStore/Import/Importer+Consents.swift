package import Postgres
import WaymarkCore

extension Importer {
    /// A warning when clients are stored and none of them consents to any channel (a clients file
    /// imported without a `consents` column, usually), nil otherwise.
    ///
    /// Such clients are offered nothing on a channel that needs consent, which every channel does
    /// unless the catalog lists it in `contact_policy.consent_exempt_channels`: said after the
    /// import, not discovered in an empty run. One `EXISTS` query, which stops at the first client
    /// with a consent.
    package static func consentWarning(_ connection: Connection) throws -> String? {
        let noneConsents = try connection.execute("""
            SELECT EXISTS (SELECT 1 FROM clients) AND NOT EXISTS (SELECT 1 FROM clients WHERE cardinality(consents) > 0)
            """).scalar(Bool.self)
        guard noneConsents else { return nil }
        return "no client consents to any channel (a clients file without a consents column?): no offer on a channel that needs "
            + "consent will reach them: \(ContactPolicy.noConsentRemedy)"
    }
}
