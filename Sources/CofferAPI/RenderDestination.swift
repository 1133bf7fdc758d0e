import CofferStore
import Resolver

/// Where a render's output goes, as far as the request itself says: with `placement=http` the
/// absolute URL in the template's request line, else its `Host` header; with `placement=url`
/// the template's URL; and a `destination=URL` parameter with any placement.
///
/// Each part is known, absent or unknown. A part is unknown when a reference could change it,
/// or when parsers could read it two ways (a malformed head, a second request after the first,
/// an ambiguous URL). Unknown wins: a `destination=` parameter fills in an absent part, never
/// an unknown one, so a secret with a host list fails closed. Known parts that disagree are
/// refused (400).
enum RenderDestination {
    enum Part: Equatable {
        case absent
        case unknown
        case known(Destination)

        /// The two parts together; `first` and `second` name them when they disagree.
        func merged(with other: Part, _ first: String, _ second: String) throws -> Part {
            switch (self, other) {
            case (.unknown, _), (_, .unknown): return .unknown
            case (.absent, _): return other
            case (_, .absent): return self
            case (.known(let mine), .known(let theirs)):
                guard mine.agrees(with: theirs) else { throw APIError.badRequest("\(first) names \(mine) and \(second) \(theirs)") }
                return .known(mine.merged(with: theirs))
            }
        }
    }

    static func find(template: UnsafeRawBufferPointer, placement: String, delimiters: Delimiters,
                     parameter: String?) throws -> Destination? {
        var found: Part = switch placement {
        case "http": try fromRequest(template, delimiters)
        case "url": fromURL(template, delimiters)
        default: .absent
        }
        if let parameter {
            guard let given = Destination(url: parameter) else {
                throw APIError.badRequest("destination must be an absolute URL with an ASCII host, as in https://api.example.com/")
            }
            found = try Part.known(given).merged(with: found, "the destination parameter", "the request")
        }
        if case .known(let destination) = found { return destination }
        return nil
    }

    /// The request line's absolute URL and the `Host` header of a raw HTTP/1.1 request. Reads
    /// the head a line at a time and copies only the request target and the Host value.
    private static func fromRequest(_ template: UnsafeRawBufferPointer, _ delimiters: Delimiters) throws -> Part {
        var lines = RequestLines(template)
        // Servers skip empty lines before the request line; so does the header guard.
        var requestLine = lines.next()
        while let line = requestLine, line.isEmpty { requestLine = lines.next() }
        guard let requestLine else { return .absent }
        let fromLine = requestTarget(requestLine, delimiters)
        var header: Part?
        while let line = lines.next(), !line.isEmpty {
            // A folded line continues the header above it: no one reading of it.
            // A bare CR ends a line for some servers and not others.
            guard let first = line.first, first != 0x20, first != 0x09, !line.contains(0x0D), !line.contains(0),
                  let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                return .unknown
            }
            let name = line[..<colon]
            // A reference in a name (or a delimiter holding the colon) could write any header, Host included.
            if let reference = firstIndex(of: delimiters.open, in: line), reference <= colon { return .unknown }
            if !name.allSatisfy(isTokenByte) { return .unknown }
            guard name.count == 4, name.map({ $0 | 0x20 }).elementsEqual("host".utf8) else { continue }
            guard header == nil else { throw APIError.badRequest("the request has more than one Host header") }
            let value = line[(colon + 1)...]
            if contains(value, delimiters.open) {
                header = .unknown
            } else {
                header = Destination(hostHeader: String(decoding: value, as: UTF8.self)).map(Part.known) ?? .unknown
            }
        }
        // A second request after the first one's head could go anywhere its own head says.
        if lines.restHoldsARequest() { return .unknown }
        return try fromLine.merged(with: header ?? .absent, "the request line", "the Host header")
    }

    /// `METHOD SP target SP HTTP/x.y`: the target's destination when it is an absolute URL,
    /// absent for a path or `*`, unknown for anything else or when a reference is in the line.
    private static func requestTarget(_ line: Slice<UnsafeRawBufferPointer>, _ delimiters: Delimiters) -> Part {
        guard !contains(line, delimiters.open), line.allSatisfy({ $0 > 0x20 && $0 < 0x7F || $0 == 0x20 }) else { return .unknown }
        let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(isTokenByte), let target = parts[1].first else { return .unknown }
        if target == UInt8(ascii: "/") || parts[1].elementsEqual("*".utf8) { return .absent }
        return Destination(url: String(decoding: parts[1], as: UTF8.self)).map(Part.known) ?? .unknown
    }

    /// A template that is a URL: absent for a path (`/v1/...`), else the URL's destination,
    /// unknown when a reference sits before the path or the URL could be read two ways.
    private static func fromURL(_ template: UnsafeRawBufferPointer, _ delimiters: Delimiters) -> Part {
        // URL parsers drop leading spaces and control bytes.
        guard let start = template.firstIndex(where: { $0 > 0x20 }) else { return .absent }
        let text = template[start...]
        let reference = firstIndex(of: delimiters.open, in: text)
        if text.first == UInt8(ascii: "/") {
            // A path: unless what follows the first '/' could make it `//host` or `/\host`.
            let second = text.index(after: text.startIndex)
            guard second < text.endIndex, text[second] != UInt8(ascii: "/"), text[second] != UInt8(ascii: "\\"),
                  reference.map({ $0 > second }) ?? true else { return .unknown }
            return .absent
        }
        // The scheme, `//` and the authority: up to the third '/', or a '?' or '#'. A reference
        // that starts at or before that end could move it (a delimiter may hold '/', '?' or '#').
        var slashes = 0
        let end = text.firstIndex { byte in
            if byte == UInt8(ascii: "/") { slashes += 1 }
            return slashes == 3 || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#")
        } ?? text.endIndex
        if let reference, reference <= end { return .unknown }
        return Destination(url: String(decoding: text, as: UTF8.self)).map(Part.known) ?? .unknown
    }

    private static func contains(_ bytes: Slice<UnsafeRawBufferPointer>, _ needle: [UInt8]) -> Bool {
        firstIndex(of: needle, in: bytes) != nil
    }

    /// Where `needle` first starts in `bytes`.
    private static func firstIndex(of needle: [UInt8], in bytes: Slice<UnsafeRawBufferPointer>) -> Int? {
        guard bytes.count >= needle.count, let first = needle.first else { return nil }
        var index = bytes.startIndex
        while let hit = bytes[index...].firstIndex(of: first) {
            if bytes[hit...].starts(with: needle) { return hit }
            index = hit + 1
        }
        return nil
    }

    /// A byte of an HTTP token (a method or a header name).
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }
}

/// The lines of a request, each without its LF or CRLF.
private struct RequestLines {
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

    /// Whether anything from here on could be a request of its own: `HTTP/` anywhere (a
    /// request line's version, however it is spelt or templated), or a line that starts with a
    /// method and a space (a request line without a version).
    mutating func restHoldsARequest() -> Bool {
        let methods = ["GET ", "POST ", "PUT ", "DELETE ", "PATCH ", "HEAD ", "OPTIONS ", "CONNECT ", "TRACE "].map { Array($0.utf8) }
        let version = Array("http/".utf8)
        while let line = next() {
            if methods.contains(where: { line.starts(with: $0) }) { return true }
            var index = line.startIndex
            while let hit = line[index...].firstIndex(where: { $0 | 0x20 == UInt8(ascii: "h") }) {
                if line[hit...].count >= version.count, zip(line[hit...], version).allSatisfy({ $0 | 0x20 == $1 }) { return true }
                index = hit + 1
            }
        }
        return false
    }
}
