import CofferCrypto
import Foundation

/// A node's keyspace in one LMDB environment: each secret's record, version metadata and
/// sealed values (`SecretRows`), tokens, the audit trail, and the index of the last applied
/// log entry. Commands are applied in
/// batches, each batch and its applied index in one write transaction.
public final class Keyspace: @unchecked Sendable {
    public let environment: LMDBEnvironment
    public let masterKey: MasterKey

    enum Table {
        static let meta = "meta"
        static let secretRows = "secret_rows"
        static let tokens = "tokens"
        static let audit = "audit"
        /// Each audit line's link in the trail's hash chain, under the line's key.
        static let auditChain = "audit_chain"
        static let members = "members"
        static let rotations = "rotations"
        static let settings = "settings"
        /// Where records, sealed values and version metadata were kept before `secret_rows`;
        /// read only to move their rows there.
        static let legacySecrets = "secrets"
        static let legacyValues = "values"
        static let legacyVersions = "versions"
        static let all = [meta, secretRows, tokens, audit, auditChain, members, rotations, settings, legacySecrets, legacyValues,
                          legacyVersions]
    }

    enum MetaKey {
        static let appliedIndex = Array("applied_index".utf8)
        static let keyCheck = Array("master_key_check".utf8)
        static let bootstrapped = Array("bootstrapped".utf8)
        /// Set once version histories have moved out of the secret records.
        static let versionsMoved = Array("versions_moved".utf8)
        /// Set once records, values and versions have moved to `secret_rows`.
        static let rowsMerged = Array("rows_merged".utf8)
        /// Set once the audit trail has its hash chain.
        static let auditChained = Array("audit_chained".utf8)
    }

    /// Opens the keyspace in `directory` (which must exist). A new keyspace records the
    /// master key's check value; an existing one refuses a key whose check value differs.
    public init(directory: String, masterKey: MasterKey) throws {
        environment = try LMDBEnvironment(directory: directory, names: Table.all + LMDBRaftStorage.tables)
        self.masterKey = masterKey
        try environment.write { txn in
            if let stored = try txn.get(Table.meta, MetaKey.keyCheck) {
                guard masterKey.matches(checkValue: stored) else { throw StoreError.wrongMasterKey }
            } else {
                try txn.put(Table.meta, MetaKey.keyCheck, masterKey.checkValue)
            }
            if try txn.get(Table.meta, MetaKey.versionsMoved) == nil {
                try Self.moveVersionHistories(in: txn)
                try txn.put(Table.meta, MetaKey.versionsMoved, [1])
            }
            if try txn.get(Table.meta, MetaKey.rowsMerged) == nil {
                try SecretRows.moveLegacyRows(in: txn)
                try txn.put(Table.meta, MetaKey.rowsMerged, [1])
            }
            if try txn.get(Table.meta, MetaKey.auditChained) == nil { try Self.linkWholeTrail(in: txn) }
        }
    }

    // MARK: Applying

    /// Applies `commands` with consecutive log indexes in one write transaction that also
    /// records the last index. Entries at or below the applied index were applied before
    /// (a replay after a crash) and are skipped.
    public func apply(_ commands: [(index: UInt64, command: Command)]) throws -> [AppliedCommand] {
        try environment.write { txn in try apply(commands, upTo: commands.last?.index ?? 0, in: txn) }
    }

    /// The same inside a caller's transaction (the Raft driver persists its log in it too).
    /// `upTo` is recorded as applied even when the last entries carry no command.
    public func apply(
        _ commands: [(index: UInt64, command: Command)], upTo lastIndex: UInt64, in txn: LMDBTransaction
    ) throws -> [AppliedCommand] {
        var applied = try Self.appliedIndex(txn)
        var results: [AppliedCommand] = []
        for (index, command) in commands where index > applied {
            var changes: [ValueChange] = []
            let result = try Self.apply(command, index: index, in: txn, changes: &changes)
            results.append(AppliedCommand(index: index, result: result, valueChanges: changes))
            applied = index
        }
        try txn.put(Table.meta, MetaKey.appliedIndex, max(applied, lastIndex).bigEndianBytes)
        return results
    }

