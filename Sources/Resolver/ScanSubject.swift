/// One kept version of a secret that a scan looks for, and what a scan reports of it.
public struct ScanSubject: Sendable, Equatable {
    /// Where the version stands: the value renders use, one before it, or one reported leaked.
    public enum State: String, Sendable {
        case current, previous, compromised
    }

    public let name: String
    public let version: UInt64
    public let state: State

    public init(name: String, version: UInt64, state: State) {
        self.name = name
        self.version = version
        self.state = state
    }
}

/// How a value was written where it was found: as is, or as a filter would write it.
public enum ScanEncoding: String, Sendable, CaseIterable {
    case raw, json, url, base64

    var filter: Filter? {
        switch self {
        case .raw: nil
        case .json: .json
        case .url: .url
        case .base64: .base64
        }
    }
}

/// One occurrence of a value in scanned text: where, whose, and how it was written; never
/// the value or the bytes around it.
public struct ScanFinding: Sendable, Equatable {
    /// Bytes before the occurrence, from the start of the text.
    public let offset: UInt64
    /// From 1.
    public let line: UInt64
    /// In bytes from the start of the line, from 1.
    public let column: UInt64
    /// The occurrence's length in bytes, so a caller can redact it.
    public let length: Int
    /// An index into the scanner's `subjects`.
    public let subject: Int
    public let encoding: ScanEncoding
}
