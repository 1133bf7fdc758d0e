import CofferCrypto
import CofferStore
import Foundation
import Logging
import Raft
import Resolver
import Synchronization

/// A rotation as the operator follows it: what it changed, at which log index and table
/// generation, and whether each member has applied it yet.
public struct RotationStatus: Codable, Sendable {
    public enum State: String, Codable, Sendable {
        /// The member reported an applied index at or past the rotation: its renders use the new values.
        case applied
        /// In contact with the leader, not there yet.
        case pending
        /// The leader has not heard from it for an election timeout (down or cut off).
        case unreachable
    }

    public struct Member: Codable, Sendable {
        public let id: String
        public var state: State
        public var appliedIndex: UInt64?
    }

    public let id: String
    public let kind: RotationRecord.Kind
    public let index: UInt64
    /// The table generation that first held the rotation on the node that answered.
    public var generation: UInt64
    public let secrets: [RotationRecord.Item]
    public var members: [Member]

    public var complete: Bool { !members.isEmpty && members.allSatisfy { $0.state == .applied } }
}

extension Node {
    /// On the leader: seals the new (or previous) values, proposes them as one entry, and
    /// waits, up to the request's bound, for every member to apply it.
    /// `logLevel`: a rotation an operator asked for is worth a line in the server log; one
    /// secret's new value (a PUT, routine and frequent) is in the audit trail already.
    func executeRotation(_ request: RotationRequest, actor: Actor, at now: Int64, logLevel: Logger.Level = .info,
                         into reply: inout WriteReply) async throws {
        guard (0...RotationRequest.maxWaitMilliseconds).contains(request.waitMilliseconds) else {
            throw ServiceError.invalid("wait_ms must be 0 to \(RotationRequest.maxWaitMilliseconds)")
        }
        // Proposed only by the leader of the term that names it: see RotationIDs.
        let leading = self.status
        guard leading.isLeader else { throw CommandLogError.dropped }
        let id = rotationIDs.next(term: leading.term)
        let command: Command
        switch request.change {
        case .values(let specs):
            let (items, generated) = try sealRotation(specs)
            reply.generated = generated
            command = .rotateSecrets(id: id, items: items, at: now, by: actor)
        case .rollback(let names):
            command = .rollbackSecrets(id: id, items: try sealRollback(names), at: now, by: actor)
        case .rollbackTo(let name, let version):
            command = .rollbackSecrets(id: id, items: try sealRollback([name], to: version), at: now, by: actor)
        case .leak(let specs, let reason, let revoke):
            let (items, generated) = try sealRotation(specs)
            reply.generated = generated
            // A scoped admin revokes only tokens within its scope (as with coffer token revoke).
            let reporter = try keyspace.token(id: actor.tokenID)
            let tokens = revoke ? try await tokensThatRendered(items.map { ($0.name, $0.version - 1) }).filter { id in
                guard let reporter, let token = try keyspace.token(id: id) else { return true }
                return token.secretsBeyond(reporter) == nil
            } : []
            reply.revokedTokens = tokens
            command = .reportLeak(id: id, items: items, reason: reason, revokeTokens: tokens, at: now, by: actor)
        }
        let outcome = try await submit(command, into: &reply)
        guard case .secretsRotated(let records) = outcome else { throw ServiceError.unavailable("unexpected outcome") }
        reply.records = records
        reply.rotationID = id
        let kind: RotationRecord.Kind = switch command {
        case .rollbackSecrets: .rollback
        case .reportLeak: .leak
        default: .rotate
        }
        var status = RotationStatus(
            id: id, kind: kind, index: reply.index, generation: rotationGenerations.generation(of: reply.index, current: catalog.current.generation),
            secrets: records.map { .init(name: $0.name, version: $0.currentVersion) }, members: [])
        status.members = await waitForMembers(index: reply.index, milliseconds: request.waitMilliseconds)
        reply.rotation = status
        logger.log(level: logLevel, "secrets rotated", metadata: [
            "rotation": "\(id)", "kind": "\(kind.rawValue)", "count": "\(records.count)", "by": "\(actor.tokenID)",
            "complete": "\(status.complete)",
        ])
    }

    /// The tokens that rendered any of these versions, on any member that answers.
    func tokensThatRendered(_ versions: [(name: String, version: UInt64)]) async throws -> [String] {
        var tokens = Set<String>()
        for (name, version) in versions {
            for line in try await usage(of: name, sinceMinute: 0).lines where line.key.version == version && line.key.outcome == .rendered {
                tokens.insert(line.key.tokenID)
            }
        }
        return tokens.sorted()
    }

