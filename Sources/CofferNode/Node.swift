import CofferCrypto
import CofferStore
import Foundation
import Logging
import Raft
import Resolver
import Synchronization

/// One Coffer node: its keyspace, the secret table renders read, and the Raft driver its
/// writes go through. Writes reach the leader (forwarded over the peer link when this node
/// follows), which seals values and proposes the command; a write is answered once it is
/// committed and applied on this node.
public final class Node: Sendable {
    public let config: NodeConfig
    public let keyspace: Keyspace
    public let catalog: SecretCatalog
    public let raftID: NodeID
    let driver: RaftDriver
    private let link = Locked<(any PeerLink)?>(nil)
    private let addresses: Locked<[String: MemberRecord]>
    let rotationGenerations = RotationGenerations()
    let rotationIDs = RotationIDs()
    private let tokenCache = TokenCache()
    private let renderTables = RenderTables()
    let valueScanners = ValueScanners()
    /// The host lists of the secrets that have one, kept current as commands apply.
    let secretHosts: Locked<SecretHosts>
    /// Who rendered what: counted here, kept beside the keyspace, never replicated.
    public let usageTrail: UsageTrail
    let logger: Logger

    public init(config: NodeConfig, logger: Logger) throws {
        self.config = config
        self.logger = logger
        let masterKey = try MasterKey.load(from: config.masterKeyFile)
        try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let keyspace = try Keyspace(directory: config.dataDirectory, masterKey: masterKey)
        self.keyspace = keyspace
        let storage = try LMDBRaftStorage(environment: keyspace.environment)
        raftID = MemberID.raftID(config.nodeID)
        if storage.lastIndex() == 0 && storage.hardState().isEmpty {
            let founders = config.initialMembers.isEmpty ? [config.nodeID] : config.initialMembers.map(\.id)
            if founders.contains(config.nodeID) {
                do { try storage.bootstrap(voters: founders.map(MemberID.raftID)) } catch {
                    throw ServiceError.unavailable("cannot bootstrap the raft log: \(error)")
                }
            }
        }
        catalog = SecretCatalog(limits: config.effectiveLimits.render)
        try Self.loadTable(from: keyspace, into: catalog)
        addresses = Locked(try Self.addressBook(config: config, keyspace: keyspace))
        let secretHosts = Locked(try Self.hosts(in: keyspace))
        self.secretHosts = secretHosts
        usageTrail = try UsageTrail(directory: config.dataDirectory + "/usage", settings: config.usage ?? UsageTrail.Settings(),
                                    logger: logger)

        var settings = RaftDriver.Settings()
        if let timings = config.raft {
            settings.tick = .milliseconds(timings.tickMilliseconds)
            settings.electionTicks = timings.electionTicks
            if let every = timings.snapshotEvery {
                settings.snapshotEvery = every
                settings.entriesKeptAfterSnapshot = min(settings.entriesKeptAfterSnapshot, every / 2)
            }
        }
        let catalog = self.catalog
        let links = self.link
        let book = self.addresses
        let generations = self.rotationGenerations
        let tokenCache = self.tokenCache
        let scanners = self.valueScanners
        driver = try RaftDriver(
            id: raftID, keyspace: keyspace, storage: storage, settings: settings,
            seed: UInt64.random(in: .min ... .max),
            send: { target, bytes in
                guard let name = book.withLock({ $0.values.first { MemberID.raftID($0.id) == target }?.id }) else { return }
                links.withLock { $0 }?.send(.raft, bytes, to: name)
            },
            onApplied: { applied, snapshotInstalled in
                // First: a revoked token must stop working before anything else is done with the batch.
                if snapshotInstalled || applied.contains(where: \.changesTokens) { tokenCache.invalidate() }
                if snapshotInstalled || applied.contains(where: \.changesKeptValues) { scanners.drop() }
                Self.noteHosts(applied, snapshotInstalled: snapshotInstalled, in: secretHosts, keyspace: keyspace, logger: logger)
                Self.install(applied, snapshotInstalled: snapshotInstalled, into: catalog, keyspace: keyspace, logger: logger)
                generations.record(applied, generation: catalog.current.generation)
                if snapshotInstalled || applied.contains(where: { if case .success(.memberSet) = $0.result { true } else { false } }) {
                    if let fresh = try? Self.addressBook(config: config, keyspace: keyspace) { book.withLock { $0 = fresh } }
                }
            },
            termEntry: { [nodeID = config.nodeID] term in .auditTerm(term: term, leader: nodeID, at: Self.now()) },
            logger: logger)
    }

