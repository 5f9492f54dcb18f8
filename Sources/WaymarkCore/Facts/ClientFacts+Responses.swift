extension ClientFacts {
    /// Whether every response is known at `asOf` exactly as recorded: presented by then, its
    /// answer (if any) given by then, and no answer time on a response still only presented (the
    /// copy made otherwise would clear it). Read in place, no copy of a response.
    static func allKnownAsRecorded(_ responses: [Response], asOf: Timestamp) -> Bool {
        responses.withUnsafeBufferPointer { buffer in
            for i in buffer.indices {
                guard buffer[i].presentedAt <= asOf else { return false }
                if let respondedAt = buffer[i].respondedAt, respondedAt > asOf || buffer[i].outcome == .presented { return false }
            }
            return true
        }
    }

    /// The items of `responses` (newest first), each item's newest response and, per response,
    /// the same item's next older one (-1 for the oldest). Each response is read in place (no
    /// copy of its strings); a new item's id is handed to the table.
    static func responseChains(_ responses: UnsafeBufferPointer<Response>) -> (items: SmallKeys, newest: [Int32], older: [Int32]) {
        var items = SmallKeys(capacity: min(responses.count, 16))
        var newest: [Int32] = []
        newest.reserveCapacity(min(responses.count, 16))
        let older = UnsafeMutableBufferPointer<Int32>.mallocated(capacity: responses.count)
        defer { older.freed() }
        older.initialize(repeating: -1)
        for i in responses.indices.reversed() {
            let (k, inserted) = items.insert(responses[i].itemID)
            if inserted {
                newest.append(Int32(i))
            } else {
                older[i] = newest[k]
                newest[k] = Int32(i)
            }
        }
        return (items, newest, Array(older))
    }
}
