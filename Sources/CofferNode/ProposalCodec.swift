import CofferStore
import CofferCrypto
import Foundation

/// A proposal's unique id: it lets the proposer recognise its own entry when it is applied.
struct ProposalID: Hashable, Sendable, CustomStringConvertible {
    let bytes: [UInt8]

    static func make() -> ProposalID { ProposalID(bytes: SecureRandom.bytes(16)) }

    var description: String { bytes.map { String($0, radix: 16) }.joined() }
}

/// The data of a normal log entry: a marker byte, the proposal id, then the command as JSON.
enum ProposalCodec {
    static let marker: UInt8 = 0xC1

    static func encode(_ command: Command, id: ProposalID) throws -> [UInt8] {
        [marker] + id.bytes + Array(try JSONEncoder.sorted.encode(command))
    }

    static func id(of data: [UInt8]) -> ProposalID? {
        guard data.count > 17, data[0] == marker else { return nil }
        return ProposalID(bytes: Array(data[1..<17]))
    }

    static func command(in data: [UInt8]) throws -> Command {
        try JSONDecoder.shared.decode(Command.self, from: Data(data[17...]))
    }
}
