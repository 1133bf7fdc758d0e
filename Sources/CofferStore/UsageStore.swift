import Foundation

/// What became of a secret named in a render.
public enum UsageOutcome: UInt8, Sendable, CaseIterable, Codable {
    case rendered = 1
    case outOfScope
    case destination
    case headerGuard
    case unknownName

    /// As the API and CLI write it: `rendered`, or `refused:` and why.
    public var label: String {
        switch self {
        case .rendered: "rendered"
        case .outOfScope: "refused: out of scope"
        case .destination: "refused: destination"
        case .headerGuard: "refused: header guard"
        case .unknownName: "refused: unknown name"
        }
    }
}

/// One line of a node's usage trail: a version of a secret named by a token, from a client
/// address, with an outcome, in one minute.
public struct UsageKey: Hashable, Sendable, Codable {
    /// The secret's name, folded to lower case.
    public let name: String
    /// Milliseconds since 1970 divided by 60,000.
    public let minute: Int64
    public let version: UInt64
    public let tokenID: String
    public let client: String
    public let outcome: UsageOutcome

    public init(name: String, minute: Int64, version: UInt64, tokenID: String, client: String, outcome: UsageOutcome) {
        self.name = name
        self.minute = minute
        self.version = version
        self.tokenID = tokenID
        self.client = client
        self.outcome = outcome
    }
}

/// How often a usage line happened, and its first and last time (milliseconds since 1970).
public struct UsageTally: Sendable, Equatable, Codable {
    public var count: UInt64
    public var first: Int64
    public var last: Int64

    public init(count: UInt64, first: Int64, last: Int64) {
        self.count = count
        self.first = first
        self.last = last
    }

    public mutating func add(_ other: UsageTally) {
        count &+= other.count
        first = min(first, other.first)
        last = max(last, other.last)
    }
}

extension Dictionary where Value == UsageTally {
    /// Adds `tally` to the one kept under `key`, or keeps it there.
    public mutating func add(_ tally: UsageTally, at key: Key) {
        if self[key] == nil { self[key] = tally } else { self[key]!.add(tally) }
    }
}

/// A node's usage trail on disk: an LMDB environment of its own beside the keyspace, never
/// replicated (renders are far too many for the log). Lines are kept by secret, for the
/// questions asked of them, and indexed by minute, so the oldest go first. Commits are not
/// flushed to the disk: the trail survives a crash of the process, and may lose its last
/// moments to a power cut.
public final class UsageStore: @unchecked Sendable {
    enum Table {
        static let bySecret = "usage_by_secret"
        static let byMinute = "usage_by_minute"
    }

    let environment: LMDBEnvironment

