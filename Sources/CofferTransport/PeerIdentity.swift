import NIOSSL

/// Who an inbound peer is, taken from its verified certificate, never from what it sends.
enum PeerIdentity {
    /// The DNS names in the certificate's subject alternative names. Our node certificates carry
    /// the node id there (and `localhost`); hostname verification on the other direction uses
    /// the same names, so both directions agree on what a certificate names.
    static func dnsNames(of certificate: NIOSSLCertificate) -> [String] {
        certificate._subjectAlternativeNames().compactMap { name in
            guard name.nameType == .dnsName else { return nil }
            return name.contents.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// The one current member (other than this node) the certificate names, or nil when it
    /// names none, or more than one (ambiguous, so refused).
    static func member(named names: [String], members: some Collection<String>, localID: String) -> String? {
        let matches = Set(names.filter { $0 != localID && members.contains($0) })
        return matches.count == 1 ? matches.first : nil
    }
}
