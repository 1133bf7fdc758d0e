import CofferCrypto

// The binary forms of the keyspace's rows: fields in declaration order, each as ByteCodec
// writes it. Adding a field means a new form tag, not a change to these.

extension Actor: BinaryRecord {
    public func write(to writer: inout ByteWriter) {
        writer.write(string: tokenID)
        writer.write(string: name)
    }

    public init(reading reader: inout ByteReader) throws(DecodingFailure) {
        self.init(tokenID: try reader.readText(), name: try reader.readText())
    }
}

extension SecretRecord: BinaryRecord {
    /// Records written before host lists begin with their name's length (first byte 0); today's
    /// begin with this byte.
    private static let formWithHosts: UInt8 = 2

    public func write(to writer: inout ByteWriter) {
        writer.write(Self.formWithHosts)
        writer.write(string: name)
        writer.write(currentVersion)
        writer.write(createdAt)
        createdBy.write(to: &writer)
        writer.write(updatedAt)
        updatedBy.write(to: &writer)
        writer.write(texts: allowedHosts)
    }

    public init(reading reader: inout ByteReader) throws(DecodingFailure) {
        let hasHosts = try reader.peekByte() == Self.formWithHosts
        if hasHosts { _ = try reader.readByte() }
        self.init(
            name: try reader.readText(), currentVersion: try reader.readUInt64(),
            createdAt: try reader.readInt64(), createdBy: try Actor(reading: &reader),
            updatedAt: try reader.readInt64(), updatedBy: try Actor(reading: &reader),
            allowedHosts: hasHosts ? try reader.readTexts() : [])
    }
}

extension VersionInfo: BinaryRecord {
    /// A compromise, when there is one, follows the fields of before: rows written without it end there.
    public func write(to writer: inout ByteWriter) {
        writer.write(version)
        writer.write(createdAt)
        createdBy.write(to: &writer)
        writer.write(optional: rotationID)
        if let compromise {
            writer.write(compromise.at)
            compromise.by.write(to: &writer)
            writer.write(string: compromise.reason)
        }
    }

    public init(reading reader: inout ByteReader) throws(DecodingFailure) {
        self.init(version: try reader.readUInt64(), createdAt: try reader.readInt64(), createdBy: try Actor(reading: &reader),
                  rotationID: try reader.readOptionalText())
        if !reader.isAtEnd {
            compromise = Compromise(at: try reader.readInt64(), by: try Actor(reading: &reader), reason: try reader.readText())
        }
    }
}

extension TokenRecord: BinaryRecord {
    /// Tokens written before lineage and state begin with their id's length, whose first byte
    /// is always 0 (a text field is under 2^24 bytes); later forms begin with their number.
    private static let formWithLineage: UInt8 = 2
    private static let formWithScope: UInt8 = 3

    public func write(to writer: inout ByteWriter) {
        writer.write(Self.formWithScope)
        writer.write(string: id)
        writer.write(string: role.rawValue)
        writer.write(string: name)
        writer.write(bytes: hash)
        writer.write(createdAt)
        createdBy.write(to: &writer)
        writer.write(texts: lineage)
        state.write(to: &writer)
        writer.write(texts: scope)
        writer.write(expiresAt != nil)
        if let expiresAt { writer.write(expiresAt) }
        writer.write(texts: networks)
    }

    public init(reading reader: inout ByteReader) throws(DecodingFailure) {
        let form = try reader.peekByte()
        let hasLineage = form == Self.formWithLineage || form == Self.formWithScope
        if hasLineage { _ = try reader.readByte() }
        let id = try reader.readText()
        guard let role = Role(rawValue: try reader.readText()) else { throw .invalid("token role") }
        let name = try reader.readText()
        let hash = try reader.readBytes(max: 64)
        let createdAt = try reader.readInt64()
        let createdBy = try Actor(reading: &reader)
        var lineage = Self.lineBeforeRecords(madeBy: createdBy)
        var state = TokenState.active
        var scope: [String] = [], expiresAt: Int64?, networks: [String] = []
        if hasLineage {
            lineage = try reader.readTexts()
            state = try TokenState(reading: &reader)
        }
        if form == Self.formWithScope {
            scope = try reader.readTexts()
            expiresAt = try reader.readBool() ? try reader.readInt64() : nil
            networks = try reader.readTexts()
        }
        self.init(id: id, role: role, name: name, hash: hash, createdAt: createdAt, createdBy: createdBy,
                  lineage: lineage, state: state, scope: scope, expiresAt: expiresAt, networks: networks)
    }
}

extension TokenState: BinaryRecord {
    public func write(to writer: inout ByteWriter) {
        switch self {
        case .active: writer.write(UInt8(0))
        case .awaitingApproval: writer.write(UInt8(1))
        case .approved(let by, let at):
            writer.write(UInt8(2))
            by.write(to: &writer)
            writer.write(at)
        }
    }

