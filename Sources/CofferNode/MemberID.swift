import Raft

/// A member's Raft id, derived from its name (FNV-1a, never 0), so every node computes the
/// same number for "node1" without a registry.
public enum MemberID {
    public static func raftID(_ name: String) -> NodeID {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash == noNode ? 1 : hash
    }

    /// 1–64 of `[a-z0-9-]`: usable as a DNS name in a certificate.
    public static func isValid(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }
}