    private static func apply(
        _ command: Command, index: UInt64, in txn: LMDBTransaction, changes: inout [ValueChange]
    ) throws -> Result<CommandOutcome, Rejection> {
        switch command {
        case .createSecret(let name, let value, let at, let by):
            return try createSecret(name: name, value: value, hosts: [], at: at, by: by, index: index, in: txn, changes: &changes)

        case .createSecretWithHosts(let name, let value, let hosts, let at, let by):
            return try createSecret(name: name, value: value, hosts: hosts, at: at, by: by, index: index, in: txn, changes: &changes)

        case .setSecretHosts(let name, let hosts, let at, let by):
            guard hosts.allSatisfy({ HostPattern($0) != nil }) else { return .failure(.invalidRequest("invalid host: \(HostPattern.rule)")) }
            guard var record = try secret(named: name, in: txn) else { return .failure(.notFound(name)) }
            record.allowedHosts = hosts
            record.updatedAt = at
            record.updatedBy = by
            try put(record, in: txn)
            try audit(index, 0, at, by, "secret.hosts", record.name, version: nil, rotationID: nil, in: txn)
            return .success(.secretHostsSet(record))

        case .rotateSecrets(let id, let items, let at, let by):
            return try rotate(id: id, kind: .rotate, items: items, at: at, by: by, index: index, in: txn, changes: &changes)

        case .rollbackSecrets(let id, let items, let at, let by):
            return try rotate(id: id, kind: .rollback, items: items, at: at, by: by, index: index, in: txn, changes: &changes)

        case .reportLeak(let id, let items, let reason, let revokeTokens, let at, let by):
            return try reportLeak(id: id, items: items, reason: reason, revokeTokens: revokeTokens, at: at, by: by, index: index,
                                  in: txn, changes: &changes)

        case .deleteSecret(let name, let at, let by):
            guard let record = try secret(named: name, in: txn) else { return .failure(.notFound(name)) }
            for (key, _) in try txn.scan(Table.secretRows, prefix: SecretRows.prefix(name)) {
                try txn.delete(Table.secretRows, key)
            }
            try audit(index, 0, at, by, "secret.delete", record.name, version: record.currentVersion, rotationID: nil, in: txn)
            changes.append(.remove(name: record.name))
            return .success(.secretDeleted(record.name))

        case .createToken(let token):
            return try createToken(token, index: index, in: txn)

        case .approveToken(let id, let at, let by):
            return try approveToken(id: id, at: at, by: by, index: index, in: txn)

        case .setTokenApprovals(let count, let at, let by):
            return try setTokenApprovals(count, at: at, by: by, index: index, in: txn)

        case .setMaxTokenTTL(let seconds, let at, let by):
            return try setMaxTokenTTL(seconds, at: at, by: by, index: index, in: txn)

        case .setKeptVersions(let count, let at, let by):
            return try setKeptVersions(count, at: at, by: by, index: index, in: txn)

        case .initialize(let tokens, let tokenApprovals):
            return try initialize(tokens: tokens, tokenApprovals: tokenApprovals, in: txn)

        case .revokeToken(let id, let at, let by):
            guard let token = try storedToken(id: id, in: txn) else { return .failure(.tokenNotFound(id)) }
            // Only an admin token in use revokes (one revoked while its request was on the way
            // revokes nothing), and a scoped one no token that reaches further than it does.
            if by != .system {
                guard let revoker = try storedToken(id: by.tokenID, in: txn), revoker.role == .admin, revoker.state.isUsable,
                      !revoker.isExpired(at: at) else {
                    return .failure(.forbidden("token '\(by.tokenID)' is revoked, expired or not an admin token in use: it cannot revoke tokens"))
                }
                if let beyond = token.secretsBeyond(revoker) {
                    return .failure(.forbidden("token '\(id)' reaches further than token '\(revoker.id)' that would revoke it (\(beyond))"))
                }
            }
            try txn.delete(Table.tokens, Array(id.utf8))
            try audit(index, 0, at, by, "token.revoke", id, version: nil, rotationID: nil, in: txn)
            return .success(.tokenRevoked(id))

        case .bootstrapTokens(let tokens):
            return try initialize(tokens: tokens, tokenApprovals: 1, in: txn)

        case .setMember(let member):
            try txn.put(Table.members, Array(member.id.utf8), encode(member))
            return .success(.memberSet(member))

        case .removeMember(let id):
            try txn.delete(Table.members, Array(id.utf8))
            return .success(.memberRemoved(id))

        case .auditMembership(let action, let member, let at, let by):
            guard Command.membershipActions.contains(action), (1...64).contains(member.count) else {
                return .failure(.invalidRequest("not a membership audit line: \(action) \(member)"))
            }
            try audit(index, 0, at, by, action, member, version: nil, rotationID: nil, in: txn)
            return .success(.audited)

        case .auditScan(let source, let bytes, let findings, let found, let at, let by):
            guard (1...128).contains(source.utf8.count), PrintableText.isPrintable(source), found.count <= Command.maxScanFound,
                  found.allSatisfy({ (1...160).contains($0.utf8.count) }) else {
                return .failure(.invalidRequest("not a scan's audit line"))
            }
            let summary = "\(source): \(bytes) bytes, \(findings) findings" + (found.isEmpty ? "" : " (" + found.joined(separator: ", ") + ")")
            try audit(index, 0, at, by, "scan", summary, version: nil, rotationID: nil, in: txn)
            return .success(.audited)

        case .auditTerm(let term, let leader, let at):
            guard (1...64).contains(leader.utf8.count) else { return .failure(.invalidRequest("not a term's audit line")) }
            try audit(index, 0, at, .system, "cluster.leader", "\(leader) leads term \(term)", version: nil, rotationID: nil, in: txn)
            return .success(.audited)
        }
    }

