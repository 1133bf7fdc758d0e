import CofferCrypto

/// One kept version of a secret: its sealed value and where it stands.
public struct KeptValue: Sendable {
    public let name: String
    public let version: UInt64
    public let sealed: SealedValue
    public let isCurrent: Bool
    public let isCompromised: Bool
}

extension Keyspace {
    /// Every secret's kept versions (the current one and those before it whose sealed values
    /// are still kept), read in one transaction: what a scan for leaked values looks for.
    public func keptValues() throws -> [KeptValue] {
        try environment.read { txn in
            var kept: [KeptValue] = []
            for row in try SecretRows.records(in: txn) {
                let record = try decode(SecretRecord.self, row.value)
                for (version, _, sealed) in try SecretRows.sealedValues(record.name, in: txn) {
                    let info = try txn.get(Table.secretRows, SecretRows.version(record.name, version))
                        .map { try decode(VersionInfo.self, $0) }
                    kept.append(KeptValue(name: record.name, version: version, sealed: try decode(SealedValue.self, sealed),
                                          isCurrent: version == record.currentVersion, isCompromised: info?.compromise != nil))
                }
            }
            return kept
        }
    }
}
