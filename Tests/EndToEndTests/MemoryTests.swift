import CofferClient
import Foundation
import Testing

extension EndToEnd {
    /// After a node took a value in a request and rendered it, its memory holds that value
    /// only in pages that are locked and kept out of core dumps: no copy is left in freed
    /// heap, request buffers or response buffers. Reading another process's memory needs root.
    @Suite("Secret values in a node's memory")
    struct MemoryTests {
        @Test(.enabled(if: geteuid() == 0, "reading /proc/PID/mem of a non-dumpable node needs root"))
        func aRenderedValueIsOnlyInLockedUndumpedPages() async throws {
            let deployment = try Deployment()
            try await deployment.start()
            let value = (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
            do {
                let admin = try deployment.client(token: deployment.adminToken)
                let render = try deployment.client(token: deployment.renderToken)
                #expect(try await admin.json(.POST, "/v1/secrets", raw: #"{"name": "Probe", "value": "\#(value)"}"#).status == 201)
                for filters in ["", " | json", " | url | json"] {
                    for _ in 0..<10 {
                        let rendered = try await render.send(.POST, "/v1/render", body: Array("x {{Secrets.Probe\(filters)}} y".utf8))
                        #expect(rendered.status == 200 && rendered.text.contains(value))
                    }
                }
                await admin.shutdown()
                await render.shutdown()
            }
            try await Task.sleep(for: .seconds(1))      // the node sees the connections close

            let pid = try #require(deployment.pid(1))
            let hits = try Self.occurrences(of: Array(value.utf8), inProcess: pid)
            #expect(!hits.isEmpty, "the value is not in the node's memory at all: the scan is broken")
            for hit in hits {
                #expect(hit.flags.contains("lo") && hit.flags.contains("dd"),
                        "a copy of the value at 0x\(String(hit.address, radix: 16)) in \(hit.mapping) (flags \(hit.flags))")
            }
            print("memory scan: the value is at \(hits.count) places, each in a locked, undumped mapping")
        }

        struct Hit {
            let address: UInt
            let mapping: String
            let flags: [String]
        }

        /// Every place `needle` appears in the readable mappings of process `pid`, with the
        /// mapping's VmFlags from /proc/PID/smaps.
        static func occurrences(of needle: [UInt8], inProcess pid: Int32) throws -> [Hit] {
            // Read as a stream: a /proc file reports size 0, and String(contentsOfFile:) trusts it.
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/\(pid)/smaps"))
            let smaps = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
            try handle.close()
            var mappings: [(start: UInt, end: UInt, line: String, flags: [String])] = []
            for line in smaps.split(separator: "\n") {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                if let range = fields.first, range.contains("-"), fields.count >= 5, !range.hasSuffix(":") {
                    let bounds = range.split(separator: "-")
                    if let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16) {
                        mappings.append((start, end, String(line), []))
                    }
                } else if line.hasPrefix("VmFlags:"), !mappings.isEmpty {
                    mappings[mappings.count - 1].flags = fields.dropFirst().map(String.init)
                }
            }
            let memory = open("/proc/\(pid)/mem", O_RDONLY)
            guard memory >= 0 else { throw HarnessError("cannot open /proc/\(pid)/mem: errno \(errno)") }
            defer { close(memory) }
            var hits: [Hit] = []
            for mapping in mappings where mapping.flags.contains("rd") {
                let count = Int(mapping.end - mapping.start)
                var bytes = [UInt8](repeating: 0, count: count)
                let read = bytes.withUnsafeMutableBytes { pread(memory, $0.baseAddress, count, off_t(Int64(bitPattern: UInt64(mapping.start)))) }
                guard read > 0 else {
                    if ProcessInfo.processInfo.environment["MEMORY_SCAN_DEBUG"] != nil { print("unreadable (errno \(errno)): \(mapping.line)") }
                    continue
                }
                bytes.withUnsafeBytes { buffer in
                    var offset = 0
                    while offset + needle.count <= read {
                        guard let found = memchr(buffer.baseAddress! + offset, Int32(needle[0]), read - needle.count + 1 - offset) else { break }
                        let at = buffer.baseAddress!.distance(to: UnsafeRawPointer(found))
                        if memcmp(found, needle, needle.count) == 0 {
                            hits.append(Hit(address: mapping.start + UInt(at), mapping: mapping.line, flags: mapping.flags))
                        }
                        offset = at + 1
                    }
                }
            }
            return hits
        }
    }
}