    /// Checks and seals every item before anything is proposed: one bad item rejects all.
    func sealRotation(_ items: [RotationSpec]) throws -> ([RotationItem], [String: [UInt8]]) {
        try checkRotationSize(items.map(\.name))
        var sealed: [RotationItem] = []
        var generated: [String: [UInt8]] = [:]
        for item in items {
            let record = try existingSecret(item.name)
            let plaintext = try Self.materialize(item.value)
            let version = record.currentVersion + 1
            let value = try plaintext.withUnsafeBytes {
                try Envelope.seal($0, name: record.name, version: version, with: keyspace.masterKey)
            }
            sealed.append(RotationItem(name: record.name, version: version, value: value))
            if item.value.isGenerated { generated[record.name] = plaintext.withUnsafeBytes { Array($0) } }
        }
        return (sealed, generated)
    }

    /// Each secret's previous value, resealed as its next version.
    /// Each secret's value of `target` (default: the version before its current one), sealed
    /// again as its next version.
    func sealRollback(_ names: [String], to target: UInt64? = nil) throws -> [RotationItem] {
        try checkRotationSize(names)
        var sealed: [RotationItem] = []
        for name in names {
            let record = try existingSecret(name)
            let previous = target ?? record.currentVersion - 1
            guard previous >= 1 else {
                throw ServiceError.conflict("secret '\(record.name)' has no previous version to roll back to")
            }
            guard previous < record.currentVersion else {
                throw ServiceError.conflict("version \(previous) of secret '\(record.name)' is not an earlier one (its current version is \(record.currentVersion))")
            }
            if let leaked = try keyspace.secretWithHistory(named: record.name)?.versions.first(where: { $0.version == previous })?.compromise {
                throw ServiceError.conflict(
                    "version \(previous) of secret '\(record.name)' was reported leaked (\(leaked.reason)): it can never be current again")
            }
            guard let old = try keyspace.sealedValue(named: record.name, version: previous) else {
                throw ServiceError.conflict(
                    "version \(previous) of secret '\(record.name)' is no longer kept (the last \(try keyspace.settings().keptVersions) versions are)")
            }
            let plaintext = try Envelope.open(old, name: record.name, version: previous, with: keyspace.masterKey)
            let version = record.currentVersion + 1
            let value = try plaintext.withUnsafeBytes {
                try Envelope.seal($0, name: record.name, version: version, with: keyspace.masterKey)
            }
            sealed.append(RotationItem(name: record.name, version: version, value: value))
        }
        return sealed
    }

    private func checkRotationSize(_ names: [String]) throws {
        guard !names.isEmpty else { throw ServiceError.invalid("a rotation names at least one secret") }
        guard names.count <= RotationRequest.maxSecrets else {
            throw ServiceError.tooLarge("a rotation changes at most \(RotationRequest.maxSecrets) secrets")
        }
        var seen = Set<String>()
        for name in names where !seen.insert(name.lowercased()).inserted {
            throw ServiceError.invalid("secret '\(name)' is listed twice in one rotation")
        }
    }

    private func existingSecret(_ name: String) throws -> SecretRecord {
        guard SecretName.isValid(name) else { throw ServiceError.invalid("invalid secret name: \(SecretName.rule)") }
        guard let record = try keyspace.secret(named: name) else { throw ServiceError.notFound("no secret named '\(name)'") }
        return record
    }

    // MARK: Status

    /// A rotation's status from any member: the leader answers (it knows every member's
    /// applied index); this node adds what it knows of itself.
    public func rotationStatus(id: String) async throws -> RotationStatus {
        guard RotationGenerations.isValidID(id) else { throw ServiceError.notFound("no rotation with that id (ids look like rot_ and 16 hex digits)") }
        if status.isLeader { return try leaderRotationStatus(id: id) }
        let reply = try await perform(.rotationStatus(id: id))
        guard let rotation = reply.rotation else { throw ServiceError.unavailable("the leader sent no rotation status") }
        return rotation
    }

    /// The answer for a rotation id that does not exist (or that the caller may not see).
    public static func noRotation(_ id: String) -> String { "no rotation with id '\(id)'" }

    func leaderRotationStatus(id: String) throws -> RotationStatus {
        guard status.isLeader else { throw CommandLogError.dropped }
        guard RotationGenerations.isValidID(id), let record = try keyspace.rotation(id: id) else {
            throw ServiceError.notFound(Self.noRotation(id))
        }
        return RotationStatus(
            id: record.id, kind: record.kind, index: record.index,
            generation: rotationGenerations.generation(of: record.index, current: catalog.current.generation),
            secrets: record.secrets, members: memberStates(index: record.index) ?? [])
    }

