import CofferCrypto
import CofferStore
import Foundation
import Logging
import Resolver

/// One Coffer node: its keyspace, the secret table renders read, and the log its writes go
/// through. Values arrive here, are sealed, and leave only as ciphertext in commands.
public final class Node: Sendable {
    public let config: NodeConfig
    public let keyspace: Keyspace
    public let catalog: SecretCatalog
    private let log: LocalCommandLog
    private let logger: Logger

    public init(config: NodeConfig, logger: Logger) throws {
        self.config = config
        self.logger = logger
        let masterKey = try MasterKey.load(from: config.masterKeyFile)
        try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        keyspace = try Keyspace(directory: config.dataDirectory, masterKey: masterKey)
        catalog = SecretCatalog()
        try Self.loadTable(from: keyspace, into: catalog)
        let catalog = self.catalog
        let keyspace = self.keyspace
        log = LocalCommandLog(keyspace: keyspace) { applied in
            Self.install(applied, into: catalog, keyspace: keyspace, logger: logger)
        }
    }

    /// Applies the bootstrap tokens file once in the keyspace's life.
    public func bootstrapIfNeeded() async throws {
        guard let file = config.bootstrapTokensFile, FileManager.default.fileExists(atPath: file) else { return }
        let tokens = try JSONDecoder().decode([TokenRecord].self, from: Data(contentsOf: URL(fileURLWithPath: file)))
        let result = try await log.submit(.bootstrapTokens(tokens)).result
        if case .success = result { logger.info("applied \(tokens.count) bootstrap tokens") }
    }

    public func stop() { log.stop() }

    // MARK: Secrets

    public enum ValueSource: Sendable {
        case given(SecureBytes)
        case generate(length: Int)
    }

    /// Creates a secret. Returns its record, and the value when the server generated it
    /// (the only time it is ever returned).
    public func createSecret(name: String, value: ValueSource, by actor: Actor) async throws -> (SecretRecord, SecureBytes?) {
        guard SecretName.isValid(name) else { throw ServiceError.invalid("invalid secret name: \(SecretName.rule)") }
        let plaintext = try Self.materialize(value)
        let sealed = try plaintext.withUnsafeBytes { try Envelope.seal($0, name: name, version: 1, with: keyspace.masterKey) }
        let outcome = try await submit(.createSecret(name: name, value: sealed, at: Self.now(), by: actor))
        guard case .secretCreated(let record) = outcome else { throw ServiceError.unavailable("unexpected outcome") }
        logger.info("secret created", metadata: ["name": "\(record.name)", "by": "\(actor.tokenID)"])
        return (record, Self.isGenerated(value) ? plaintext : nil)
    }

    /// Rotates one or more secrets in one step. `values` pairs each name with its new value.
    public func rotate(
        _ values: [(name: String, value: ValueSource)], by actor: Actor
    ) async throws -> (id: String, index: UInt64, records: [SecretRecord], generated: [String: SecureBytes]) {
        guard !values.isEmpty else { throw ServiceError.invalid("a rotation names at least one secret") }
        var items: [RotationItem] = []
        var generated: [String: SecureBytes] = [:]
        for (name, source) in values {
            guard SecretName.isValid(name) else { throw ServiceError.invalid("invalid secret name: \(SecretName.rule)") }
            guard let record = try keyspace.secret(named: name) else { throw ServiceError.notFound("no secret named '\(name)'") }
            let plaintext = try Self.materialize(source)
            let version = record.currentVersion + 1
            let sealed = try plaintext.withUnsafeBytes { try Envelope.seal($0, name: name, version: version, with: keyspace.masterKey) }
            items.append(RotationItem(name: record.name, version: version, value: sealed))
            if Self.isGenerated(source) { generated[record.name] = plaintext }
        }
        let id = "rot_" + Tokens.hex(SecureRandom.bytes(8))
        let applied = try await log.submit(.rotateSecrets(id: id, items: items, at: Self.now(), by: actor))
        guard case .success(.secretsRotated(let records)) = applied.result else {
            if case .failure(let rejection) = applied.result { throw ServiceError(rejection) }
            throw ServiceError.unavailable("unexpected outcome")
        }
        logger.info("secrets rotated", metadata: ["rotation": "\(id)", "count": "\(records.count)", "by": "\(actor.tokenID)"])
        return (id, applied.index, records, generated)
    }