    /// The most lines a trail may be set to keep: with both of its rows, well inside the map.
    public static let maxLines = 20_000_000

    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        // The map is address space, not disk: 16 GiB holds the most lines at ~400 bytes each with room.
        environment = try LMDBEnvironment(directory: directory, names: [Table.bySecret, Table.byMinute], mapSize: 1 << 34,
                                          noSync: true)
    }

    /// Adds counted lines to those stored, in one transaction.
    public func add(_ lines: [UsageKey: UsageTally]) throws {
        guard !lines.isEmpty else { return }
        try environment.write { txn in
            for (key, tally) in lines {
                let secretKey = Self.secretKey(key)
                var total = tally
                if let stored = try txn.get(Table.bySecret, secretKey).flatMap(Self.tally) { total.add(stored) }
                try txn.put(Table.bySecret, secretKey, Self.bytes(total))
                try txn.put(Table.byMinute, Self.minuteKey(key), [])
            }
        }
    }

    /// The lines of the secret `name` (any case) from `sinceMinute` on: at most `limit`, oldest first.
    public func lines(of name: String, sinceMinute: Int64, limit: Int) throws -> [(key: UsageKey, tally: UsageTally)] {
        let prefix = Array(name.lowercased().utf8) + [0]
        return try environment.read { txn in
            try txn.scan(Table.bySecret, from: prefix + UInt64(max(sinceMinute, 0)).bigEndianBytes, limit: limit) { $0.starts(with: prefix) }
                .compactMap { entry in
                    guard let key = Self.key(fromSecretKey: entry.key), let tally = Self.tally(entry.value) else { return nil }
                    return (key, tally)
                }
        }
    }

    /// Drops the lines of minutes before `beforeMinute`, then the oldest minutes' lines until
    /// at most `maxLines` are left. Returns how many went.
    @discardableResult
    public func prune(beforeMinute: Int64, maxLines: Int) throws -> Int {
        try environment.write { txn in
            var dropped = 0
            while true {
                let count = try txn.count(Table.byMinute)
                let oldest = try txn.scan(Table.byMinute, from: [], limit: 4_096) { _ in true }
                guard let first = oldest.first, let minute = Self.minute(ofMinuteKey: first.key) else { break }
                guard minute < beforeMinute || count > maxLines else { break }
                var over = count - maxLines
                let before = dropped
                for entry in oldest {
                    let key = Self.key(fromMinuteKey: entry.key)
                    if let key, key.minute >= beforeMinute, over <= 0 { break }
                    _ = try txn.delete(Table.byMinute, entry.key)
                    if let key { _ = try txn.delete(Table.bySecret, Self.secretKey(key)) }
                    over -= 1
                    dropped += 1
                }
                if dropped == before { break }
            }
            return dropped
        }
    }

    public func lineCount() throws -> Int {
        try environment.read { txn in try txn.count(Table.byMinute) }
    }

    // MARK: Encoding: the name (no NUL in a name), NUL, the minute, version and outcome as
    // fixed-width big-endian numbers, then the token id, NUL, and the client address.

    static func secretKey(_ key: UsageKey) -> [UInt8] {
        Array(key.name.utf8) + [0] + UInt64(max(key.minute, 0)).bigEndianBytes + rest(key)
    }

    static func minuteKey(_ key: UsageKey) -> [UInt8] {
        UInt64(max(key.minute, 0)).bigEndianBytes + Array(key.name.utf8) + [0] + rest(key)
    }

    private static func rest(_ key: UsageKey) -> [UInt8] {
        key.version.bigEndianBytes + [key.outcome.rawValue] + Array(key.tokenID.utf8) + [0] + Array(key.client.utf8)
    }

    static func key(fromSecretKey bytes: [UInt8]) -> UsageKey? {
        guard let nul = bytes.firstIndex(of: 0), bytes.count >= nul + 1 + 8 else { return nil }
        guard let minute = UInt64(bigEndianBytes: Array(bytes[(nul + 1)..<(nul + 9)])) else { return nil }
        return key(name: bytes[..<nul], minute: minute, rest: bytes[(nul + 9)...])
    }

    static func key(fromMinuteKey bytes: [UInt8]) -> UsageKey? {
        guard bytes.count > 8, let minute = UInt64(bigEndianBytes: Array(bytes[..<8])) else { return nil }
        let tail = bytes[8...]
        guard let nul = tail.firstIndex(of: 0) else { return nil }
        return key(name: tail[..<nul], minute: minute, rest: tail[(nul + 1)...])
    }

    static func minute(ofMinuteKey bytes: [UInt8]) -> Int64? {
        guard bytes.count >= 8, let minute = UInt64(bigEndianBytes: Array(bytes[..<8])) else { return nil }
        return Int64(clamping: minute)
    }

    private static func key(name: ArraySlice<UInt8>, minute: UInt64, rest: ArraySlice<UInt8>) -> UsageKey? {
        guard rest.count >= 9, let version = UInt64(bigEndianBytes: Array(rest.prefix(8))),
              let outcome = UsageOutcome(rawValue: rest[rest.startIndex + 8]) else { return nil }
        let ids = rest.dropFirst(9)
        guard let nul = ids.firstIndex(of: 0) else { return nil }
        return UsageKey(name: String(decoding: name, as: UTF8.self), minute: Int64(clamping: minute), version: version,
                        tokenID: String(decoding: ids[..<nul], as: UTF8.self),
                        client: String(decoding: ids[(nul + 1)...], as: UTF8.self), outcome: outcome)
    }

    static func bytes(_ tally: UsageTally) -> [UInt8] {
        tally.count.bigEndianBytes + UInt64(bitPattern: tally.first).bigEndianBytes + UInt64(bitPattern: tally.last).bigEndianBytes
    }

    static func tally(_ bytes: [UInt8]) -> UsageTally? {
        guard bytes.count == 24, let count = UInt64(bigEndianBytes: Array(bytes[0..<8])),
              let first = UInt64(bigEndianBytes: Array(bytes[8..<16])), let last = UInt64(bigEndianBytes: Array(bytes[16..<24])) else { return nil }
        return UsageTally(count: count, first: Int64(bitPattern: first), last: Int64(bitPattern: last))
    }
}
