import CofferStore
import Resolver

extension Node {
    /// The scanner for every version this node keeps.
    public func valueScanner() throws -> ValueScanner {
        try valueScanners.scanner(keyspace: keyspace)
    }
}
