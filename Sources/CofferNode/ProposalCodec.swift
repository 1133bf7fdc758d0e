import CofferStore
import CofferCrypto

/// A proposal's unique id: it lets the proposer recognise its own entry when it is applied.
struct ProposalID: Hashable, Sendable, CustomStringConvertible {
    let bytes: [UInt8]

    static func make() -> ProposalID { ProposalID(bytes: SecureRandom.bytes(CommandEntry.idCount)) }

    var description: String { bytes.map { String($0, radix: 16) }.joined() }
}

/// A command and its proposal id in a log entry's data (`CommandEntry`).
enum ProposalCodec {
    static func encode(_ command: Command, id: ProposalID) -> [UInt8] { CommandEntry.encode(command, id: id.bytes) }

    static func id(of data: [UInt8]) -> ProposalID? { CommandEntry.id(of: data).map(ProposalID.init(bytes:)) }

    static func command(in data: [UInt8]) throws -> Command { try CommandEntry.command(in: data) }
}
