/// Tokens and the two-person rule: with `tokenApprovals` at 2, an admin or render token is
/// made awaiting approval, and only an admin of another line may approve it. A token's line
/// is itself and every token that made it (`TokenRecord.holders`): whoever held one of them
/// saw the new token when it was shown, so may hold it too.
extension Keyspace {
    /// How long a token, or a lowered setting, waits for its second admin.
    public static let approvalWindowMilliseconds: Int64 = 24 * 60 * 60 * 1000
    /// How many generations of tokens making tokens a line may have, so a lineage stays a
    /// small, readable row.
    static let maxLineage = 1_000

    static let settingsKey = Array("cluster".utf8)

    static func settings(in txn: LMDBTransaction) throws -> ClusterSettings {
        try txn.get(Table.settings, settingsKey).map { try decode(ClusterSettings.self, $0) } ?? ClusterSettings()
    }

    public func settings() throws -> ClusterSettings {
        try environment.read { txn in try Self.settings(in: txn) }
    }

    static func storedToken(id: String, in txn: LMDBTransaction) throws -> TokenRecord? {
        try txn.get(Table.tokens, Array(id.utf8)).map { try decode(TokenRecord.self, $0) }
    }

    // MARK: Applying

    static func initialize(
        tokens: [TokenRecord], tokenApprovals: Int, in txn: LMDBTransaction
    ) throws -> Result<CommandOutcome, Rejection> {
        guard ClusterSettings.allowedTokenApprovals.contains(tokenApprovals) else { return .failure(.invalidRequest(approvalsRule)) }
        // Each first token is a line of its own.
        guard tokenApprovals == 1 || Set(tokens.filter { $0.role == .admin }.map(\.id)).count >= 2 else {
            return .failure(.invalidRequest(twoLinesRule))
        }
        guard try txn.get(Table.meta, MetaKey.bootstrapped) == nil else { return .failure(.alreadyBootstrapped) }
        for token in tokens {
            // A first token starts a line of its own and is in use; its limits stay as given.
            let first = TokenRecord(id: token.id, role: token.role, name: token.name, hash: token.hash,
                                    createdAt: token.createdAt, createdBy: token.createdBy, scope: token.scope,
                                    expiresAt: token.expiresAt, networks: token.networks)
            try txn.put(Table.tokens, Array(token.id.utf8), encode(first))
        }
        try txn.put(Table.settings, settingsKey, encode(ClusterSettings(tokenApprovals: tokenApprovals)))
        try txn.put(Table.meta, MetaKey.bootstrapped, [1])
        return .success(.bootstrapped)
    }

    /// Stores a new token with its line, awaiting approval when the rule asks for it. Only an
    /// admin token in use makes tokens: one revoked while its request was on the way makes none.
    static func createToken(_ token: TokenRecord, index: UInt64, in txn: LMDBTransaction) throws -> Result<CommandOutcome, Rejection> {
        var record = token
        // An entry written before lines were recorded keeps the line it was read with, as its
        // row on a node that applied it then reads today: every node agrees either way.
        if !token.isFromBeforeLines && token.createdBy != .system {
            guard let maker = try storedToken(id: token.createdBy.tokenID, in: txn), maker.role == .admin, maker.state.isUsable,
                  !maker.isExpired(at: token.createdAt) else {
                return .failure(.forbidden("token '\(token.createdBy.tokenID)' is revoked, expired or not an admin token in use: it cannot make tokens"))
            }
            if let reason = token.broadening(of: maker) {
                return .failure(.forbidden("a token cannot be broader than the token making it: \(reason)"))
            }
            guard maker.lineage.count < maxLineage else {
                return .failure(.invalidRequest("a token cannot be made from a line of more than \(maxLineage) tokens making tokens"))
            }
            record.lineage = maker.holders
        }
        guard try storedToken(id: record.id, in: txn) == nil else { return .failure(.invalidRequest("a token with id '\(record.id)' exists")) }
        let settings = try settings(in: txn)
        if let cap = settings.maxTokenTTLSeconds, (record.expiresAt ?? .max) > record.createdAt.addingReportingOverflow(cap * 1000).partialValue {
            return .failure(.forbidden("tokens may live at most \(cap) seconds here: give a shorter lifetime (--ttl)"))
        }
        let needsApproval = settings.tokenApprovals > 1 && token.role != .audit
        record.state = needsApproval ? .awaitingApproval : .active
        try txn.put(Table.tokens, Array(record.id.utf8), encode(record))
        try audit(index, 0, record.createdAt, record.createdBy, needsApproval ? "token.request" : "token.create",
                  record.auditTarget, version: nil, rotationID: nil, in: txn)
        return .success(.tokenCreated(record))
    }