    private static func createSecret(
        name: String, value: SealedValue, hosts: [String], at: Int64, by: Actor, index: UInt64, in txn: LMDBTransaction,
        changes: inout [ValueChange]
    ) throws -> Result<CommandOutcome, Rejection> {
        guard isValidName(name) else { return .failure(.invalidName(name)) }
        guard hosts.allSatisfy({ HostPattern($0) != nil }) else { return .failure(.invalidRequest("invalid host: \(HostPattern.rule)")) }
        guard try secret(named: name, in: txn) == nil else { return .failure(.nameTaken(name)) }
        let record = SecretRecord(name: name, currentVersion: 1, createdAt: at, createdBy: by, updatedAt: at, updatedBy: by,
                                  allowedHosts: hosts)
        try put(record, in: txn)
        try txn.put(Table.secretRows, SecretRows.version(name, 1),
                    encode(VersionInfo(version: 1, createdAt: at, createdBy: by, rotationID: nil)))
        try txn.put(Table.secretRows, SecretRows.value(name, 1), encode(value))
        try audit(index, 0, at, by, "secret.create", name, version: 1, rotationID: nil, in: txn)
        changes.append(.set(name: name, version: 1, value: value))
        return .success(.secretCreated(record))
    }

    /// All of `items` take their new versions, or (on any rejection) none does.
    private static func rotate(
        id: String, kind: RotationRecord.Kind, items: [RotationItem], at: Int64, by: Actor, index: UInt64,
        in txn: LMDBTransaction, changes: inout [ValueChange]
    ) throws -> Result<CommandOutcome, Rejection> {
        var records: [SecretRecord] = []
        var seen = Set<String>()
        for item in items {
            guard seen.insert(folded(item.name)).inserted else { return .failure(.duplicateInRotation(item.name)) }
            guard var record = try secret(named: item.name, in: txn) else { return .failure(.notFound(item.name)) }
            guard item.version == record.currentVersion + 1 else { return .failure(.versionConflict(record.name)) }
            record.currentVersion = item.version
            record.updatedAt = at
            record.updatedBy = by
            records.append(record)
        }
        let action = kind == .rollback ? "secret.rollback" : "secret.rotate"
        let kept = UInt64(try settings(in: txn).keptVersions)
        for (offset, (item, record)) in zip(items, records).enumerated() {
            try put(record, in: txn)
            try txn.put(Table.secretRows, SecretRows.value(item.name, item.version), encode(item.value))
            try txn.put(Table.secretRows, SecretRows.version(item.name, item.version),
                        encode(VersionInfo(version: item.version, createdAt: at, createdBy: by, rotationID: id)))
            // A compromised value is kept whatever the setting, so scans still recognize it;
            // a leak's own entry marks the version it replaces only after this.
            if item.version > kept {
                let dropped = item.version - kept
                if !(kind == .leak && dropped == item.version - 1), try !isCompromised(item.name, dropped, in: txn) {
                    try txn.delete(Table.secretRows, SecretRows.value(item.name, dropped))
                }
            }
            try audit(index, UInt16(offset), at, by, action, record.name, version: item.version, rotationID: id, in: txn)
            changes.append(.set(name: record.name, version: item.version, value: item.value))
        }
        let rotation = RotationRecord(id: id, kind: kind, index: index, at: at, by: by,
                                      secrets: records.map { .init(name: $0.name, version: $0.currentVersion) })
        try txn.put(Table.rotations, Array(id.utf8), encode(rotation))
        return .success(.secretsRotated(records))
    }