    public func deleteSecret(name: String, by actor: Actor) async throws {
        guard SecretName.isValid(name) else { throw ServiceError.notFound("no secret named '\(name)'") }
        _ = try await submit(.deleteSecret(name: name, at: Self.now(), by: actor))
        logger.info("secret deleted", metadata: ["name": "\(name)", "by": "\(actor.tokenID)"])
    }

    public func secrets() throws -> [SecretRecord] { try keyspace.secrets() }

    public func secret(named name: String) throws -> SecretRecord {
        guard let record = try keyspace.secret(named: name) else { throw ServiceError.notFound("no secret named '\(name)'") }
        return record
    }

    // MARK: Rendering

    public func render(_ template: UnsafeRawBufferPointer, delimiters: Delimiters, placement: Placement) throws(TemplateError) -> RenderedOutput {
        try catalog.current.render(template, delimiters: delimiters, placement: placement)
    }

    // MARK: Tokens

    public func createToken(role: Role, name: String, by actor: Actor) async throws -> (String, TokenRecord) {
        let (token, record) = Tokens.mint(role: role, name: name, at: Self.now(), by: actor)
        _ = try await submit(.createToken(record))
        logger.info("token created", metadata: ["id": "\(record.id)", "role": "\(role.rawValue)", "by": "\(actor.tokenID)"])
        return (token, record)
    }

    public func revokeToken(id: String, by actor: Actor) async throws {
        _ = try await submit(.revokeToken(id: id, at: Self.now(), by: actor))
        logger.info("token revoked", metadata: ["id": "\(id)", "by": "\(actor.tokenID)"])
    }

    public func tokens() throws -> [TokenRecord] { try keyspace.tokens() }

    /// The token record a bearer token proves, or nil.
    public func authenticate(_ bearer: String) -> TokenRecord? {
        guard let (id, secret) = Tokens.parse(bearer), let record = try? keyspace.token(id: id),
              Tokens.matches(secret, record) else { return nil }
        return record
    }

    public func audit(after: UInt64, limit: Int) throws -> [AuditEvent] {
        try keyspace.audit(after: after, limit: limit)
    }

    // MARK: Internals

    private func submit(_ command: Command) async throws -> CommandOutcome {
        switch try await log.submit(command).result {
        case .success(let outcome): return outcome
        case .failure(let rejection): throw ServiceError(rejection)
        }
    }

    private static func materialize(_ source: ValueSource) throws -> SecureBytes {
        switch source {
        case .given(let bytes):
            guard bytes.count > 0 else { throw ServiceError.invalid("a secret value must not be empty") }
            guard bytes.count <= SecretValue.maxCount else {
                throw ServiceError.tooLarge("a secret value must be at most \(SecretValue.maxCount) bytes")
            }
            return bytes
        case .generate(let length):
            guard ValueGenerator.lengths.contains(length) else {
                throw ServiceError.invalid("a generated value's length must be \(ValueGenerator.lengths.lowerBound) to \(ValueGenerator.lengths.upperBound)")
            }
            return ValueGenerator.generate(length: length)
        }
    }

    private static func isGenerated(_ source: ValueSource) -> Bool {
        if case .generate = source { return true }
        return false
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Loads every current value into the catalog, at the keyspace's applied index.
    private static func loadTable(from keyspace: Keyspace, into catalog: SecretCatalog) throws {
        let (appliedIndex, sealed) = try keyspace.currentValues()
        guard appliedIndex > 0 else { return }
        var secrets: [(name: String, value: SecretValue)] = []
        for (name, version, value) in sealed {
            secrets.append((name, try open(value, name: name, version: version, keyspace: keyspace)))
        }
        try catalog.replaceAll(with: secrets, generation: appliedIndex)
    }

    /// Installs the value changes of an applied batch as one new table generation.
    private static func install(_ applied: [AppliedCommand], into catalog: SecretCatalog, keyspace: Keyspace, logger: Logger) {
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
        return try plaintext.withUnsafeBytes { try SecretValue(copying: $0) }
    }
}