    /// Connects the node to its peers; call before `start`.
    public func attach(_ peerLink: any PeerLink) { link.withLock { $0 = peerLink } }

    public func start() {
        driver.start()
        usageTrail.start()
    }

    var currentLink: (any PeerLink)? { link.value }

    public func stop() {
        driver.stop()
        usageTrail.stop()
    }

    public var status: DriverStatus { driver.status }

    /// Where each known member listens, by name.
    public var members: [MemberRecord] {
        addresses.withLock { $0.values.sorted { $0.id < $1.id } }
    }

    /// The peers allowed to connect, with their peer addresses: the members of the current
    /// Raft configuration, or, on a node that has not joined yet, every member it was told of.
    public var currentPeers: [String: String] {
        let status = self.status
        let ids = Set(status.voters + status.learners)
        var peers: [String: String] = [:]
        for member in members where member.id != config.nodeID && (ids.isEmpty || ids.contains(MemberID.raftID(member.id))) {
            peers[member.id] = member.peerAddress
        }
        return peers
    }

    /// A Raft message from a peer the transport authenticated as `member`.
    public func receiveRaft(_ bytes: [UInt8], from member: String) {
        driver.receive(bytes, from: MemberID.raftID(member))
    }

    public func memberName(_ id: NodeID) -> String? {
        members.first { MemberID.raftID($0.id) == id }?.id
    }

    // MARK: Bootstrap