    /// Rotates the secrets, marks the version each had before compromised, and revokes the
    /// tokens listed (those still there), all in the entry's one transaction.
    private static func reportLeak(
        id: String, items: [RotationItem], reason: String, revokeTokens: [String], at: Int64, by: Actor, index: UInt64,
        in txn: LMDBTransaction, changes: inout [ValueChange]
    ) throws -> Result<CommandOutcome, Rejection> {
        guard !reason.contains(where: \.isNewline), reason.count <= 1_000 else {
            return .failure(.invalidRequest("a reason is up to 1000 characters on one line"))
        }
        let rotated = try rotate(id: id, kind: .leak, items: items, at: at, by: by, index: index, in: txn, changes: &changes)
        guard case .success = rotated else { return rotated }
        var offset = items.count
        for item in items {
            let leaked = item.version - 1
            let key = SecretRows.version(item.name, leaked)
            guard var info = try txn.get(Table.secretRows, key).map({ try decode(VersionInfo.self, $0) }) else { continue }
            if info.compromise == nil { info.compromise = Compromise(at: at, by: by, reason: reason) }
            try txn.put(Table.secretRows, key, encode(info))
            try audit(index, UInt16(clamping: offset), at, by, "secret.leak", try secret(named: item.name, in: txn)?.name ?? item.name,
                      version: leaked, rotationID: id, in: txn)
            offset += 1
        }
        let reporter = try storedToken(id: by.tokenID, in: txn)
        for tokenID in revokeTokens {
            // Never a token that reaches further than the admin reporting the leak.
            if let reporter, let token = try storedToken(id: tokenID, in: txn), token.secretsBeyond(reporter) != nil { continue }
            guard try txn.delete(Table.tokens, Array(tokenID.utf8)) else { continue }
            try audit(index, UInt16(clamping: offset), at, by, "token.revoke", "\(tokenID) (rendered a leaked version, \(id))",
                      version: nil, rotationID: id, in: txn)
            offset += 1
        }
        return rotated
    }

    // MARK: Reading

    /// A rotation applied here, by id. Kept as long as the audit trail.
    public func rotation(id: String) throws -> RotationRecord? {
        try environment.read { txn in
            try txn.get(Table.rotations, Array(id.utf8)).map { bytes in try decode(RotationRecord.self, bytes) }
        }
    }

