import Foundation
import CofferStore
import Testing

/// The two-person rule as the keyspace applies it: with `tokenApprovals` at 2, an admin or
/// render token works only once an admin of another line approves it, and the rule cannot
/// be lowered by one person.
@Suite("Two-person rule")
struct TwoPersonRuleTests {
    static let day = Keyspace.approvalWindowMilliseconds

    /// Two first admins of separate lines, `a` and `b`, and the rule at `approvals`.
    static func cluster(approvals: Int) throws -> TemporaryKeyspace {
        let store = try TemporaryKeyspace()
        let first = ["a", "b"].map { TokenRecord(id: $0, role: .admin, name: $0, hash: [1], createdAt: 0, createdBy: .system) }
        #expect(try store.apply(.initialize(tokens: first, tokenApprovals: approvals)) == [.success(.bootstrapped)])
        return store
    }

    static func actor(_ id: String) -> Actor { Actor(tokenID: id, name: id) }

    /// `by` asks for a token `id`; returns it as stored.
    @discardableResult
    static func request(_ id: String, _ role: Role, by: String, at: Int64 = 1, in store: TemporaryKeyspace) throws -> TokenRecord {
        let token = TokenRecord(id: id, role: role, name: id, hash: [2], createdAt: at, createdBy: actor(by))
        guard case .success(.tokenCreated(let record)) = try store.apply(.createToken(token)).first else {
            Issue.record("\(id) was not created")
            return token
        }
        return record
    }

    static func approve(_ id: String, by: String, at: Int64 = 2, in store: TemporaryKeyspace) throws -> Result<CommandOutcome, Rejection> {
        try store.apply(.approveToken(id: id, at: at, by: actor(by)))[0]
    }

    static func isRefused(_ result: Result<CommandOutcome, Rejection>) -> Bool {
        if case .failure(.forbidden) = result { return true }
        return false
    }

    @Test func withOneApprovalTokensWorkAtOnceAndRecordTheirLine() throws {
        let store = try Self.cluster(approvals: 1)
        let admin2 = try Self.request("a2", .admin, by: "a", in: store)
        let render = try Self.request("r", .render, by: "a2", in: store)
        #expect(admin2.state == .active && render.state == .active)
        #expect(render.lineage == ["a2", "a"])
        #expect(render.holders == ["r", "a2", "a"])
        #expect(try store.keyspace.audit().map(\.action) == ["token.create", "token.create"])
    }

