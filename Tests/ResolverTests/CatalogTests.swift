import Testing
import Resolver

@Suite("Secret catalog")
struct CatalogTests {
    @Test func generationsOnlyMoveForward() throws {
        let catalog = try catalog(["A": "1"])
        #expect(throws: CatalogError.staleGeneration(current: 1, offered: 1)) {
            try catalog.apply([.remove(name: "A")], generation: 1)
        }
        #expect(catalog.current.contains("a"))
    }

    @Test func anInvalidNameRejectsTheWholeBatch() throws {
        let catalog = try catalog(["A": "1"])
        #expect(throws: CatalogError.invalidName("bad name")) {
            try catalog.apply([.set(name: "B", value: try SecretValue([1])), .set(name: "bad name", value: try SecretValue([2]))], generation: 2)
        }
        #expect(catalog.current.generation == 1)
        #expect(catalog.current.names == ["A"])
    }

    @Test func namesAreUniqueCaseInsensitivelyAndKeepTheirFirstSpelling() throws {
        let catalog = try catalog(["MySecret": "1"])
        try catalog.apply([.set(name: "MYSECRET", value: try SecretValue(Array("2".utf8)))], generation: 2)
        #expect(catalog.current.names == ["MySecret"])
        #expect(try catalog.current.renderBoth("{{Secrets.mysecret}}") == "2")
    }

    @Test func aBatchThatCreatesTheSameNameTwiceKeepsTheLastValue() throws {
        let catalog = SecretCatalog()
        try catalog.apply([.set(name: "New", value: try SecretValue([0x31])), .set(name: "NEW", value: try SecretValue([0x32]))], generation: 1)
        #expect(catalog.current.names == ["New"])
        #expect(try catalog.current.renderBoth("{{Secrets.new}}") == "2")
    }

    @Test func deleteAndRecreate() throws {
        let catalog = try catalog(["A": "1", "B": "2"])
        try catalog.apply([.remove(name: "a")], generation: 2)
        #expect(catalog.current.names == ["B"])
        #expect(catalog.current.count == 1)
        try catalog.apply([.set(name: "a", value: try SecretValue(Array("3".utf8)))], generation: 3)
        #expect(try catalog.current.renderBoth("{{Secrets.A}}{{Secrets.B}}") == "32")
    }

    @Test func replaceAllInstallsExactlyTheGivenSecrets() throws {
        let catalog = try catalog(["A": "1", "B": "2"])
        let compiled = try CompiledTemplate(Array("{{Secrets.B}}".utf8), table: catalog.current)
        try catalog.replaceAll(with: [(name: "b", value: try SecretValue(Array("20".utf8))), (name: "C", value: try SecretValue(Array("30".utf8)))], generation: 5)
        #expect(catalog.current.names == ["B", "C"])
        #expect(try compiled.render(with: catalog.current).bytes == Array("20".utf8))
        #expect(catalog.current.generation == 5)
    }

    /// Random batches of creates, rotations and deletes over 300 names (five chunks of slots and
    /// more) leave each generation exactly as a plain dictionary says, and every older
    /// generation as it was.
    @Test func randomBatchesMatchAModelAcrossChunks() throws {
        let seed = SeededGenerator.seedForTest("randomBatchesMatchAModelAcrossChunks")
        var rng = SeededGenerator(seed: seed)
        let catalog = SecretCatalog(hashSeed: 7)
        var model: [String: String] = [:]
        var history: [(table: SecretTable, model: [String: String])] = []
        for generation in UInt64(1)...60 {
            var changes: [SecretChange] = []
            for _ in 0..<Int.random(in: 1...40, using: &rng) {
                let name = "Name\(Int.random(in: 0..<300, using: &rng))"
                if Int.random(in: 0..<4, using: &rng) == 0 {
                    changes.append(.remove(name: name.uppercased()))
                    model[name] = nil
                } else {
                    let value = "v\(generation)-\(Int.random(in: 0..<1_000, using: &rng))"
                    changes.append(.set(name: name, value: try SecretValue(Array(value.utf8))))
                    model[name] = value
                }
            }
            try catalog.apply(changes, generation: generation)
            history.append((catalog.current, model))
        }
        for (table, expected) in history {
            #expect(table.count == expected.count, "seed \(seed), generation \(table.generation)")
            #expect(Set(table.names) == Set(expected.keys), "seed \(seed), generation \(table.generation)")
            for index in 0..<300 {
                let name = "Name\(index)"
                if let value = expected[name] {
                    #expect(try table.renderBoth("{{Secrets.\(name.lowercased())}}") == value, "seed \(seed), \(name)")
                } else {
                    #expect(!table.contains(name), "seed \(seed), \(name)")
                }
            }
        }
    }

    @Test func oldTablesStayIntactAfterASwap() throws {
        let catalog = try catalog(["A": "old"])
        let before = catalog.current
        try catalog.apply([.set(name: "A", value: try SecretValue(Array("new".utf8)))], generation: 2)
        #expect(try before.renderBoth("{{Secrets.A}}") == "old")
        #expect(try catalog.current.renderBoth("{{Secrets.A}}") == "new")
    }

    @Test func valuesAreBoundedAndNeverPrinted() throws {
        #expect(throws: SecretValueError.empty) { try SecretValue([UInt8]()) }
        #expect(throws: SecretValueError.tooLarge) { try SecretValue([UInt8](repeating: 1, count: SecretValue.maxCount + 1)) }
        let value = try SecretValue(Array("hunter2".utf8))
        #expect("\(value)" == "SecretValue(7 bytes)")
        #expect(value.hasSameBytes(as: Array("hunter2".utf8)))
        #expect(!value.hasSameBytes(as: Array("hunter3".utf8)))
    }

    @Test func aThousandSecretsAllResolve() throws {
        let catalog = SecretCatalog()
        try catalog.apply((0..<1_000).map { .set(name: "Secret_\($0)", value: try SecretValue(Array("v\($0)".utf8))) }, generation: 1)
        for index in stride(from: 0, to: 1_000, by: 37) {
            #expect(try catalog.current.renderBoth("{{Secrets.SECRET_\(index)}}") == "v\(index)")
        }
        #expect(catalog.current.problems("{{Secrets.Secret_1000}}").map(\.kind) == [.unknownSecret])
    }
}

/// The secrets a template names, for the usage trail.
@Suite("Template references")
struct TemplateReferenceTests {
    @Test func eachPresentSecretOnceWithItsVersion() throws {
        let catalog = SecretCatalog(hashSeed: 3)
        let table = try catalog.replaceAll(with: [("Stripe", try SecretValue(Array("s".utf8), version: 4)),
                                                  ("Db", try SecretValue(Array("d".utf8), version: 1))], generation: 9)
        let template = "{{Secrets.stripe}} {{Secrets.Db|json}} {{Secrets.STRIPE}} {{Secrets.Missing}} {{Secrets.}}"
        let found = Array(template.utf8).withUnsafeBytes { table.references(in: $0) }
        #expect(found.map(\.name) == ["Stripe", "Db"])
        #expect(found.map(\.version) == [4, 1])
        #expect(table.version(of: "STRIPE") == 4 && table.version(of: "Missing") == nil)
        // Thousands of references stay one pass.
        let many = String(repeating: "{{Secrets.Db}}{{Secrets.Stripe}}", count: 2_000)
        #expect(Array(many.utf8).withUnsafeBytes { table.references(in: $0) }.count == 2)
    }
}
