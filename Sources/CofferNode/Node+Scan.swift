import CofferStore
import Resolver

extension Node {
    /// The scanner for every version this node keeps, as of its current table generation.
    public func valueScanner() throws -> ValueScanner {
        try valueScanners.scanner(generation: catalog.current.generation, keyspace: keyspace)
    }
}