    @Test func aSecondAdminOfAnotherLineApproves() throws {
        let store = try Self.cluster(approvals: 2)
        let render = try Self.request("r", .render, by: "a", in: store)
        #expect(render.state == .awaitingApproval)
        #expect(try store.keyspace.token(id: "r")?.state.isUsable == false)
        #expect(Self.isRefused(try Self.approve("r", by: "a", in: store)), "the requester cannot approve itself")
        let approved = try Self.approve("r", by: "b", at: 5, in: store)
        #expect(approved == .success(.tokenApproved(TokenRecord(
            id: "r", role: .render, name: "r", hash: [2], createdAt: 1, createdBy: Self.actor("a"), lineage: ["a"],
            state: .approved(by: Self.actor("b"), at: 5)))))
        #expect(try store.keyspace.token(id: "r")?.state.isUsable == true)
        #expect(try Self.approve("r", by: "b", in: store) == .failure(.notAwaitingApproval("r")))
        let audit = try store.keyspace.audit()
        #expect(audit.map(\.action) == ["token.request", "token.approve"])
        #expect(audit.last?.actor == Self.actor("b"))
    }

    /// Whoever made a token saw it, so no token of the same line can approve for it: not its
    /// maker, not a token its maker made, not a sibling from the same first token.
    @Test func noTokenOfTheRequestersLineApproves() throws {
        let store = try Self.cluster(approvals: 2)
        try Self.request("a2", .admin, by: "a", in: store)
        #expect(Self.isRefused(try Self.approve("a2", by: "a", in: store)))
        #expect(try Self.approve("a2", by: "b", in: store) == .success(.tokenApproved(try #require(try store.keyspace.token(id: "a2")))))
        try Self.request("a3", .admin, by: "a", in: store)
        _ = try Self.approve("a3", by: "b", in: store)

        try Self.request("r1", .render, by: "a", in: store)
        #expect(Self.isRefused(try Self.approve("r1", by: "a2", in: store)), "made by the requester")
        try Self.request("r2", .render, by: "a2", in: store)
        #expect(Self.isRefused(try Self.approve("r2", by: "a", in: store)), "the requester's maker")
        #expect(Self.isRefused(try Self.approve("r2", by: "a3", in: store)), "a sibling from the same first token")
        #expect(try Self.approve("r2", by: "b", in: store).isSuccess, "the approver who let a2 in is of another line")
        #expect(try store.keyspace.token(id: "a2")?.lineage == ["a"], "approving adds no one to a line")
    }

    @Test func onlyAnAdminInUseApproves() throws {
        let store = try Self.cluster(approvals: 2)
        try Self.request("r", .render, by: "a", in: store)
        try Self.request("b2", .admin, by: "b", in: store)
        #expect(Self.isRefused(try Self.approve("r", by: "b2", in: store)), "an admin token that awaits approval itself")
        try Self.request("audit", .audit, by: "b", in: store)
        #expect(try store.keyspace.token(id: "audit")?.state == .active, "an audit token needs no approval")
        #expect(Self.isRefused(try Self.approve("r", by: "audit", in: store)))
        #expect(Self.isRefused(try Self.approve("r", by: "nobody", in: store)))
        #expect(try Self.approve("missing", by: "b", in: store) == .failure(.tokenNotFound("missing")))
    }

    @Test func aRequestExpiresAndARevokedRequesterVoidsIt() throws {
        let store = try Self.cluster(approvals: 2)
        try Self.request("late", .render, by: "a", at: 1_000, in: store)
        #expect(try Self.approve("late", by: "b", at: 1_000 + Self.day + 1, in: store) == .failure(.approvalExpired("late")))
        #expect(try Self.approve("late", by: "b", at: 1_000 + Self.day, in: store).isSuccess)

        try Self.request("a2", .admin, by: "a", in: store)
        _ = try Self.approve("a2", by: "b", in: store)
        try Self.request("orphan", .render, by: "a2", in: store)
        try store.apply(.revokeToken(id: "a2", at: 3, by: Self.actor("a")))
        #expect(Self.isRefused(try Self.approve("orphan", by: "b", in: store)))
    }

    @Test func raisingTakesOneAdminAndLoweringTwoOfDifferentLines() throws {
        let store = try Self.cluster(approvals: 1)
        try Self.request("a2", .admin, by: "a", in: store)
        #expect(try store.apply(.setTokenApprovals(2, at: 1, by: Self.actor("a")))
            == [.success(.settingsChanged(ClusterSettings(tokenApprovals: 2)))])

        let lower = Command.setTokenApprovals(1, at: 10, by: Self.actor("a"))
        guard case .success(.settingsChangeAwaitingConfirmation(let change)) = try store.apply(lower)[0] else {
            Issue.record("lowering did not wait for a second admin")
            return
        }
        #expect(change.holders == ["a"])
        #expect(try store.keyspace.settings().tokenApprovals == 2)
        #expect(Self.isRefused(try store.apply(.setTokenApprovals(1, at: 11, by: Self.actor("a")))[0]), "the same admin again")
        #expect(Self.isRefused(try store.apply(.setTokenApprovals(1, at: 11, by: Self.actor("a2")))[0]), "a token the requester made")
        #expect(try store.apply(.setTokenApprovals(1, at: 12, by: Self.actor("b")))
            == [.success(.settingsChanged(ClusterSettings(tokenApprovals: 1)))])
        #expect(try store.keyspace.audit().map(\.action).suffix(3)
            == ["cluster.token_approvals", "cluster.token_approvals.request", "cluster.token_approvals"])
        #expect(try store.apply(.setTokenApprovals(3, at: 13, by: Self.actor("a")))
            == [.failure(.invalidRequest("token approvals must be 1 (one admin makes tokens) or 2 (a second admin approves each admin or render token)"))])
    }

    @Test func aLoweringThatWaitedTooLongStartsOver() throws {
        let store = try Self.cluster(approvals: 2)
        _ = try store.apply(.setTokenApprovals(1, at: 0, by: Self.actor("a")))
        guard case .success(.settingsChangeAwaitingConfirmation(let change)) = try store.apply(
            .setTokenApprovals(1, at: Self.day + 1, by: Self.actor("b")))[0] else {
            Issue.record("a confirmation after the window was taken")
            return
        }
        #expect(change.by == Self.actor("b"))
        #expect(try store.keyspace.settings().tokenApprovals == 2)
    }

    /// The setting and the tokens' lines travel in snapshots and survive a reopen.
    @Test func settingsAndLinesTravelInSnapshots() throws {
        let source = try Self.cluster(approvals: 2)
        try Self.request("r", .render, by: "a", in: source)
        _ = try source.apply(.setTokenApprovals(1, at: 3, by: Self.actor("b")))
        let image = try source.keyspace.snapshotImage()
        let target = try TemporaryKeyspace(master: source.master)
        try target.keyspace.environment.write { txn in
            try target.keyspace.restore(snapshot: image.data, appliedIndex: image.appliedIndex, in: txn)
        }
        #expect(try target.keyspace.settings() == source.keyspace.settings())
        #expect(try target.keyspace.settings().pendingChange?.by == Self.actor("b"))
        #expect(try target.keyspace.token(id: "r") == source.keyspace.token(id: "r"))
        try source.reopen()
        #expect(try source.keyspace.token(id: "r")?.state == .awaitingApproval)
    }

    @Test func aRevokedTokenMakesNoToken() throws {
        let store = try Self.cluster(approvals: 1)
        try Self.request("a2", .admin, by: "a", in: store)
        try store.apply(.revokeToken(id: "a2", at: 2, by: Self.actor("a")))
        let late = TokenRecord(id: "late", role: .audit, name: "late", hash: [2], createdAt: 3, createdBy: Self.actor("a2"))
        guard case .failure(.forbidden) = try store.apply(.createToken(late))[0] else {
            Issue.record("a request of a revoked token made a token")
            return
        }
        #expect(try store.keyspace.token(id: "late") == nil)
        try Self.request("r", .render, by: "a", in: store)
        let again = TokenRecord(id: "r", role: .admin, name: "r", hash: [2], createdAt: 3, createdBy: Self.actor("b"))
        #expect(try store.apply(.createToken(again))[0] == .failure(.invalidRequest("a token with id 'r' exists")))
    }

    /// With fewer than two separate lines of admins no request could ever be approved.
    @Test func theRuleNeedsTwoLinesOfAdmins() throws {
        let store = try TemporaryKeyspace()
        let only = TokenRecord(id: "a", role: .admin, name: "a", hash: [1], createdAt: 0, createdBy: .system)
        guard case .failure(.invalidRequest) = try store.apply(.initialize(tokens: [only], tokenApprovals: 2))[0] else {
            Issue.record("a cluster with one admin line started under the rule")
            return
        }
        #expect(try store.apply(.initialize(tokens: [only], tokenApprovals: 1)) == [.success(.bootstrapped)])
        try Self.request("a2", .admin, by: "a", in: store)
        guard case .failure(.invalidRequest) = try store.apply(.setTokenApprovals(2, at: 1, by: Self.actor("a")))[0] else {
            Issue.record("the rule was raised with one line of admins")
            return
        }
        #expect(try store.keyspace.settings().tokenApprovals == 1)
    }

    /// Tokens made before lines were recorded all count as one line, however they are read:
    /// from a row an older node stored, or from an old log entry applied today.
    @Test func tokensMadeBeforeLinesShareOneLine() throws {
        func oldForm(_ id: String, madeBy maker: String) -> [UInt8] {
            var writer = ByteWriter()
            writer.write(UInt8(5))  // the createToken command tag
            writer.write(string: id)
            writer.write(string: "admin")
            writer.write(string: id)
            writer.write(bytes: [9])
            writer.write(Int64(5))
            Self.actor(maker).write(to: &writer)
            return writer.bytes
        }
        let store = try Self.cluster(approvals: 1)
        for (id, maker) in [("x1", "a"), ("y1", "b")] {
            var reader = ByteReader(oldForm(id, madeBy: maker))
            let command = try Command(reading: &reader)
            #expect(try store.apply(command)[0].isSuccess)
        }
        #expect(try store.keyspace.token(id: "x1")?.lineage == ["a", TokenRecord.lineBeforeRecords])
        _ = try store.apply(.setTokenApprovals(2, at: 6, by: Self.actor("a")))
        try Self.request("r", .render, by: "x1", in: store)
        #expect(Self.isRefused(try Self.approve("r", by: "y1", in: store)), "two tokens of before the records may be one person's")
        #expect(try Self.approve("r", by: "b", in: store).isSuccess, "a first token is a line of its own")
    }

    /// A token row or bootstrap entry written before lines and states reads as a first token in use.
    @Test func tokensWrittenBeforeTheRuleReadAsInUse() throws {
        var writer = ByteWriter()
        writer.write(string: "0123456789abcdef")
        writer.write(string: "render")
        writer.write(string: "old")
        writer.write(bytes: [9, 9])
        writer.write(Int64(5))
        Actor.system.write(to: &writer)
        var reader = ByteReader(writer.bytes)
        let token = try TokenRecord(reading: &reader)
        try reader.expectEnd()
        #expect(token == TokenRecord(id: "0123456789abcdef", role: .render, name: "old", hash: [9, 9], createdAt: 5, createdBy: .system))
        #expect(token.state == .active && token.lineage.isEmpty)

        let json = #"{"createdAt":5,"createdBy":{"name":"system","tokenID":"-"},"hash":[9,9],"id":"0123456789abcdef","name":"old","role":"render"}"#
        #expect(try JSONDecoder().decode(TokenRecord.self, from: Data(json.utf8)) == token)
    }
}

extension Result {
    var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