    public var appliedIndex: UInt64 {
        get throws { try environment.read { txn in try Self.appliedIndex(txn) } }
    }

    /// All secrets' metadata, ordered by folded name.
    public func secrets() throws -> [SecretRecord] {
        try environment.read { txn in
            var records: [SecretRecord] = []
            for row in try SecretRows.records(in: txn) { records.append(try decode(SecretRecord.self, row.value)) }
            return records
        }
    }

    public func secret(named name: String) throws -> SecretRecord? {
        try environment.read { txn in try Self.secret(named: name, in: txn) }
    }

    /// A secret's metadata and every version's, oldest first, read together.
    public func secretWithHistory(named name: String) throws -> (record: SecretRecord, versions: [VersionInfo])? {
        try environment.read { txn in
            guard let record = try Self.secret(named: name, in: txn) else { return nil }
            let rows = try txn.scan(Table.secretRows, prefix: SecretRows.history(name))
            return (record, try rows.map { try decode(VersionInfo.self, $0.value) })
        }
    }

    /// Moves version histories kept inside secret records (as stored before the `versions`
    /// table) into that table, and rewrites the records without them. Works on the tables of
    /// before `secret_rows`; `SecretRows.moveLegacyRows` runs after it.
    static func moveVersionHistories(in txn: LMDBTransaction) throws {
        // Binary rows were written after the move, so only JSON rows can hold a history.
        for row in try txn.scan(Table.legacySecrets) where row.value.first == StoredForm.json {
            guard let history = try decodeJSON(LegacyVersionHistory.self, row.value).versions else { continue }
            let record = try decode(SecretRecord.self, row.value)
            for info in history {
                try txn.put(Table.legacyVersions, Array(folded(record.name).utf8) + [0] + info.version.bigEndianBytes, encode(info))
            }
            try txn.put(Table.legacySecrets, row.key, encode(record))
        }
    }

    /// The versions of the secret `name` whose sealed values are still kept, oldest first.
    public func keptVersions(named name: String) throws -> [UInt64] {
        try environment.read { txn in
            try SecretRows.sealedValues(name, in: txn).map(\.version)
        }
    }

    /// The sealed value of one version, if it is still kept.
    public func sealedValue(named name: String, version: UInt64) throws -> SealedValue? {
        try environment.read { txn in
            try txn.get(Table.secretRows, SecretRows.value(name, version)).map { bytes in
                try decode(SealedValue.self, bytes)
            }
        }
    }

    /// Every secret's current sealed value, with the applied index they are current at.
    public func currentValues() throws -> (appliedIndex: UInt64, values: [(name: String, version: UInt64, value: SealedValue)]) {
        try environment.read { txn in
            var values: [(name: String, version: UInt64, value: SealedValue)] = []
            for row in try SecretRows.records(in: txn) {
                let record = try decode(SecretRecord.self, row.value)
                guard let bytes = try txn.get(Table.secretRows, SecretRows.value(record.name, record.currentVersion)) else {
                    throw StoreError.corrupt("no sealed value for the current version of a secret")
                }
                values.append((record.name, record.currentVersion, try decode(SealedValue.self, bytes)))
            }
            return (try Self.appliedIndex(txn), values)
        }
    }

    public func tokens() throws -> [TokenRecord] {
        try environment.read { txn in
            var tokens: [TokenRecord] = []
            for entry in try txn.scan(Table.tokens) { tokens.append(try decode(TokenRecord.self, entry.value)) }
            return tokens
        }
    }

    public func token(id: String) throws -> TokenRecord? {
        try environment.read { txn in try Self.storedToken(id: id, in: txn) }
    }

    public func members() throws -> [MemberRecord] {
        try environment.read { txn in try txn.scan(Table.members).map { try decode(MemberRecord.self, $0.value) } }
    }

