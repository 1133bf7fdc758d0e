#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One generation of the secrets a render can use. Immutable: a change builds the next
/// table, and the catalog swaps it in whole, so a render sees exactly one generation.
///
/// The next generation shares what did not change: values live in chunks of 64 slots, and a
/// change copies only the chunks it touches, so a rotation costs about the same among ten
/// secrets as among ten thousand (a full copy retained and released every value each time).
public final class SecretTable: @unchecked Sendable {
    /// Increases with every installed change; a render reports the one it used.
    public let generation: UInt64
    let catalogID: UInt64
    /// The bounds every render with this table keeps (the catalog's).
    public let limits: RenderLimits
    let index: NameIndex
    /// The values by slot, `chunkSize` to a chunk; `nil` where a name was deleted. Keeps the
    /// bytes that `entries` points into alive.
    private let chunks: [ValueChunk]
    /// Slots in use: every name the index has given a slot.
    let slotCount: Int
    /// The number of secrets in this generation.
    public let count: Int
    /// A flat, reference-count-free view of the values for the render loop.
    let entries: UnsafeMutableBufferPointer<ValueEntry>

    static let chunkShift = 6
    static let chunkSize = 1 << chunkShift

    /// The empty table of a new catalog.
    init(catalogID: UInt64, index: NameIndex, limits: RenderLimits) {
        precondition(index.count == 0)
        generation = 0
        self.catalogID = catalogID
        self.limits = limits
        self.index = index
        chunks = []
        slotCount = 0
        count = 0
        entries = .allocate(capacity: 1)
    }

    private init(generation: UInt64, catalogID: UInt64, limits: RenderLimits, index: NameIndex, chunks: [ValueChunk],
                 slotCount: Int, count: Int, entries: UnsafeMutableBufferPointer<ValueEntry>) {
        self.generation = generation
        self.catalogID = catalogID
        self.limits = limits
        self.index = index
        self.chunks = chunks
        self.slotCount = slotCount
        self.count = count
        self.entries = entries
    }

    deinit {
        entries.deallocate()
    }

    /// The next generation: `index` (this table's, or one with more names) and each listed
    /// slot's new value (`nil` removes it); the last change to a slot wins.
    func next(generation: UInt64, index: NameIndex, changes: [(slot: Int, value: SecretValue?)]) -> SecretTable {
        precondition(index.count >= slotCount)
        let slots = index.count
        let entries = UnsafeMutableBufferPointer<ValueEntry>.allocate(capacity: max(slots, 1))
        if slotCount > 0 { entries.baseAddress!.initialize(from: self.entries.baseAddress!, count: slotCount) }
        if slots > slotCount { (entries.baseAddress! + slotCount).initialize(repeating: ValueEntry(nil), count: slots - slotCount) }

        var chunks = self.chunks
        let chunkCount = (slots + Self.chunkSize - 1) >> Self.chunkShift
        var touched: [Int: [SecretValue?]] = [:]
        var count = self.count
        for (slot, value) in changes {
            precondition(slot < slots, "a change to a slot the index has not given")
            let chunk = slot >> Self.chunkShift, offset = slot & (Self.chunkSize - 1)
            if touched[chunk] == nil {
                var values = chunk < chunks.count ? chunks[chunk].values : []
                values += Array(repeating: nil, count: Self.chunkSize - values.count)
                touched[chunk] = values
            }
            count += (value == nil ? 0 : 1) - (touched[chunk]![offset] == nil ? 0 : 1)
            touched[chunk]![offset] = value
            entries[slot] = ValueEntry(value)
        }
        while chunks.count < chunkCount { chunks.append(ValueChunk.empty) }
        for (chunk, values) in touched { chunks[chunk] = ValueChunk(values) }
        return SecretTable(generation: generation, catalogID: catalogID, limits: limits, index: index, chunks: chunks,
                           slotCount: slots, count: count, entries: entries)
    }

    /// This generation with only the secrets whose names `allows` takes in: what one token
    /// may use. Every render path and the template check then see the others as unknown.
    /// Costs a pass over the slots, so it is made once per token and generation, not per render.
    public func restricted(to allows: (String) -> Bool) -> SecretTable {
        let entries = UnsafeMutableBufferPointer<ValueEntry>.allocate(capacity: max(slotCount, 1))
        entries.baseAddress!.initialize(repeating: ValueEntry(nil), count: max(slotCount, 1))
        var kept = 0
        let chunks = self.chunks.enumerated().map { chunk, values in
            ValueChunk(values.values.enumerated().map { offset, value -> SecretValue? in
                let slot = chunk << Self.chunkShift + offset
                guard let value, slot < slotCount, allows(index.displayNames[slot]) else { return nil }
                entries[slot] = self.entries[slot]
                kept += 1
                return value
            })
        }
        return SecretTable(generation: generation, catalogID: catalogID, limits: limits, index: index, chunks: chunks,
                           slotCount: slotCount, count: kept, entries: entries)
    }

    /// The value in `slot`, if one is present.
    func value(at slot: Int) -> SecretValue? {
        let chunk = slot >> Self.chunkShift, offset = slot & (Self.chunkSize - 1)
        guard chunk < chunks.count, offset < chunks[chunk].values.count else { return nil }
        return chunks[chunk].values[offset]
    }

    /// Names of the present secrets as first written, in the order they were first created.
    public var names: [String] {
        (0..<slotCount).compactMap { value(at: $0) == nil ? nil : index.displayNames[$0] }
    }

    public func contains(_ name: String) -> Bool {
        slot(of: name) != nil
    }

    /// The slot of a present secret.
    func slot(of name: String) -> Int? {
        guard let slot = index.slot(of: name), value(at: slot) != nil else { return nil }
        return slot
    }

    func value(named name: String) -> SecretValue? {
        slot(of: name).flatMap { value(at: $0) }
    }
}

/// Up to 64 consecutive slots' values, shared by every generation that did not change them.
final class ValueChunk: Sendable {
    let values: [SecretValue?]

    static let empty = ValueChunk([])

    init(_ values: [SecretValue?]) { self.values = values }
}

/// What the render loop needs of one value, without touching its reference count.
struct ValueEntry {
    var base: UnsafeRawPointer?
    var count: Int32
    var jsonCount: Int32
    var urlCount: Int32
    var breaksHeaderLine: Bool

    init(_ value: SecretValue?) {
        base = value.map { UnsafeRawPointer($0.bytes.baseAddress!) }
        count = Int32(value?.count ?? 0)
        jsonCount = value?.jsonCount ?? 0
        urlCount = value?.urlCount ?? 0
        breaksHeaderLine = value?.breaksHeaderLine ?? false
    }

    var isPresent: Bool { base != nil }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: Int(count)) }
}
