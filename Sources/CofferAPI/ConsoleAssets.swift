import Foundation
import Logging

/// The web console's static files (HTML, CSS, JavaScript, SVG), shipped as the `CofferAPI`
/// target's `Console` resource directory and read into memory once, so serving them touches
/// no disk.
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

    /// Where the files may be, first match wins: SwiftPM's resource directory beside the
    /// executable (as built, or copied with it), an installed `../share/coffer/console`, and
    /// the source tree this was built from. `Bundle.module` is not used: it stops the process
    /// when its directory is missing, and a node must serve its API without the console.
    static func candidates() -> [URL] {
        let executable = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]))
            .resolvingSymlinksInPath().deletingLastPathComponent()
        return [
            executable.appendingPathComponent("Coffer_CofferAPI.resources/Console"),
            executable.appendingPathComponent("../share/coffer/console").standardizedFileURL,
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Console"),
        ]
    }

    /// Every file of a known type in the first directory that has an `index.html`; none if no
    /// directory has, so the API still serves and `/console/` answers 404.
    static func load(logger: Logger) -> ConsoleAssets {
        let files = FileManager.default
        guard let directory = candidates().first(where: { files.fileExists(atPath: $0.appendingPathComponent("index.html").path) }),
              let names = try? files.contentsOfDirectory(atPath: directory.path)
        else {
            logger.warning("the web console's files were not found; /console/ will answer 404",
                           metadata: ["looked_in": "\(candidates().map(\.path))"])
            return ConsoleAssets(files: [:])
        }
        var assets: [String: Asset] = [:]
        for name in names {
            let url = directory.appendingPathComponent(name)
            guard let type = contentTypes[url.pathExtension], let data = try? Data(contentsOf: url) else { continue }
            assets[name] = Asset(contentType: type, bytes: Array(data))
        }
        return ConsoleAssets(files: assets)
    }
}
