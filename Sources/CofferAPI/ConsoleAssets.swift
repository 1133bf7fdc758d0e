import Foundation

/// The web console's static files (HTML, CSS, JavaScript, SVG), shipped as the package's
/// `Console` resource directory and read into memory once, so serving them touches no disk.
struct ConsoleAssets: Sendable {
    struct Asset: Sendable {
        let contentType: String
        let bytes: [UInt8]
    }

    let files: [String: Asset]

    static let contentTypes = [
        "html": "text/html; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "svg": "image/svg+xml",
        "png": "image/png",
    ]

    /// Every file of a known type in the resource directory; none when it is missing, so the
    /// API still serves and the console answers 404.
    static func load() -> ConsoleAssets {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Console"),
              let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
        else { return ConsoleAssets(files: [:]) }
        var files: [String: Asset] = [:]
        for name in names {
            let url = directory.appendingPathComponent(name)
            guard let type = contentTypes[url.pathExtension], let data = try? Data(contentsOf: url) else { continue }
            files[name] = Asset(contentType: type, bytes: Array(data))
        }
        return ConsoleAssets(files: files)
    }
}
