import Raft

/// Which directed links are cut. Partitions are kept as explicit link sets so symmetric
/// and asymmetric cuts are the same thing.
struct Network {
    private var cut: Set<Link> = []

    struct Link: Hashable {
        var from: NodeID
        var to: NodeID
    }

    func allows(from: NodeID, to: NodeID) -> Bool { !cut.contains(Link(from: from, to: to)) }
    var isPartitioned: Bool { !cut.isEmpty }

    /// Cuts every link between `group` and the rest, both ways.
    mutating func isolate(_ group: [NodeID], from others: [NodeID]) {
        for a in group {
            for b in others {
                cut.insert(Link(from: a, to: b))
                cut.insert(Link(from: b, to: a))
            }
        }
    }

    /// Cuts only one direction: `node` can still send (or still receive) but not both.
    mutating func cutOneWay(_ node: NodeID, others: [NodeID], outgoing: Bool) {
        for b in others {
            cut.insert(outgoing ? Link(from: node, to: b) : Link(from: b, to: node))
        }
    }

    /// Nodes with at least one cut link, in ascending order.
    var impairedNodes: [NodeID] {
        Array(Set(cut.flatMap { [$0.from, $0.to] })).sorted()
    }

    mutating func heal() { cut = [] }

    /// Restores every link of one node.
    mutating func reconnect(_ node: NodeID) {
        cut = cut.filter { $0.from != node && $0.to != node }
    }
}
