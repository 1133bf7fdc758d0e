import CofferStore
import Resolver

/// Where a render's output goes, as far as the request itself says: with `placement=http` the
/// absolute URL in the template's request line, else its `Host` header; with `placement=url`
/// the template's URL; and a `destination=URL` parameter with any placement. A part that holds
/// a reference is not known (it could render to anything). Parts that disagree are refused.
enum RenderDestination {
    static func find(template: UnsafeRawBufferPointer, placement: String, delimiters: Delimiters,
                     parameter: String?) throws -> Destination? {
        var found: Destination?
        switch placement {
        case "http": found = try fromRequestHead(template, delimiters: delimiters)
        case "url": found = url(String(decoding: template, as: UTF8.self), delimiters)
        default: break
        }
        if let parameter {
            guard let given = Destination(url: parameter) else {
                throw APIError.badRequest("destination must be an absolute URL with an ASCII host, as in https://api.example.com/")
            }
            if let found, found.host != given.host || found.port != given.port {
                throw APIError.badRequest("the destination parameter names \(given), the request \(found)")
            }
            found = given
        }
        return found
    }

    /// The request line's absolute URL and the `Host` header of a raw HTTP/1.1 request head.
    /// Reads the head's bytes only (every render with `placement=http` comes through here):
    /// nothing is copied but the request target and the Host value.
    private static func fromRequestHead(_ template: UnsafeRawBufferPointer, delimiters: Delimiters) throws -> Destination? {
        var lines = HeadLines(template)
        guard let requestLine = lines.next() else { return nil }
        var fromLine: Destination?
        var lineKnown = true
        let parts = requestLine.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: true)
        if parts.count >= 2 {
            let target = String(decoding: parts[1], as: UTF8.self)
            if target.contains("://") {
                fromLine = url(target, delimiters)
                lineKnown = fromLine != nil
            }
        }
        var header: String?
        while let line = lines.next(), !line.isEmpty {
            guard line.count >= 5, line.prefix(5).map({ $0 | 0x20 }).elementsEqual("host:".utf8) else { continue }
            guard header == nil else { throw APIError.badRequest("the request has more than one Host header") }
            header = String(decoding: line.dropFirst(5), as: UTF8.self)
        }
        let headerKnown = header.map { known($0, delimiters) != nil } ?? true
        guard lineKnown, headerKnown else { return nil }
        let fromHeader = header.flatMap { Destination(hostHeader: $0) }
        if let fromLine, let fromHeader {
            guard fromLine.host == fromHeader.host, fromHeader.port == nil || fromHeader.port == fromLine.port else {
                throw APIError.badRequest("the request line names \(fromLine) and the Host header \(fromHeader)")
            }
            return fromLine
        }
        return fromLine ?? fromHeader
    }

    /// The destination of an absolute URL, unless a reference sits in its scheme or host.
    private static func url(_ text: String, _ delimiters: Delimiters) -> Destination? {
        guard let schemeEnd = text.range(of: "://") else { return nil }
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { "/?#".contains($0) } ?? rest.endIndex
        return known(String(text[..<authorityEnd]), delimiters).flatMap { Destination(url: $0) }
    }

    /// `text`, unless a reference could change it.
    private static func known(_ text: String, _ delimiters: Delimiters) -> String? {
        text.contains(String(decoding: delimiters.open, as: UTF8.self)) ? nil : text
    }
}

/// The lines of a request head, each without its LF or CRLF.
private struct HeadLines {
    private let bytes: UnsafeRawBufferPointer
    private var start = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func next() -> Slice<UnsafeRawBufferPointer>? {
        guard start < bytes.count else { return nil }
        let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
        var line = bytes[start..<end]
        if line.last == 0x0D { line = line.dropLast() }
        start = end + 1
        return line
    }
}
