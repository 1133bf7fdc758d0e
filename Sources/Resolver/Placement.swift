/// Where a template's output goes, which decides where the header-injection guard applies.
public enum Placement: Sendable, Equatable {
    /// A request body: any value may land anywhere.
    case body
    /// A header value or a URL: no reference may insert CR, LF or NUL unless a filter made it safe.
    case headerOrURL
    /// A whole raw HTTP/1.x request: the guard covers its head, up to the first empty line.
    case rawHTTPRequest

    /// The offset up to which references are guarded.
    func guardedEnd(in source: UnsafeRawBufferPointer) -> Int {
        switch self {
        case .body: return 0
        case .headerOrURL: return source.count
        case .rawHTTPRequest:
            // The head ends at the first line that is empty, or holds only CR.
            var index = 0
            while index < source.count {
                if source[index] == ASCII.lf {
                    var next = index + 1
                    if next < source.count, source[next] == ASCII.cr { next += 1 }
                    if next < source.count, source[next] == ASCII.lf { return index }
                }
                index += 1
            }
            return source.count
        }
    }
}