    /// Audit events after log index `after`, oldest first; none after the last index there is.
    /// The trail's first `limit` events after log index `after` (and the rest of the last index's).
    public func audit(after: UInt64 = 0, limit: Int = 1_000) throws -> [AuditEvent] {
        try auditPage(after: after, limit: limit).events
    }

    /// A page of the trail: up to `limit` events after log index `after` that `include` keeps,
    /// having looked at no more than about `budget` events; `next` is the index to go on from
    /// when more may follow (nil at the end). A page never splits the lines of one index (a
    /// rotation's), so it may run past `limit` to finish one.
    public func auditPage(
        after: UInt64 = 0, limit: Int = 1_000, budget: Int = 100_000, where include: (AuditEvent) -> Bool = { _ in true }
    ) throws -> (events: [AuditEvent], next: UInt64?) {
        guard after < .max, limit > 0 else { return ([], nil) }
        return try environment.read { txn in
            var events: [AuditEvent] = []
            var examined = 0
            var current: UInt64?
            var from = (after + 1).bigEndianBytes
            while true {
                let chunk = try txn.scan(Table.audit, from: from, limit: 512, while: { _ in true })
                guard let last = chunk.last else { return (events, nil) }
                for entry in chunk {
                    let event = try decode(AuditEvent.self, entry.value)
                    if event.index != current, let current, events.count >= limit || examined >= budget {
                        return (events, current)
                    }
                    current = event.index
                    examined += 1
                    if include(event) { events.append(event) }
                }
                from = last.key + [0]
            }
        }
    }

    // MARK: Encoding

    static func appliedIndex(_ txn: LMDBTransaction) throws -> UInt64 {
        guard let bytes = try txn.get(Table.meta, MetaKey.appliedIndex) else { return 0 }
        guard let index = UInt64(bigEndianBytes: bytes) else { throw StoreError.corrupt("applied index") }
        return index
    }

    private static func secret(named name: String, in txn: LMDBTransaction) throws -> SecretRecord? {
        guard isValidName(name) else { return nil }
        return try txn.get(Table.secretRows, SecretRows.record(name)).map { bytes in
            try decode(SecretRecord.self, bytes)
        }
    }

    private static func put(_ record: SecretRecord, in txn: LMDBTransaction) throws {
        try txn.put(Table.secretRows, SecretRows.record(record.name), encode(record))
    }

    static func audit(
        _ index: UInt64, _ offset: UInt16, _ at: Int64, _ actor: Actor, _ action: String, _ target: String,
        version: UInt64?, rotationID: String?, in txn: LMDBTransaction
    ) throws {
        let event = AuditEvent(index: index, at: at, actor: actor, action: action, target: target,
                               version: version, rotationID: rotationID)
        let key = index.bigEndianBytes + [UInt8(offset >> 8), UInt8(offset & 0xFF)]
        try txn.put(Table.audit, key, encode(event))
        try chain(key: key, event: event, in: txn)
    }

    static func folded(_ name: String) -> String { name.lowercased() }

    /// Whether version `version` of the secret `name` was reported leaked.
    static func isCompromised(_ name: String, _ version: UInt64, in txn: LMDBTransaction) throws -> Bool {
        try txn.get(Table.secretRows, SecretRows.version(name, version)).map { try decode(VersionInfo.self, $0).compromise != nil } ?? false
    }

    /// The same rule as the resolver's: 1–128 of `[A-Za-z0-9_-]`. Checked again here because
    /// commands also arrive from the log.
    static func isValidName(_ name: String) -> Bool {
        (1...128).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x5F || byte == 0x2D
        }
    }
}

// One of each, made once: a coder is safe to share between threads, and making one per record
// showed in the profile of every write.
extension JSONEncoder {
    public static let sorted: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}

extension JSONDecoder {
    public static let shared = JSONDecoder()
}

extension UInt64 {
    public var bigEndianBytes: [UInt8] { withUnsafeBytes(of: bigEndian) { Array($0) } }

    public init?(bigEndianBytes bytes: [UInt8]) {
        guard bytes.count == 8 else { return nil }
        self = bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}