    /// Applies the bootstrap file once in the keyspace's life: whichever node leads first
    /// proposes it; the others see it arrive.
    public func bootstrapTokensWhenLeading() async {
        guard let file = config.bootstrapTokensFile, FileManager.default.fileExists(atPath: file) else { return }
        let bootstrap: BootstrapFile
        do {
            bootstrap = try BootstrapFile.decode(try Data(contentsOf: URL(fileURLWithPath: file)))
        } catch {
            return logger.error("cannot read the bootstrap tokens file", metadata: ["file": "\(file)", "error": "\(error)"])
        }
        for _ in 0..<600 {
            if (try? keyspace.tokens().isEmpty) == false { return }
            if status.isLeader {
                let command = Command.initialize(tokens: bootstrap.tokens, tokenApprovals: bootstrap.tokenApprovals)
                if let applied = try? await driver.submit(command) {
                    switch applied.result {
                    case .success: logger.info("applied \(bootstrap.tokens.count) bootstrap tokens, token approvals \(bootstrap.tokenApprovals)")
                    case .failure(let rejection): logger.error("bootstrap refused: \(rejection)")
                    }
                }
                return
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    // MARK: Writes

    /// Runs a write on the leader, forwarding it there if this node follows, and returns once
    /// it is applied here too.
    public func perform(_ request: WriteRequest) async throws -> WriteReply {
        var lastError: any Error = CommandLogError.noLeader
        for attempt in 0..<100 {
            if attempt > 0 { try await Task.sleep(for: .milliseconds(20)) }
            let status = self.status
            if status.isLeader {
                do {
                    return try await execute(request)
                } catch CommandLogError.dropped {
                    lastError = CommandLogError.dropped
                    continue
                }
            }
            guard status.leader != noNode, let leader = memberName(status.leader),
                  let peerLink = link.withLock({ $0 }) else { continue }
            let answer: [UInt8]
            do {
                answer = try await peerLink.call(.forwardWrite, try JSONEncoder().encode(request).byteArray, to: leader,
                                                 timeout: request.forwardTimeout)
            } catch PeerCallError.notDelivered(let reason) {
                lastError = ServiceError.unavailable("the leader could not be reached: \(reason)")
                continue
            } catch {
                throw CommandLogError.timedOut
            }
            var reply = try JSONDecoder().decode(WriteReply.self, from: Data(answer))
            if reply.dropped == true {
                lastError = CommandLogError.dropped
                continue
            }
            if let error = reply.error { throw error.error }
            _ = try await driver.waitApplied(reply.index)
            if let rotation = reply.rotation { reply.rotation = localView(of: rotation) }
            return reply
        }
        throw lastError
    }

    /// A write forwarded by a follower; answered with a `WriteReply`.
    public func handleForwardedWrite(_ payload: [UInt8]) async -> [UInt8] {
        var reply = WriteReply()
        do {
            let request = try JSONDecoder().decode(WriteRequest.self, from: Data(payload))
            reply = try await execute(request)
        } catch CommandLogError.dropped {
            reply.dropped = true
        } catch let error as ServiceError {
            reply.error = CodableServiceError(error)
        } catch {
            reply.error = CodableServiceError(.unavailable("\(error)"))
        }
        return (try? JSONEncoder().encode(reply).byteArray) ?? []
    }

    /// Executes a write here, as the leader: seal values, propose, wait for apply.
    private func execute(_ request: WriteRequest) async throws -> WriteReply {
        var reply = WriteReply()
        let now = Self.now()
        switch request {
        case .createSecret(let name, let spec, let hosts, let actor):
            guard SecretName.isValid(name) else { throw ServiceError.invalid("invalid secret name: \(SecretName.rule)") }
            try Self.checkHosts(hosts)
            let plaintext = try Self.materialize(spec)
            let sealed = try plaintext.withUnsafeBytes { try Envelope.seal($0, name: name, version: 1, with: keyspace.masterKey) }
            let command: Command = hosts.isEmpty
                ? .createSecret(name: name, value: sealed, at: now, by: actor)
                : .createSecretWithHosts(name: name, value: sealed, hosts: hosts, at: now, by: actor)
            let applied = try await submit(command, into: &reply)
            guard case .secretCreated(let record) = applied else { throw ServiceError.unavailable("unexpected outcome") }
            reply.records = [record]
            if spec.isGenerated { reply.generated[record.name] = plaintext.withUnsafeBytes { Array($0) } }
            logger.info("secret created", metadata: ["name": "\(record.name)", "by": "\(actor.tokenID)"])

        case .rotate(let items, let actor):
            // One secret's new value (PUT): a rotation that does not wait for the other members.
            try await executeRotation(RotationRequest(change: .values(items), waitMilliseconds: 0), actor: actor, at: now,
                                      logLevel: .debug, into: &reply)

        case .rotation(let rotation, let actor):
            try await executeRotation(rotation, actor: actor, at: now, into: &reply)

        case .rotationStatus(let id):
            reply.rotation = try leaderRotationStatus(id: id)

        case .setSecretHosts(let name, let hosts, let actor):
            try Self.checkHosts(hosts)
            guard case .secretHostsSet(let record) = try await submit(.setSecretHosts(name: name, hosts: hosts, at: now, by: actor), into: &reply) else {
                throw ServiceError.unavailable("unexpected outcome")
            }
            reply.records = [record]
            logger.info("secret hosts set", metadata: ["name": "\(record.name)", "hosts": "\(hosts.count)", "by": "\(actor.tokenID)"])

        case .deleteSecret(let name, let actor):
            guard SecretName.isValid(name) else { throw ServiceError.notFound("no secret named '\(name)'") }
            _ = try await submit(.deleteSecret(name: name, at: now, by: actor), into: &reply)
            logger.info("secret deleted", metadata: ["name": "\(name)", "by": "\(actor.tokenID)"])

        case .createToken(let role, let name, let grant, let actor):
            let (token, minted) = Tokens.mint(role: role, name: name, at: now, by: actor, grant: try grant.validated(now: now))
            guard case .tokenCreated(let record) = try await submit(.createToken(minted), into: &reply) else {
                throw ServiceError.unavailable("unexpected outcome")
            }
            reply.token = token
            reply.tokenRecord = record
            logger.info("token created", metadata: ["id": "\(record.id)", "role": "\(role.rawValue)", "by": "\(actor.tokenID)"])

        case .revokeToken(let id, let actor):
            _ = try await submit(.revokeToken(id: id, at: now, by: actor), into: &reply)
            logger.info("token revoked", metadata: ["id": "\(id)", "by": "\(actor.tokenID)"])

        case .approveToken(let id, let actor):
            guard case .tokenApproved(let record) = try await submit(.approveToken(id: id, at: now, by: actor), into: &reply) else {
                throw ServiceError.unavailable("unexpected outcome")
            }
            reply.tokenRecord = record
            logger.info("token approved", metadata: ["id": "\(id)", "by": "\(actor.tokenID)"])

        case .setMaxTokenTTL(let seconds, let actor):
            guard case .settingsChanged(let settings) = try await submit(.setMaxTokenTTL(seconds: seconds, at: now, by: actor), into: &reply) else {
                throw ServiceError.unavailable("unexpected outcome")
            }
            reply.settings = settings

        case .setKeptVersions(let count, let actor):
            guard case .settingsChanged(let settings) = try await submit(.setKeptVersions(count, at: now, by: actor), into: &reply) else {
                throw ServiceError.unavailable("unexpected outcome")
            }
            reply.settings = settings
            logger.info("kept versions setting", metadata: ["to": "\(count)", "by": "\(actor.tokenID)"])

        case .setTokenApprovals(let count, let actor):
            switch try await submit(.setTokenApprovals(count, at: now, by: actor), into: &reply) {
            case .settingsChanged(let settings): reply.settings = settings
            case .settingsChangeAwaitingConfirmation(let change): reply.pendingChange = change
            default: throw ServiceError.unavailable("unexpected outcome")
            }
            logger.info("token approvals setting", metadata: ["to": "\(count)", "by": "\(actor.tokenID)"])

        case .addMember(let member, let actor):
            guard MemberID.isValid(member.id) else { throw ServiceError.invalid("a member id is 1-64 of a-z, 0-9 and '-'") }
            guard !status.voters.contains(MemberID.raftID(member.id)), !status.learners.contains(MemberID.raftID(member.id)) else {
                throw ServiceError.conflict("'\(member.id)' is already a member")
            }
            _ = try await submit(.setMember(member), into: &reply)
            reply.index = try await changeMembership(.addLearner(MemberID.raftID(member.id)))
            try await auditMembership("cluster.member_add", member.id, by: actor, at: now)
            logger.info("member added as a learner", metadata: ["member": "\(member.id)"])

        case .promoteMember(let id, let actor):
            guard status.learners.contains(MemberID.raftID(id)) else { throw ServiceError.notFound("'\(id)' is not a learner") }
            reply.index = try await changeMembership(.addVoter(MemberID.raftID(id)))
            try await auditMembership("cluster.member_promote", id, by: actor, at: now)
            logger.info("learner promoted to voter", metadata: ["member": "\(id)"])

        case .removeMember(let id, let actor):
            let raftID = MemberID.raftID(id)
            guard status.voters.contains(raftID) || status.learners.contains(raftID) else {
                throw ServiceError.notFound("'\(id)' is not a member")
            }
            reply.index = try await changeMembership(.removeNode(raftID))
            try await auditMembership("cluster.member_remove", id, by: actor, at: now)
            logger.info("member removed", metadata: ["member": "\(id)"])

        case .auditScan(let scan, let actor):
            _ = try await submit(.auditScan(source: scan.source, bytes: scan.bytes, findings: scan.findings, found: scan.found,
                                            at: now, by: actor), into: &reply)

        case .transferLeader(let name, let actor):
            let id = MemberID.raftID(name)
            guard status.voters.contains(id) else { throw ServiceError.notFound("'\(name)' is not a voting member") }
            // Written before the transfer, while this node still leads.
            try await auditMembership("cluster.leader_transfer", name, by: actor, at: now)
            driver.transferLeadership(to: id)
            logger.info("leadership transfer requested", metadata: ["to": "\(name)"])
        }
        return reply
    }

    /// The audit line of a membership change, after the change itself (a Raft configuration
    /// change carries no actor). A change whose line cannot be written is answered as such.
    private func auditMembership(_ action: String, _ member: String, by actor: Actor, at now: Int64) async throws {
        var ignored = WriteReply()
        do { _ = try await submit(.auditMembership(action: action, member: member, at: now, by: actor), into: &ignored) } catch {
            logger.critical("a membership change was made but its audit line was not written", metadata: ["action": "\(action)", "member": "\(member)"])
            throw ServiceError.unavailable("the change to '\(member)' was made, but its audit line could not be written: \(error)")
        }
    }

    func submit(_ command: Command, into reply: inout WriteReply) async throws -> CommandOutcome {
        let applied = try await driver.submit(command)
        reply.index = applied.index
        switch applied.result {
        case .success(let outcome): return outcome
        case .failure(let rejection): throw ServiceError(rejection)
        }
    }

    private func changeMembership(_ change: ConfChange) async throws -> UInt64 {
        do {
            return try await driver.changeMembership(change)
        } catch let error as MembershipError {
            throw ServiceError.conflict(error.description)
        }
    }

    // MARK: Reads

    public func secrets() throws -> [SecretRecord] { try keyspace.secrets() }

    /// A secret's metadata with its version history, oldest first.
    public func secretWithHistory(named name: String) throws -> (record: SecretRecord, versions: [VersionInfo]) {
        guard let found = try keyspace.secretWithHistory(named: name) else { throw ServiceError.notFound("no secret named '\(name)'") }
        return found
    }

    /// Waits until this node has applied everything committed when the call began (a
    /// ReadIndex round through the leader), so a following read is linearizable.
    public func catchUpLinearizably() async throws {
        _ = try await driver.readIndex()
    }

    public func render(_ template: UnsafeRawBufferPointer, delimiters: Delimiters, placement: Placement) throws(TemplateError) -> RenderedOutput {
        try catalog.current.render(template, delimiters: delimiters, placement: placement)
    }

    /// The secret table `token` renders with for a request to `destination`: only the
    /// secrets of its scope that may go there.
    public func table(for token: TokenRecord, to destination: Destination?) -> SecretTable {
        renderTables.table(for: token, to: destination, current: catalog.current, hosts: secretHosts.value)
    }

    /// Whether the secret `name` may go to `destination` (nil: not known).
    public func mayRender(_ name: String, to destination: Destination?) -> Bool {
        secretHosts.value.allows(name, to: destination)
    }

    public func tokens() throws -> [TokenRecord] { try keyspace.tokens() }

    public func settings() throws -> ClusterSettings { try keyspace.settings() }

    /// The token record a bearer token proves, from a client at `client` (an address as
    /// text), or why it proves none.
    public func authenticate(_ bearer: String, client: String?) -> Authentication {
        guard let (id, secret) = Tokens.parse(bearer),
              let record = tokenCache.record(id: id, load: { try keyspace.token(id: id) }),
              Tokens.matches(secret, record), record.admits(client: client) else { return .refused }
        if record.isExpired(at: Self.now()) { return .expired }
        return .valid(record)
    }

    /// A page of the audit trail (see `Keyspace.auditPage`).
    public func audit(after: UInt64, limit: Int, where include: (AuditEvent) -> Bool) throws -> (events: [AuditEvent], next: UInt64?) {
        try keyspace.auditPage(after: after, limit: limit, where: include)
    }

    // MARK: Internals

    /// Host patterns as a secret's list takes them: at most 100, each valid.
    static func checkHosts(_ hosts: [String]) throws {
        guard hosts.count <= 100 else { throw ServiceError.invalid("a secret takes at most 100 hosts") }
        for host in hosts where HostPattern(host) == nil { throw ServiceError.invalid("invalid host '\(host)': \(HostPattern.rule)") }
    }

    static func materialize(_ spec: ValueSpec) throws -> SecureBytes {
        switch spec {
        case .given(let bytes):
            guard !bytes.isEmpty else { throw ServiceError.invalid("a secret value must not be empty") }
            guard bytes.count <= SecretValue.maxCount else {
                throw ServiceError.tooLarge("a secret value must be at most \(SecretValue.maxCount) bytes")
            }
            return SecureBytes(copying: bytes)
        case .generate(let length):
            guard ValueGenerator.lengths.contains(length) else {
                throw ServiceError.invalid("a generated value's length must be \(ValueGenerator.lengths.lowerBound) to \(ValueGenerator.lengths.upperBound)")
            }
            return ValueGenerator.generate(length: length)
        }
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    private static func addressBook(config: NodeConfig, keyspace: Keyspace) throws -> [String: MemberRecord] {
        var book: [String: MemberRecord] = [:]
        for member in config.initialMembers { book[member.id] = member }
        if book[config.nodeID] == nil {
            book[config.nodeID] = MemberRecord(id: config.nodeID, peerAddress: config.peerAddress, apiAddress: config.apiAddress)
        }
        for member in try keyspace.members() { book[member.id] = member }
        return book
    }

    /// Loads every current value into the catalog, at the keyspace's applied index.
    static func hosts(in keyspace: Keyspace) throws -> SecretHosts {
        var hosts = SecretHosts()
        for record in try keyspace.secrets() where !record.allowedHosts.isEmpty { hosts.set(record.name, record.allowedHosts) }
        return hosts
    }

    /// Keeps the host lists in step with the keyspace, before the batch's values are
    /// installed, so a new secret never renders before its list is known.
    private static func noteHosts(
        _ applied: [AppliedCommand], snapshotInstalled: Bool, in hosts: Locked<SecretHosts>, keyspace: Keyspace, logger: Logger
    ) {
        if snapshotInstalled {
            let fresh: SecretHosts
            do { fresh = try Self.hosts(in: keyspace) } catch {
                logger.critical("cannot read the secrets' host lists after a snapshot: no secret renders until they are read",
                                metadata: ["error": "\(error)"])
                fresh = SecretHosts(unreadable: true)
            }
            hosts.withLock { $0 = SecretHosts(version: $0.version &+ 1, patterns: fresh.patterns, unreadable: fresh.unreadable) }
            return
        }
        for command in applied {
            switch command.result {
            case .success(.secretCreated(let record)), .success(.secretHostsSet(let record)):
                // Only a list that exists or changes moves the version (and remakes render views).
                hosts.withLock { if !record.allowedHosts.isEmpty || $0.has(record.name) { $0.set(record.name, record.allowedHosts) } }
            case .success(.secretDeleted(let name)):
                hosts.withLock { if $0.has(name) { $0.set(name, []) } }
            default:
                break
            }
        }
    }

    private static func loadTable(from keyspace: Keyspace, into catalog: SecretCatalog) throws {
        let (appliedIndex, sealed) = try keyspace.currentValues()
        guard appliedIndex > catalog.current.generation else { return }
        var secrets: [(name: String, value: SecretValue)] = []
        for (name, version, value) in sealed {
            secrets.append((name, try open(value, name: name, version: version, keyspace: keyspace)))
        }
        try catalog.replaceAll(with: secrets, generation: appliedIndex)
    }

    /// Installs the value changes of an applied batch as one new table generation.
    private static func install(
        _ applied: [AppliedCommand], snapshotInstalled: Bool, into catalog: SecretCatalog, keyspace: Keyspace, logger: Logger
    ) {
        if snapshotInstalled {
            do { try loadTable(from: keyspace, into: catalog) } catch {
                logger.critical("cannot load the secret table after a snapshot", metadata: ["error": "\(error)"])
            }
            return
        }
        var changes: [SecretChange] = []
        for command in applied {
            for change in command.valueChanges {
                switch change {
                case .set(let name, let version, let sealed):
                    do {
                        changes.append(.set(name: name, value: try open(sealed, name: name, version: version, keyspace: keyspace)))
                    } catch {
                        // The leader sealed this with the cluster key; failing here means a key mismatch.
                        logger.critical("cannot decrypt an applied value", metadata: ["name": "\(name)", "error": "\(error)"])
                    }
                case .remove(let name):
                    changes.append(.remove(name: name))
                }
            }
        }
        guard !changes.isEmpty, let last = applied.last else { return }
        do {
            try catalog.apply(changes, generation: last.index)
        } catch {
            logger.critical("cannot install a new secret table", metadata: ["error": "\(error)"])
        }
    }

    private static func open(_ sealed: SealedValue, name: String, version: UInt64, keyspace: Keyspace) throws -> SecretValue {
        let plaintext = try Envelope.open(sealed, name: name, version: version, with: keyspace.masterKey)
        return try plaintext.withUnsafeBytes { try SecretValue(copying: $0, version: version) }
    }
}

extension Data {
    var byteArray: [UInt8] { [UInt8](self) }
}

extension AppliedCommand {
    /// Whether applying this created, revoked or bootstrapped tokens.
    var changesTokens: Bool {
        switch result {
        // A rotation may be a leak report that revokes tokens.
        case .success(.tokenCreated), .success(.tokenRevoked), .success(.tokenApproved), .success(.bootstrapped), .success(.secretsRotated): true
        default: false
        }
    }
}
