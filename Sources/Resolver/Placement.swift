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
            // The head ends at the first line that is empty, or holds only CR; memchr finds
            // each line end.
            guard let base = source.baseAddress else { return source.count }
            // Empty lines before the request line are skipped (as servers do), not the head's end.
            var index = 0
            while index < source.count {
                if source[index] == ASCII.lf {
                    index += 1
                } else if source[index] == ASCII.cr, index + 1 < source.count, source[index + 1] == ASCII.lf {
                    index += 2
                } else {
                    break
                }
            }
            while index < source.count {
                guard let hit = memchr(base + index, Int32(ASCII.lf), source.count - index) else { break }
                let lf = base.distance(to: UnsafeRawPointer(hit))
                var next = lf + 1
                if next < source.count, source[next] == ASCII.cr { next += 1 }
                if next < source.count, source[next] == ASCII.lf { return lf }
                index = lf + 1
            }
            return source.count
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
