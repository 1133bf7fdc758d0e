import CofferStore
import CofferCrypto

/// A proposal's unique id, carried in its log entry (`CommandEntry`): it lets the proposer
/// recognise its own entry when it is applied.
struct ProposalID: Hashable, Sendable, CustomStringConvertible {
    let bytes: [UInt8]

    static func make() -> ProposalID { ProposalID(bytes: SecureRandom.bytes(CommandEntry.idCount)) }

    var description: String { bytes.map { String($0, radix: 16) }.joined() }
}
