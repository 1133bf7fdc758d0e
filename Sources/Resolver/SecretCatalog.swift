import Synchronization

/// The current secret table of a node, replaced by one atomic swap per committed batch of
/// changes while renders run on other threads.
public final class SecretCatalog: Sendable {
    let id: UInt64
    private let table: Mutex<SecretTable>

    private static let nextID = Atomic<UInt64>(1)

    /// `hashSeed` keys the name hash; a random one by default. `limits` bound every render
    /// with this catalog's tables.
    public init(hashSeed: UInt64 = .random(in: .min ... .max), limits: RenderLimits = .default) {
        id = Self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        table = Mutex(SecretTable(catalogID: id, index: .empty(seed: hashSeed), limits: limits))
    }

    /// The table renders should use now.
    public var current: SecretTable {
        table.withLock { $0 }
    }

    /// Applies a batch of changes as one new generation, in order, and installs it.
    /// All or nothing: an invalid name, or a generation not above the current one, changes nothing.
    @discardableResult
    public func apply(_ changes: [SecretChange], generation: UInt64) throws(CatalogError) -> SecretTable {
        try table.withLock { (current) throws(CatalogError) -> SecretTable in
            let next = try Self.table(after: current, applying: changes, generation: generation)
            current = next
            return next
        }
    }

    /// Installs exactly `secrets` as a new generation (loading a keyspace or a snapshot):
    /// names not listed are removed.
    @discardableResult
    public func replaceAll(with secrets: [(name: String, value: SecretValue)], generation: UInt64) throws(CatalogError) -> SecretTable {
        try table.withLock { (current) throws(CatalogError) -> SecretTable in
            var listed = Set<String>()
            for (name, _) in secrets {
                guard let folded = SecretName.folded(name) else { throw .invalidName(name) }
                listed.insert(folded)
            }
            let removals = current.names.filter { !listed.contains(SecretName.folded($0)!) }.map(SecretChange.remove)
            let sets = secrets.map { SecretChange.set(name: $0.name, value: $0.value) }
            let next = try Self.table(after: current, applying: removals + sets, generation: generation)
            current = next
            return next
        }
    }

    private static func table(
        after current: SecretTable, applying changes: [SecretChange], generation: UInt64
    ) throws(CatalogError) -> SecretTable {
        guard generation > current.generation else {
            throw .staleGeneration(current: current.generation, offered: generation)
        }
        var slotChanges: [(slot: Int, value: SecretValue?)] = []
        var newNames: [String] = []
        var newSlots: [String: Int] = [:]           // folded name -> slot, for names new in this batch
        for change in changes {
            guard let folded = SecretName.folded(change.name) else { throw .invalidName(change.name) }
            let slot = current.index.slot(of: change.name) ?? newSlots[folded]
            switch (change, slot) {
            case (.set(_, let value), let slot?):
                slotChanges.append((slot, value))
            case (.set(let name, let value), nil):
                let slot = current.index.count + newNames.count
                newSlots[folded] = slot
                newNames.append(name)
                slotChanges.append((slot, value))
            case (.remove, let slot?):
                slotChanges.append((slot, nil))
            case (.remove, nil):
                continue
            }
        }
        return current.next(generation: generation, index: current.index.adding(newNames), changes: slotChanges)
    }
}

/// One change to the secret table.
public enum SecretChange: Sendable {
    case set(name: String, value: SecretValue)
    case remove(name: String)

    public var name: String {
        switch self {
        case .set(let name, _), .remove(let name): name
        }
    }
}

public enum CatalogError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidName(String)
    case staleGeneration(current: UInt64, offered: UInt64)

    public var description: String {
        switch self {
        case .invalidName: SecretName.rule
        case .staleGeneration(let current, let offered):
            "generation \(offered) is not after the current generation \(current)"
        }
    }
}
