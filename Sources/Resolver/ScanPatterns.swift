#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The byte strings a scan looks for: every subject's value as is and as each filter writes
/// it, each distinct string once with the (subject, encoding) pairs it stands for. The bytes
/// are secret, so they live in `ScanMemory`, zeroed when the scanner goes.
final class ScanPatterns: @unchecked Sendable {
    struct Owner: Equatable {
        let subject: Int32
        let encoding: ScanEncoding
    }

    /// Values shorter than this are not looked for: too many would match by chance.
    static let minimumValueCount = 8

    private let memory: ScanMemory
    private var storage: UnsafeMutableRawBufferPointer { memory.bytes }
    /// Per distinct pattern: where its bytes start in `storage`, how many, and whose they are.
    let starts: [Int]
    let lengths: [Int]
    let owners: [[Owner]]

    var count: Int { starts.count }
    var base: UnsafeRawPointer { UnsafeRawPointer(storage.baseAddress!) }

    /// `values[i]` is subject `i`'s value; subjects whose value is shorter than
    /// `minimumValueCount` get no pattern.
    init(values: [SecretValue]) {
        var forms: [(subject: Int, encoding: ScanEncoding, length: Int)] = []
        for (subject, value) in values.enumerated() where value.count >= Self.minimumValueCount {
            value.withUnsafeBytes { bytes in
                for encoding in ScanEncoding.allCases {
                    let length = encoding.filter?.encodedCount(bytes) ?? bytes.count
                    // A json or url form as long as the value is the value itself.
                    if encoding != .raw, encoding != .base64, length == bytes.count { continue }
                    forms.append((subject, encoding, length))
                }
            }
        }
        let total = forms.reduce(0) { $0 + $1.length }
        let memory = ScanMemory(byteCount: max(total, 1))
        self.memory = memory
        let storage = memory.bytes
        var offsets: [Int] = []
        var written = 0
        for form in forms {
            offsets.append(written)
            let out = storage.baseAddress!.advanced(by: written).assumingMemoryBound(to: UInt8.self)
            values[form.subject].withUnsafeBytes { bytes in
                if let filter = form.encoding.filter {
                    _ = filter.write(bytes, to: out)
                } else {
                    UnsafeMutableRawPointer(out).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
                }
            }
            written += form.length
        }

        // Equal strings (one value kept under two names or versions) become one pattern.
        let block = UnsafeRawPointer(storage.baseAddress!)
        func order(_ a: Int, _ b: Int) -> Int32 {
            if forms[a].length != forms[b].length { return forms[a].length < forms[b].length ? -1 : 1 }
            return memcmp(block + offsets[a], block + offsets[b], forms[a].length)
        }
        let sorted = forms.indices.sorted { a, b in
            let difference = order(a, b)
            return difference != 0 ? difference < 0 : a < b
        }
        var starts: [Int] = [], lengths: [Int] = [], owners: [[Owner]] = []
        var previous: Int?
        for form in sorted {
            let owner = Owner(subject: Int32(forms[form].subject), encoding: forms[form].encoding)
            if let previous, order(previous, form) == 0 {
                owners[owners.count - 1].append(owner)
            } else {
                starts.append(offsets[form])
                lengths.append(forms[form].length)
                owners.append([owner])
            }
            previous = form
        }
        self.starts = starts
        self.lengths = lengths
        self.owners = owners
    }
}
