import Raft
import Linearizability

/// Clients: each has one operation in flight, follows leader hints, and records the
/// history the linearizability checker reads (Linearizability).
extension Simulation {
    func startOperation(client c: Int) {
        guard phase != .draining, clients[c].pending == nil else { return }
        let input = clients[c].makeInput(keys: options.keys, rng: &rng)
        let opID = clients[c].nextOpID
        clients[c].nextOpID += 1
        // A reader stays with its node (a gateway's), unless that node left the cluster.
        if clients[c].readsOnly, !currentConf().members.contains(clients[c].leaderGuess) || node(clients[c].leaderGuess)?.retired ?? true {
            clients[c].leaderGuess = randomLiveNode()
        }
        let target = clients[c].readsOnly ? clients[c].leaderGuess : rng.chance(0.15) ? randomLiveNode() : clients[c].leaderGuess
        clients[c].pending = Client.Pending(opID: opID, input: input, call: now, node: target)
        queue.push(.request(client: c, opID: opID, node: target, input: input), at: now + rng.inRange(1...3))
        queue.push(.clientTimeout(client: c, opID: opID), at: now + plan.clientTimeout)
    }

    func handleRequest(client c: Int, opID: Int, node id: NodeID, input: KeyValueModel.Input) {
        guard let n = node(id), var raft = n.raft else { return }
        let cmd = Command(client: c, opID: opID, input: input)
        do {
            if case .get = input {
                try raft.readIndex(context: cmd.encoded())
                n.waiters.readRequested([cmd], context: cmd.encoded())
                readFloors[SimNode.ClientOp(client: c, opID: opID)] = highestCommit
            } else {
                try raft.propose(cmd.encoded())
                n.waiters.proposed(cmd, key: SimNode.ClientOp(client: c, opID: opID), at: raft.lastIndex)
            }
        } catch {
            respond(client: c, opID: opID, result: .notLeader(hint: raft.leader))
        }
        n.raft = raft
        afterStep(n)
    }

    func respond(client c: Int, opID: Int, result: ClientResult) {
        queue.push(.response(client: c, opID: opID, result: result), at: now + rng.inRange(1...3))
    }

    func handleResponse(client c: Int, opID: Int, result: ClientResult) {
        guard let pending = clients[c].pending, pending.opID == opID else { return }
        clients[c].pending = nil
        switch result {
        case .notLeader(let hint):
            // Refused without effect: it is not part of the history.
            if !clients[c].readsOnly { clients[c].leaderGuess = hint != noNode ? hint : randomLiveNode() }
            queue.push(.clientNext(client: c), at: now + rng.inRange(1...10))
        case .done(let output):
            history.append((SimNode.ClientOp(client: c, opID: opID), Operation(client: c, input: pending.input, call: pending.call, output: output, returned: now)))
            log("client \(c) op \(opID) \(pending.input) -> \(output) via node \(pending.node)")
            switch (pending.input, output) {
            case (.get(let key), .value(let v?)): clients[c].lastSeen[key] = v
            case (.put(let key, let v), _): clients[c].lastSeen[key] = v
            case (.compareAndSet(let key, _, let v), .swapped(true)): clients[c].lastSeen[key] = v
            default: break
            }
            if phase != .faults && pending.call >= options.faultDuration { clients[c].successesAfterHeal += 1 }
            queue.push(.clientNext(client: c), at: now + rng.inRange(0...5))
        }
    }

    func randomLiveNode() -> NodeID {
        let live = nodes.filter { !$0.retired }
        return live[rng.below(live.count)].id
    }
}