    static func approveToken(
        id: String, at: Int64, by: Actor, index: UInt64, in txn: LMDBTransaction
    ) throws -> Result<CommandOutcome, Rejection> {
        guard var token = try storedToken(id: id, in: txn) else { return .failure(.tokenNotFound(id)) }
        guard token.state == .awaitingApproval else { return .failure(.notAwaitingApproval(id)) }
        guard !expired(since: token.createdAt, at: at) else { return .failure(.approvalExpired(id)) }
        if token.createdBy != .system, try storedToken(id: token.createdBy.tokenID, in: txn) == nil {
            return .failure(.forbidden("token '\(token.createdBy.tokenID)' that asked for token '\(id)' has been revoked"))
        }
        switch try secondAdmin(by, at: at, for: token.holders, what: "token '\(id)'", in: txn) {
        case .failure(let rejection): return .failure(rejection)
        case .success(let approver):
            // The second admin vouches for what the token reaches, so it must reach that far itself.
            if let beyond = token.secretsBeyond(approver) {
                return .failure(.forbidden("token '\(id)' reaches further than token '\(approver.id)' that would approve it (\(beyond))"))
            }
        }
        token.state = .approved(by: by, at: at)
        try txn.put(Table.tokens, Array(id.utf8), encode(token))
        try audit(index, 0, at, by, "token.approve", "\(id) (\(token.role.rawValue))", version: nil, rotationID: nil, in: txn)
        return .success(.tokenApproved(token))
    }

    /// Raising takes one admin; lowering takes a second admin of another line asking for the
    /// same within the approval window, so one person cannot switch the rule off.
    static func setTokenApprovals(
        _ count: Int, at: Int64, by: Actor, index: UInt64, in txn: LMDBTransaction
    ) throws -> Result<CommandOutcome, Rejection> {
        guard ClusterSettings.allowedTokenApprovals.contains(count) else { return .failure(.invalidRequest(approvalsRule)) }
        var settings = try settings(in: txn)
        if count > settings.tokenApprovals, try !hasTwoAdminLines(in: txn) {
            return .failure(.invalidRequest(twoLinesRule))
        }
        if count < settings.tokenApprovals {
            let requester: TokenRecord
            switch try secondAdmin(by, at: at, for: [], what: "a change of settings", in: txn) {
            case .failure(let rejection): return .failure(rejection)
            case .success(let token): requester = token
            }
            let pending = settings.pendingChange.flatMap { pending in
                pending.tokenApprovals == count && !expired(since: pending.at, at: at) ? pending : nil
            }
            guard let pending, try storedToken(id: pending.by.tokenID, in: txn) != nil else {
                let change = SettingsChange(tokenApprovals: count, at: at, by: by, holders: requester.holders)
                settings.pendingChange = change
                try txn.put(Table.settings, settingsKey, encode(settings))
                try audit(index, 0, at, by, "cluster.token_approvals.request", "\(count)", version: nil, rotationID: nil, in: txn)
                return .success(.settingsChangeAwaitingConfirmation(change))
            }
            if case .failure(let rejection) = try secondAdmin(by, at: at, for: pending.holders, what: "this change", in: txn) {
                return .failure(rejection)
            }
        }
        settings.tokenApprovals = count
        settings.pendingChange = nil
        try txn.put(Table.settings, settingsKey, encode(settings))
        try audit(index, 0, at, by, "cluster.token_approvals", "\(count)", version: nil, rotationID: nil, in: txn)
        return .success(.settingsChanged(settings))
    }

