/// A sticky holdout (control group): the clients whose hash of (salt, client id) falls in the
/// share get no offers, in the nightly run and in live answers alike.
///
/// Membership is a pure function of the salt and the client id, so it is the same in every run,
/// in `score` and `recommend`, on every machine, and a client stays in (or out of) the group
/// for as long as the salt and share stay the same; raising the share only adds clients.
///
/// ```swift
/// let holdout = Holdout(share: 0.05, salt: "2026")
/// holdout.contains("C0000042")   // the same answer everywhere, every time
/// ```
package struct Holdout: Sendable, Hashable {
    /// The share of clients held out, 0 … 1.
    package var share: Double
    /// Mixed into the hash: a new salt draws a new group.
    package var salt: String

    package init(share: Double, salt: String) {
        self.share = share
        self.salt = salt
    }

    /// Whether the client is in the holdout.
    package func contains(_ clientID: String) -> Bool {
        share > 0 && Self.position(salt: salt, clientID: clientID) < share
    }

    /// The client's position in [0, 1) for `salt`: the ``StableHash`` of the salt and the client
    /// id, its top 53 bits as a fraction. The one function batch and live share.
    package static func position(salt: String, clientID: String) -> Double {
        var hash = StableHash()
        hash.add(salt)
        hash.add(clientID)
        return Double(hash.finished >> 11) / 9_007_199_254_740_992.0
    }

    /// `5 % (salt "2026")`.
    package var description: String {
        "\(fmt4(share * 100)) % (salt \"\(salt)\")"
    }
}