    /// A status the leader sent, with this node's own view: its generation, and itself as
    /// applied once it is (it answers only after applying the entry).
    func localView(of rotation: RotationStatus) -> RotationStatus {
        let applied = status.applied
        guard applied >= rotation.index else { return rotation }
        var view = rotation
        view.generation = rotationGenerations.generation(of: rotation.index, current: catalog.current.generation)
        for offset in view.members.indices where view.members[offset].id == config.nodeID {
            view.members[offset].state = .applied
            view.members[offset].appliedIndex = max(view.members[offset].appliedIndex ?? 0, applied)
        }
        return view
    }

    /// Follows the leader's view until every member has applied, or the bound passes. A member
    /// already silent when the wait began (down or cut off) is not waited for; one that falls
    /// silent during it (busy applying a large entry, say) is, up to the bound.
    func waitForMembers(index: UInt64, milliseconds: Int) async -> [RotationStatus.Member] {
        let deadline = ContinuousClock.now + .milliseconds(milliseconds)
        // `submit` returned: the entry is applied and its table installed here.
        var states = memberStates(index: index, installedHere: index) ?? []
        let silentAtStart = Set(states.filter { $0.state == .unreachable }.map(\.id))
        while states.contains(where: { $0.state != .applied && !silentAtStart.contains($0.id) }), ContinuousClock.now < deadline {
            // Woken when one more member has applied it, not by a timer.
            let applied = Set(states.filter { $0.state == .applied }.map { MemberID.raftID($0.id) })
            do { try await driver.waitForAnotherMember(toApply: index, beyond: applied, until: deadline) } catch { break }
            guard let fresh = memberStates(index: index, installedHere: index) else { break }
            states = fresh
        }
        return states
    }

    /// Leader only: every member of the configuration, by name, against `index`. The
    /// leader's own applied index is the published one (set after the table swap), or
    /// `installedHere` when the caller knows its table holds that index already.
    func memberStates(index: UInt64, installedHere: UInt64 = 0) -> [RotationStatus.Member]? {
        let status = self.status
        guard status.isLeader else { return nil }
        let ids = Set(status.voters + status.learners)
        return members.filter { ids.contains(MemberID.raftID($0.id)) }.map { member in
            let id = MemberID.raftID(member.id)
            let applied = id == raftID ? max(status.applied, installedHere) : status.activity[id]?.applied
            let state: RotationStatus.State
            if let applied, applied >= index {
                state = .applied
            } else if let activity = status.activity[id], activity.ticksSinceHeard <= status.unreachableAfterTicks {
                state = .pending
            } else {
                state = .unreachable
            }
            return RotationStatus.Member(id: member.id, state: state, appliedIndex: applied)
        }
    }
}

/// Rotation ids, `rot_` and 16 hex digits: the low 28 bits of the term this node leads, then
/// a count of the ids it handed out. One leader per term, and a restarted node leads only in a
/// later term, so no two rotations share an id; and one leader's ids sort in the order it
/// proposed them, so each new rotation record lands at the end of its table (random ids
/// rewrote a random page of it, and the pages above, with every write).
final class RotationIDs: Sendable {
    private let issued = Atomic<UInt64>(0)

    func next(term: UInt64) -> String {
        let count = issued.add(1, ordering: .relaxed).newValue
        let value = (term & 0xFFF_FFFF) << 36 | (count & 0xF_FFFF_FFFF)
        return "rot_" + Tokens.hex(withUnsafeBytes(of: value.bigEndian) { Array($0) })
    }
}

/// Which table generation first held each recent rotation on this node (generations are
/// per node: each names the last entry of the batch that installed the table).
final class RotationGenerations: Sendable {
    private static let kept = 4_096
    private let recent = Locked<[(index: UInt64, generation: UInt64)]>([])

    static func isValidID(_ id: String) -> Bool {
        id.count == 20 && id.hasPrefix("rot_") && id.dropFirst(4).allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    /// Called after each applied batch's table swap.
    func record(_ applied: [AppliedCommand], generation: UInt64) {
        let rotations = applied.filter { if case .success(.secretsRotated) = $0.result { true } else { false } }
        guard !rotations.isEmpty else { return }
        recent.withLock { recent in
            for rotation in rotations { recent.append((rotation.index, generation)) }
            if recent.count > Self.kept { recent.removeFirst(recent.count - Self.kept) }
        }
    }

    /// The generation that first held the rotation at `index`; for an older one (or one
    /// that arrived in a snapshot), the current generation, which holds it too.
    func generation(of index: UInt64, current: UInt64) -> UInt64 {
        recent.withLock { recent in recent.last { $0.index == index }?.generation } ?? current
    }
}
