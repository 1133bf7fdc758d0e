import CofferCrypto

/// The audit trail as one hash chain: each line's link is the SHA-256 of the link before it
/// (32 zero bytes before the first), the line's key and its stored bytes. Links are computed
/// when a line is applied, from replicated data only, so every member's chain is the same;
/// a line edited, dropped, added or moved on one member breaks that member's chain there,
/// and a chain rewritten whole no longer matches the other members' at the same line.
extension Keyspace {
    static let chainStart = [UInt8](repeating: 0, count: 32)

    /// The link of a line: of its binary form, whichever form it is stored in (a member that
    /// replayed old entries with a newer release stores the same line differently).
    static func link(after previous: [UInt8], key: [UInt8], event: AuditEvent) -> [UInt8] {
        SHA256.hash(previous + key + encode(event))
    }

    /// Links the line just written under `key`, after the last link so far.
    static func chain(key: [UInt8], event: AuditEvent, in txn: LMDBTransaction) throws {
        let previous = try txn.last(Table.auditChain)?.value ?? chainStart
        try txn.put(Table.auditChain, key, link(after: previous, key: key, event: event))
    }

    /// Links every line anew: once, for a trail written before links were, and for one
    /// restored from an image without them. Never again after that, so a chain damaged
    /// later is reported by `checkAuditChain`, not quietly made whole.
    static func linkWholeTrail(in txn: LMDBTransaction) throws {
        for row in try txn.scan(Table.auditChain) { try txn.delete(Table.auditChain, row.key) }
        var previous = chainStart
        var from: [UInt8] = []
        while true {
            let rows = try txn.scan(Table.audit, from: from, limit: 4_096) { _ in true }
            guard let last = rows.last else { break }
            for row in rows {
                previous = link(after: previous, key: row.key, event: try decode(AuditEvent.self, row.value))
                try txn.put(Table.auditChain, row.key, previous)
            }
            from = last.key + [0]
        }
        try txn.put(Table.meta, MetaKey.auditChained, [1])
    }

    /// What a member finds when it checks its own chain.
    public struct ChainCheck: Codable, Sendable, Equatable {
        /// Lines checked.
        public var lines: Int = 0
        /// The first line whose link does not follow (log index and position in the entry), if any.
        public var brokenAtIndex: UInt64?
        public var brokenAtOffset: Int?
        /// The last line's log index and link, hex.
        public var headIndex: UInt64?
        public var headLink: String?
        /// The member's applied index: every member that has applied this far holds the same lines.
        public var appliedIndex: UInt64 = 0
    }

    /// Recomputes the chain from the first line and compares each stored link; stops at the
    /// first that does not follow. Reads in pages, in one read transaction.
    public func checkAuditChain() throws -> ChainCheck {
        try environment.read { txn in
            var check = ChainCheck()
            check.appliedIndex = try Self.appliedIndex(txn)
            var previous = Self.chainStart
            var from: [UInt8] = []
            while true {
                let rows = try txn.scan(Table.audit, from: from, limit: 4_096) { _ in true }
                let links = try txn.scan(Table.auditChain, from: from, limit: 4_096) { _ in true }
                guard let last = rows.last else {
                    // A link past the last line: a line was dropped from the end.
                    if let extra = links.first { check.brokenAtIndex = Self.lineIndex(extra.key).index; check.brokenAtOffset = Self.lineIndex(extra.key).offset }
                    return check
                }
                for (position, row) in rows.enumerated() {
                    let event = try? decode(AuditEvent.self, row.value)
                    let expected = event.map { Self.link(after: previous, key: row.key, event: $0) }
                    guard let expected, position < links.count, links[position].key == row.key, links[position].value == expected else {
                        (check.brokenAtIndex, check.brokenAtOffset) = Self.lineIndex(row.key)
                        return check
                    }
                    previous = expected
                    check.lines += 1
                    check.headIndex = Self.lineIndex(row.key).index
                    check.headLink = Self.hex(expected)
                }
                from = last.key + [0]
            }
        }
    }

    /// The link of the last line at or before log index `index` (hex), as stored.
    public func auditLink(atOrBefore index: UInt64) throws -> String? {
        try environment.read { txn in
            guard index < .max else { return try txn.last(Table.auditChain).map { Self.hex($0.value) } }
            return try txn.scanBackward(Table.auditChain, before: (index + 1).bigEndianBytes).map { Self.hex($0.value) }
        }
    }

    static func lineIndex(_ key: [UInt8]) -> (index: UInt64, offset: Int) {
        guard key.count == 10, let index = UInt64(bigEndianBytes: Array(key[0..<8])) else { return (0, 0) }
        return (index, Int(key[8]) << 8 | Int(key[9]))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
