import Foundation

/// Starts the dev nodes as child processes, each logging to its own file, and stops them
/// when the dev command is told to stop.
final class NodeSupervisor: @unchecked Sendable {
    let layout: DevLayout
    private var processes: [Int: Process] = [:]

    init(layout: DevLayout) { self.layout = layout }

    func startAll() throws {
        for index in 1...layout.nodes { try start(index) }
    }

    func start(_ index: Int) throws {
        let logPath = layout.nodeDirectory(index) + "/log"
        if !FileManager.default.fileExists(atPath: logPath) {
            FileManager.default.createFile(atPath: logPath, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw DevError("cannot open \(logPath)") }
        log.seekToEndOfFile()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0])
        process.arguments = ["server", "--config", layout.configPath(index)]
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        let nodeID = layout.nodeID(index)
        process.terminationHandler = { finished in
            Output.note("\(nodeID) exited (status \(finished.terminationStatus)); see \(logPath)")
        }
        try process.run()
        try "\(process.processIdentifier)\n".write(toFile: layout.nodeDirectory(index) + "/pid", atomically: true, encoding: .utf8)
        processes[index] = process
    }

    /// Waits for SIGINT or SIGTERM, then stops every node and waits for them.
    func runUntilSignalled() async {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let signals = AsyncStream<Int32> { continuation in
            let sources = [SIGINT, SIGTERM].map { number in
                let source = DispatchSource.makeSignalSource(signal: number)
                source.setEventHandler { continuation.yield(number) }
                source.resume()
                return source
            }
            let retained = SignalSources(sources)
            continuation.onTermination = { _ in retained.cancel() }
        }
        for await _ in signals { break }
        Output.note("Stopping…")
        for (index, process) in processes.sorted(by: { $0.key < $1.key }) {
            if process.isRunning { kill(process.processIdentifier, SIGTERM) }
            process.waitUntilExit()
            try? FileManager.default.removeItem(atPath: layout.nodeDirectory(index) + "/pid")
        }
    }
}

/// Keeps the signal sources alive for as long as the stream is listened to.
private final class SignalSources: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]
    init(_ sources: [any DispatchSourceSignal]) { self.sources = sources }
    func cancel() { sources.forEach { $0.cancel() } }
}
