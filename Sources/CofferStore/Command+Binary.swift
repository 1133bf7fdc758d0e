import CofferCrypto

/// The binary form of a command, as Raft entries carry it: a tag byte for the case, then its
/// fields. The tags are part of the log format and never reused.
extension Command: BinaryRecord {
    private enum Tag: UInt8 {
        case createSecret = 1, rotateSecrets, rollbackSecrets, deleteSecret, createToken, revokeToken, bootstrapTokens,
             setMember, removeMember, initialize, approveToken, setTokenApprovals, createSecretWithHosts, setSecretHosts,
             setMaxTokenTTL, reportLeak, auditMembership, auditScan, auditTerm, setKeptVersions
    }

    public func write(to writer: inout ByteWriter) {
        switch self {
        case .createSecret(let name, let value, let at, let by):
            writer.write(Tag.createSecret.rawValue)
            writer.write(string: name)
            value.write(to: &writer)
            writer.write(at)
            by.write(to: &writer)
        case .createSecretWithHosts(let name, let value, let hosts, let at, let by):
            writer.write(Tag.createSecretWithHosts.rawValue)
            writer.write(string: name)
            value.write(to: &writer)
            writer.write(texts: hosts)
            writer.write(at)
            by.write(to: &writer)
        case .setMaxTokenTTL(let seconds, let at, let by):
            writer.write(Tag.setMaxTokenTTL.rawValue)
            writer.write(seconds != nil)
            if let seconds { writer.write(seconds) }
            writer.write(at)
            by.write(to: &writer)
        case .setSecretHosts(let name, let hosts, let at, let by):
            writer.write(Tag.setSecretHosts.rawValue)
            writer.write(string: name)
            writer.write(texts: hosts)
            writer.write(at)
            by.write(to: &writer)
        case .rotateSecrets(let id, let items, let at, let by), .rollbackSecrets(let id, let items, let at, let by):
            let tag: Tag = if case .rotateSecrets = self { .rotateSecrets } else { .rollbackSecrets }
            writer.write(tag.rawValue)
            writer.write(string: id)
            writer.write(list: items)
            writer.write(at)
            by.write(to: &writer)
        case .auditMembership(let action, let member, let at, let by):
            writer.write(Tag.auditMembership.rawValue)
            writer.write(string: action)
            writer.write(string: member)
            writer.write(at)
            by.write(to: &writer)
        case .auditScan(let source, let bytes, let findings, let found, let at, let by):
            writer.write(Tag.auditScan.rawValue)
            writer.write(string: source)
            writer.write(bytes)
            writer.write(findings)
            writer.write(texts: found)
            writer.write(at)
            by.write(to: &writer)
        case .setKeptVersions(let count, let at, let by):
            writer.write(Tag.setKeptVersions.rawValue)
            writer.write(UInt64(clamping: count))
            writer.write(at)
            by.write(to: &writer)
        case .auditTerm(let term, let leader, let at):
            writer.write(Tag.auditTerm.rawValue)
            writer.write(term)
            writer.write(string: leader)
            writer.write(at)
        case .reportLeak(let id, let items, let reason, let revokeTokens, let at, let by):
            writer.write(Tag.reportLeak.rawValue)
            writer.write(string: id)
            writer.write(list: items)
            writer.write(string: reason)
            writer.write(texts: revokeTokens)
            writer.write(at)
            by.write(to: &writer)
        case .deleteSecret(let name, let at, let by):
            writer.write(Tag.deleteSecret.rawValue)
            writer.write(string: name)
            writer.write(at)
            by.write(to: &writer)
        case .createToken(let token):
            writer.write(Tag.createToken.rawValue)
            token.write(to: &writer)
        case .revokeToken(let id, let at, let by):
            writer.write(Tag.revokeToken.rawValue)
            writer.write(string: id)
            writer.write(at)
            by.write(to: &writer)
        case .bootstrapTokens(let tokens):
            writer.write(Tag.bootstrapTokens.rawValue)
            writer.write(list: tokens)
        case .initialize(let tokens, let tokenApprovals):
            writer.write(Tag.initialize.rawValue)
            writer.write(list: tokens)
            writer.write(UInt64(clamping: tokenApprovals))
        case .approveToken(let id, let at, let by):
            writer.write(Tag.approveToken.rawValue)
            writer.write(string: id)
            writer.write(at)
            by.write(to: &writer)
        case .setTokenApprovals(let count, let at, let by):
            writer.write(Tag.setTokenApprovals.rawValue)
            writer.write(UInt64(clamping: count))
            writer.write(at)
            by.write(to: &writer)
        case .setMember(let member):
            writer.write(Tag.setMember.rawValue)
            member.write(to: &writer)
        case .removeMember(let id):
            writer.write(Tag.removeMember.rawValue)
            writer.write(string: id)
        }
    }