    public init(reading reader: inout ByteReader) throws(DecodingFailure) {
        switch try reader.readByte() {
        case 0: self = .active
        case 1: self = .awaitingApproval
        case 2: self = .approved(by: try Actor(reading: &reader), at: try reader.readInt64())
        default: throw .invalid("token state")
        }
    }
}

extension ClusterSettings: BinaryRecord {
    public func write(to writer: inout ByteWriter) {
        writer.write(UInt64(clamping: tokenApprovals))
        writer.write(pendingChange != nil)
        pendingChange?.write(to: &writer)
        writer.write(maxTokenTTLSeconds != nil)
        if let maxTokenTTLSeconds { writer.write(maxTokenTTLSeconds) }
        writer.write(UInt64(clamping: keptVersions))
    }

    public init(reading reader: inout ByteReader) throws(DecodingFailure) {
        let approvals = try reader.readSmallCount()
        let pending = try reader.readBool() ? try SettingsChange(reading: &reader) : nil
        // Rows written before the lifetime cap end here.
        var maxTTL: Int64?
        if !reader.isAtEnd, try reader.readBool() { maxTTL = try reader.readInt64() }
        // Rows written before the kept-versions setting end here.
        let kept = reader.isAtEnd ? ClusterSettings.defaultKeptVersions : try reader.readSmallCount()
        guard ClusterSettings.allowedKeptVersions.contains(kept) else { throw .invalid("kept versions") }
        self.init(tokenApprovals: approvals, pendingChange: pending, maxTokenTTLSeconds: maxTTL, keptVersions: kept)
    }
}

extension SettingsChange: BinaryRecord {
    public func write(to writer: inout ByteWriter) {
        writer.write(UInt64(clamping: tokenApprovals))
        writer.write(at)
        by.write(to: &writer)
        writer.write(texts: holders)
    }

    public init(reading reader: inout ByteReader) throws(DecodingFailure) {
        self.init(tokenApprovals: try reader.readSmallCount(), at: try reader.readInt64(), by: try Actor(reading: &reader),
                  holders: try reader.readTexts())
    }
}

extension AuditEvent: BinaryRecord {
    public func write(to writer: inout ByteWriter) {
        writer.write(index)
        writer.write(at)
        actor.write(to: &writer)
        writer.write(string: action)
        writer.write(string: target)
        writer.write(optional: version)
        writer.write(optional: rotationID)
    }

    public init(reading reader: inout ByteReader) throws(DecodingFailure) {
        self.init(
            index: try reader.readUInt64(), at: try reader.readInt64(), actor: try Actor(reading: &reader),
            action: try reader.readText(), target: try reader.readText(), version: try reader.readOptionalUInt64(),
            rotationID: try reader.readOptionalText())
    }
}

extension RotationRecord.Item: BinaryRecord {
    public func write(to writer: inout ByteWriter) {
        writer.write(string: name)
        writer.write(version)
    }

    public init(reading reader: inout ByteReader) throws(DecodingFailure) {
        self.init(name: try reader.readText(), version: try reader.readUInt64())
    }
}

extension RotationRecord: BinaryRecord {
    public func write(to writer: inout ByteWriter) {
        writer.write(string: id)
        writer.write(string: kind.rawValue)
        writer.write(index)
        writer.write(at)
        by.write(to: &writer)
        writer.write(list: secrets)
    }

    public init(reading reader: inout ByteReader) throws(DecodingFailure) {
        let id = try reader.readText()
        guard let kind = Kind(rawValue: try reader.readText()) else { throw .invalid("rotation kind") }
        self.init(id: id, kind: kind, index: try reader.readUInt64(), at: try reader.readInt64(),
                  by: try Actor(reading: &reader), secrets: try reader.readList(of: Item.self))
    }
}

extension MemberRecord: BinaryRecord {
    public func write(to writer: inout ByteWriter) {
        writer.write(string: id)
        writer.write(string: peerAddress)
        writer.write(string: apiAddress)
    }

    public init(reading reader: inout ByteReader) throws(DecodingFailure) {
        self.init(id: try reader.readText(), peerAddress: try reader.readText(), apiAddress: try reader.readText())
    }
}

extension SealedValue: BinaryRecord {
    public func write(to writer: inout ByteWriter) {
        writer.write(bytes: wrappedKey)
        writer.write(bytes: keyNonce)
        writer.write(bytes: nonce)
        writer.write(bytes: ciphertext)
    }

    public init(reading reader: inout ByteReader) throws(DecodingFailure) {
        self.init(
            wrappedKey: try reader.readBytes(max: 1024), keyNonce: try reader.readBytes(max: 1024),
            nonce: try reader.readBytes(max: 1024), ciphertext: try reader.readBytes(max: RecordLimits.sealedField))
    }
}

extension RotationItem: BinaryRecord {
    public func write(to writer: inout ByteWriter) {
        writer.write(string: name)
        writer.write(version)
        value.write(to: &writer)
    }

    public init(reading reader: inout ByteReader) throws(DecodingFailure) {
        self.init(name: try reader.readText(), version: try reader.readUInt64(), value: try SealedValue(reading: &reader))
    }
}