    /// Caps the lifetime of tokens made from now on (nil: no cap). Tokens made before keep theirs.
    static func setMaxTokenTTL(
        _ seconds: Int64?, at: Int64, by: Actor, index: UInt64, in txn: LMDBTransaction
    ) throws -> Result<CommandOutcome, Rejection> {
        if let seconds, !(1...maxTTLSeconds).contains(seconds) { return .failure(.invalidRequest("a lifetime cap is 1 second to 10 years")) }
        var settings = try settings(in: txn)
        settings.maxTokenTTLSeconds = seconds
        try txn.put(Table.settings, settingsKey, encode(settings))
        try audit(index, 0, at, by, "cluster.max_token_ttl", seconds.map { "\($0)s" } ?? "none", version: nil, rotationID: nil, in: txn)
        return .success(.settingsChanged(settings))
    }

    /// Sets how many versions of each secret keep their sealed values. Lowering it drops, in
    /// this entry, every sealed value it no longer covers, so an old ciphertext is gone from
    /// every member at the same point of the log. Compromised values stay, for scans.
    static func setKeptVersions(
        _ count: Int, at: Int64, by: Actor, index: UInt64, in txn: LMDBTransaction
    ) throws -> Result<CommandOutcome, Rejection> {
        guard ClusterSettings.allowedKeptVersions.contains(count) else {
            return .failure(.invalidRequest("kept versions must be 1 to 100"))
        }
        var settings = try settings(in: txn)
        if count < settings.keptVersions {
            for row in try SecretRows.records(in: txn) {
                let record = try decode(SecretRecord.self, row.value)
                guard record.currentVersion > UInt64(count) else { continue }
                for (version, key, _) in try SecretRows.sealedValues(record.name, in: txn)
                where version <= record.currentVersion - UInt64(count) {
                    if try !isCompromised(record.name, version, in: txn) { try txn.delete(Table.secretRows, key) }
                }
            }
        }
        settings.keptVersions = count
        try txn.put(Table.settings, settingsKey, encode(settings))
        try audit(index, 0, at, by, "cluster.kept_versions", "\(count)", version: nil, rotationID: nil, in: txn)
        return .success(.settingsChanged(settings))
    }

    /// The longest lifetime a token may be given: ten years.
    public static let maxTTLSeconds: Int64 = 10 * 365 * 24 * 3600

    // MARK: The rule

    /// `actor`'s token, if it is an admin token in use and of another line than `holders`.
    private static func secondAdmin(
        _ actor: Actor, at: Int64, for holders: [String], what: String, in txn: LMDBTransaction
    ) throws -> Result<TokenRecord, Rejection> {
        guard let approver = try storedToken(id: actor.tokenID, in: txn), approver.role == .admin, approver.state.isUsable,
              !approver.isExpired(at: at) else {
            return .failure(.forbidden("only an admin token in use can approve \(what)"))
        }
        guard let shared = approver.holders.first(where: holders.contains) else { return .success(approver) }
        if shared == approver.id {
            return .failure(.forbidden(
                "token '\(approver.id)' asked for \(what), or made the token that did: it cannot approve it; a second admin of another line must"))
        }
        return .failure(.forbidden(
            "token '\(approver.id)' and \(what) both come from token '\(shared)', whose holder may hold both; a second admin of another line must approve"))
    }

    /// Whether two admin tokens in use are of separate lines, so a request can be approved.
    private static func hasTwoAdminLines(in txn: LMDBTransaction) throws -> Bool {
        let admins = try txn.scan(Table.tokens).map { try decode(TokenRecord.self, $0.value) }
            .filter { $0.role == .admin && $0.state.isUsable }
        for (offset, first) in admins.enumerated() {
            for second in admins[(offset + 1)...] where !first.holders.contains(where: second.holders.contains) { return true }
        }
        return false
    }

    private static func expired(since start: Int64, at now: Int64) -> Bool {
        let (end, overflow) = start.addingReportingOverflow(approvalWindowMilliseconds)
        return !overflow && now > end
    }

    private static let twoLinesRule = """
        the two-person rule needs admin tokens in use of two separate lines (two first tokens, or \
        tokens made from them), or no request could ever be approved
        """

    private static let approvalsRule = "token approvals must be 1 (one admin makes tokens) or 2 (a second admin approves each admin or render token)"
}