    public init(reading reader: inout ByteReader) throws(DecodingFailure) {
        guard let tag = Tag(rawValue: try reader.readByte()) else { throw .invalid("command tag") }
        switch tag {
        case .createSecret:
            self = .createSecret(name: try reader.readText(), value: try SealedValue(reading: &reader),
                                 at: try reader.readInt64(), by: try Actor(reading: &reader))
        case .createSecretWithHosts:
            self = .createSecretWithHosts(name: try reader.readText(), value: try SealedValue(reading: &reader),
                                          hosts: try reader.readTexts(), at: try reader.readInt64(), by: try Actor(reading: &reader))
        case .setMaxTokenTTL:
            self = .setMaxTokenTTL(seconds: try reader.readBool() ? try reader.readInt64() : nil, at: try reader.readInt64(),
                                   by: try Actor(reading: &reader))
        case .setSecretHosts:
            self = .setSecretHosts(name: try reader.readText(), hosts: try reader.readTexts(), at: try reader.readInt64(),
                                   by: try Actor(reading: &reader))
        case .auditMembership:
            self = .auditMembership(action: try reader.readText(), member: try reader.readText(), at: try reader.readInt64(),
                                    by: try Actor(reading: &reader))
        case .auditScan:
            self = .auditScan(source: try reader.readText(), bytes: try reader.readUInt64(), findings: try reader.readUInt64(),
                              found: try reader.readTexts(), at: try reader.readInt64(), by: try Actor(reading: &reader))
        case .setKeptVersions:
            self = .setKeptVersions(try reader.readSmallCount(), at: try reader.readInt64(), by: try Actor(reading: &reader))
        case .auditTerm:
            self = .auditTerm(term: try reader.readUInt64(), leader: try reader.readText(), at: try reader.readInt64())
        case .reportLeak:
            self = .reportLeak(id: try reader.readText(), items: try reader.readList(of: RotationItem.self), reason: try reader.readText(),
                               revokeTokens: try reader.readTexts(), at: try reader.readInt64(), by: try Actor(reading: &reader))
        case .rotateSecrets:
            self = .rotateSecrets(id: try reader.readText(), items: try reader.readList(of: RotationItem.self),
                                  at: try reader.readInt64(), by: try Actor(reading: &reader))
        case .rollbackSecrets:
            self = .rollbackSecrets(id: try reader.readText(), items: try reader.readList(of: RotationItem.self),
                                    at: try reader.readInt64(), by: try Actor(reading: &reader))
        case .deleteSecret:
            self = .deleteSecret(name: try reader.readText(), at: try reader.readInt64(), by: try Actor(reading: &reader))
        case .createToken:
            self = .createToken(try TokenRecord(reading: &reader))
        case .revokeToken:
            self = .revokeToken(id: try reader.readText(), at: try reader.readInt64(), by: try Actor(reading: &reader))
        case .bootstrapTokens:
            self = .bootstrapTokens(try reader.readList(of: TokenRecord.self))
        case .initialize:
            self = .initialize(tokens: try reader.readList(of: TokenRecord.self), tokenApprovals: try reader.readSmallCount())
        case .approveToken:
            self = .approveToken(id: try reader.readText(), at: try reader.readInt64(), by: try Actor(reading: &reader))
        case .setTokenApprovals:
            self = .setTokenApprovals(try reader.readSmallCount(), at: try reader.readInt64(), by: try Actor(reading: &reader))
        case .setMember:
            self = .setMember(try MemberRecord(reading: &reader))
        case .removeMember:
            self = .removeMember(id: try reader.readText())
        }
    }
}
