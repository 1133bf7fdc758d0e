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
    private static func fromRequestHead(_ template: UnsafeRawBufferPointer, delimiters: Delimiters) throws -> Destination? {
        // By bytes: as Characters, "\r\n" is one and would not split at "\n".
        var lines = template.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            String(decoding: line.last == 0x0D ? line.dropLast() : line[...], as: UTF8.self)
        }
        guard !lines.isEmpty else { return nil }
        let requestLine = lines.removeFirst().split(separator: " ")
        var fromLine: Destination?
        var lineKnown = true
        if requestLine.count >= 2, requestLine[1].contains("://") {
            fromLine = url(String(requestLine[1]), delimiters)
            lineKnown = fromLine != nil
        }
        var hostHeaders: [Substring] = []
        for line in lines {
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line[..<colon].lowercased() == "host" { hostHeaders.append(line[line.index(after: colon)...]) }
        }
        guard hostHeaders.count <= 1 else { throw APIError.badRequest("the request has more than one Host header") }
        let header = hostHeaders.first.map(String.init)
        let fromHeader = header.flatMap { known($0, delimiters) }.flatMap { Destination(hostHeader: $0) }
        let headerKnown = header.map { known($0, delimiters) != nil } ?? true
        guard lineKnown, headerKnown else { return nil }
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
