import CofferNode
import CofferStore
import Dispatch
import Hummingbird
import NIOCore
import Resolver

/// `POST /v1/scan?source=LABEL` (admin, audit): the body is any text, streamed, up to
/// 256 MiB. The answer lists every occurrence in it of a version this node keeps, as is or
/// as a filter writes it: where (offset, line, column, length), whose (name, version, current,
/// previous or compromised) and how (raw, json, url, base64); never the value or the bytes
/// around it. A scoped token sees only its secrets. Each scan is an audit line, written
/// before the answer: a scan that cannot be audited is not answered.
struct ScanRoute {
    let node: Node
    let auth: Authorization
    /// Scans run here, one at a time, off the threads that serve requests: a 256 MiB scan
    /// takes a core for most of a second, and renders must not wait behind it.
    private let worker = ScanWorker()

    init(node: Node, auth: Authorization) {
        self.node = node
        self.auth = auth
    }

    static let maxBytes = 256 << 20
    static let maxFindings = 10_000
    /// The text is handed to the worker in pieces of this size.
    static let batchBytes = 4 << 20

    struct FindingView: Encodable {
        let offset: UInt64
        let line: UInt64
        let column: UInt64
        let length: Int
        let name: String
        let version: UInt64
        let state: String
        let encoding: String
    }

    struct VersionView: Encodable {
        let name: String
        let version: UInt64
    }

    struct ReportView: Encodable {
        let source: String
        let bytes: UInt64
        let findings: [FindingView]
        /// Every finding, including those past the list's limit.
        let total: Int
        let truncated: Bool
        /// Kept versions not looked for: their values are shorter than `minimumLength` bytes.
        let tooShort: [VersionView]
        let minimumLength: Int

        enum CodingKeys: String, CodingKey {
            case source, bytes, findings, total, truncated, tooShort = "too_short", minimumLength = "minimum_length"
        }
    }

    func add(to router: Router<CofferRequestContext>) {
        router.post("/v1/scan") { request, context in try await scan(request, context) }
    }

    private func scan(_ request: Request, _ context: CofferRequestContext) async throws -> Response {
        let caller = try auth.require(.admin, .audit, for: request, context)
        let source = try Self.source(request.uri.queryParameters["source"].map(String.init))
        let node = self.node
        let scanner = try await worker.run { try node.valueScanner() }
        let inScope: (ScanSubject) -> Bool = { caller.allows(secret: $0.name) }
        let reporting: ((ScanSubject) -> Bool)? = caller.scope.isEmpty ? nil : inScope
        let stream = ScanWorker.Stream(scanner.makeStream(maximumFindings: Self.maxFindings, reporting: reporting))
        var bytes = 0
        var batch = ByteBuffer()
        for try await buffer in request.body {
            bytes += buffer.readableBytes
            guard bytes <= Self.maxBytes else { throw APIError.tooLarge(Self.maxBytes) }
            var piece = buffer
            batch.writeBuffer(&piece)
            if batch.readableBytes >= Self.batchBytes {
                let full = batch
                batch = ByteBuffer()
                try await worker.run { full.withUnsafeReadableBytes { stream.scan.feed($0) } }
            }
        }
        guard bytes > 0 else { throw APIError.badRequest("nothing to scan: the request body is empty", code: "empty_scan") }
        let last = batch
        let result = try await worker.run {
            last.withUnsafeReadableBytes { stream.scan.feed($0) }
            return stream.scan.finish()
        }

        var found: [String] = []
        for finding in result.findings where found.count < Command.maxScanFound {
            let subject = scanner.subjects[finding.subject]
            let label = "\(subject.name) v\(subject.version)"
            if !found.contains(label) { found.append(label) }
        }
        _ = try await node.perform(.auditScan(ScanAudit(source: source, bytes: UInt64(bytes), findings: UInt64(result.total),
                                                        found: found), actor: caller.actor))
        return try JSONBody.response(ReportView(
            source: source, bytes: result.bytes,
            findings: result.findings.map { finding in
                let subject = scanner.subjects[finding.subject]
                return FindingView(offset: finding.offset, line: finding.line, column: finding.column, length: finding.length,
                                   name: subject.name, version: subject.version, state: subject.state.rawValue,
                                   encoding: finding.encoding.rawValue)
            },
            total: result.total, truncated: result.total > result.findings.count,
            tooShort: scanner.tooShort.map { scanner.subjects[$0] }.filter { caller.scope.isEmpty || inScope($0) }
                .map { VersionView(name: $0.name, version: $0.version) },
            minimumLength: ValueScanner.minimumValueCount))
    }

    /// The label the audit line gives what was scanned: 1 to 128 bytes of printable text.
    /// No control or format characters (bidi overrides) or line separators: the trail must
    /// read as written.
    static func source(_ given: String?) throws -> String {
        guard let given else { return "request body" }
        guard (1...128).contains(given.utf8.count), PrintableText.isPrintable(given) else {
            throw APIError.badRequest("source must be 1 to 128 bytes of printable text")
        }
        return given
    }
}

/// One serial queue for the node's scans.
final class ScanWorker: Sendable {
    private let queue = DispatchQueue(label: "coffer-scan", qos: .utility)

    /// A scan in progress, handed between the request's task and the queue; only one of them
    /// touches it at a time.
    final class Stream: @unchecked Sendable {
        let scan: ScanStream
        init(_ scan: ScanStream) { self.scan = scan }
    }

    func run<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
