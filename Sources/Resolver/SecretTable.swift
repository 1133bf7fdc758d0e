/// One generation of the secrets a render can use. Immutable: a change builds the next
/// table, and the catalog swaps it in whole, so a render sees exactly one generation.
public final class SecretTable: @unchecked Sendable {
    /// Increases with every installed change; a render reports the one it used.
    public let generation: UInt64
    let catalogID: UInt64
    let index: NameIndex
    /// The values by slot; `nil` where a name was deleted. Keeps the bytes that `entries` points into alive.
    let values: [SecretValue?]
    /// A flat, reference-count-free view of `values` for the render loop.
    let entries: UnsafeMutableBufferPointer<ValueEntry>

    init(generation: UInt64, catalogID: UInt64, index: NameIndex, values: [SecretValue?]) {
        precondition(values.count == index.count)
        self.generation = generation
        self.catalogID = catalogID
        self.index = index
        self.values = values
        entries = .allocate(capacity: max(values.count, 1))
        for (slot, value) in values.enumerated() {
            (entries.baseAddress! + slot).initialize(to: ValueEntry(value))
        }
    }

    deinit {
        entries.baseAddress!.deinitialize(count: values.count)
        entries.deallocate()
    }

    /// The number of secrets in this generation.
    public var count: Int { values.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

    /// Names of the present secrets as first written, in the order they were first created.
    public var names: [String] {
        zip(index.displayNames, values).compactMap { $1 == nil ? nil : $0 }
    }

    public func contains(_ name: String) -> Bool {
        slot(of: name) != nil
    }

    /// The slot of a present secret.
    func slot(of name: String) -> Int? {
        guard let slot = index.slot(of: name), values[slot] != nil else { return nil }
        return slot
    }

    func value(named name: String) -> SecretValue? {
        slot(of: name).flatMap { values[$0] }
    }
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
