import CofferStore
import Foundation

/// What a new keyspace starts with: the first tokens (their hashes) and the cluster's
/// settings. `coffer dev --prepare-only` writes it; the first leader applies it once.
public struct BootstrapFile: Codable, Sendable, Equatable {
    public var tokenApprovals: Int
    public var tokens: [TokenRecord]

    public init(tokenApprovals: Int, tokens: [TokenRecord]) {
        self.tokenApprovals = tokenApprovals
        self.tokens = tokens
    }

    /// Reads either form: this object, or the bare list of tokens written before the
    /// settings were (one approval).
    public static func decode(_ data: Data) throws -> BootstrapFile {
        if let tokens = try? JSONDecoder().decode([TokenRecord].self, from: data) {
            return BootstrapFile(tokenApprovals: 1, tokens: tokens)
        }
        return try JSONDecoder().decode(BootstrapFile.self, from: data)
    }
}
