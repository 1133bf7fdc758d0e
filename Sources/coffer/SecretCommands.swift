import ArgumentParser
import CofferClient
import Foundation

struct SecretCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret", abstract: "Create, list, show, rotate and delete secrets.",
        subcommands: [Create.self, List.self, Show.self, Versions.self, Rotate.self, Rollback.self, Leak.self, Hosts.self, Usage.self,
                      Delete.self])

    /// Where a new value comes from: stdin (default), a file, or the server's generator.
    struct ValueOptions: ParsableArguments {
        @Flag(help: "Have the server generate a random value; it is printed once.")
        var generate = false

        @Option(help: "Length of a generated value (8-4096).")
        var length: Int?

        @Option(help: "Read the value from this file, byte for byte.")
        var valueFile: String?

        func validate() throws {
            if generate && valueFile != nil { throw ValidationError("give --generate or --value-file, not both") }
            if length != nil && !generate { throw ValidationError("--length goes with --generate") }
        }

        /// The JSON fields that carry the value.
        func body() throws -> [String: Any] {
            if generate { return ["generate": length.map { ["length": $0] } ?? [:]] }
            let bytes: [UInt8]
            if let valueFile {
                guard let data = FileManager.default.contents(atPath: valueFile) else {
                    throw ValidationError("cannot read \(valueFile)")
                }
                bytes = Array(data)
            } else {
                bytes = try ValueInput.fromStandardInput()
            }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw ValidationError("the value must be UTF-8 text")
            }
            return ["value": text]
        }
    }

    /// New values for one or many secrets: stdin, --value-file or --generate for one name;
    /// --values-file or --generate for several.
    struct NewValues: ParsableArguments {
        @OptionGroup var value: ValueOptions
        @Option(help: "A JSON file of name to new value, one entry per NAME.") var valuesFile: String?

        func check(_ names: [String]) throws {
            guard !names.isEmpty else { throw ValidationError("name at least one secret") }
            if valuesFile != nil && (value.generate || value.valueFile != nil) {
                throw ValidationError("give --values-file, --generate or --value-file, not several")
            }
            if names.count > 1 && valuesFile == nil && !value.generate {
                throw ValidationError("with several names, give --values-file or --generate")
            }
        }

        /// The request fields that carry them (`values`, or `names` with `generate`).
        func fields(for names: [String]) throws -> [String: Any] {
            if let valuesFile { return ["values": try Rotate.values(from: valuesFile, for: names)] }
            if value.generate { return ["names": names, "generate": value.length.map { ["length": $0] } ?? [:]] }
            return ["values": [names[0]: try value.body()["value"] as Any]]
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a secret. The value comes from stdin unless --generate or --value-file.")

        @Argument(help: "The secret's name: 1-128 of A-Z a-z 0-9 _ -, unique in any case.")
        var name: String

        @OptionGroup var value: ValueOptions
        @Option(name: .customLong("allow-host"), help: """
            Render the secret only into requests to this host (api.stripe.com, '*.stripe.com', host:8443); \
            repeat for more. Default: anywhere.
            """) var allowHosts: [String] = []

        func run() async throws {
            var body = try value.body()
            body["name"] = name
            if !allowHosts.isEmpty { body["allow_hosts"] = allowHosts }
            try await ClientRun.with { client in
                let response = try ClientRun.expect(try await client.json(.POST, "/v1/secrets", body), 201)
                let object = ClientRun.object(response)
                Output.note("Created secret '\(object["name"] ?? name)' (version \(object["version"] ?? 1)).")
                if let generated = object["value"] as? String {
                    Output.note("The generated value is shown this once:")
                    Output.line(generated)
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List secrets (metadata only).")

        @Flag(help: "Print the API's JSON.") var json = false

        func run() async throws {
            try await ClientRun.with { client in
                let response = try ClientRun.expect(try await client.send(.GET, "/v1/secrets"), 200)
                if json { return Output.raw(response.body + [0x0A]) }
                let secrets = ClientRun.object(response)["secrets"] as? [[String: Any]] ?? []
                Output.table([["NAME", "VERSION", "UPDATED", "BY", "HOSTS"]] + secrets.map {
                    let hosts = $0["allowed_hosts"] as? [String] ?? []
                    return ["\($0["name"] ?? "")", "\($0["version"] ?? "")", "\($0["updated_at"] ?? "")", "\($0["updated_by"] ?? "")",
                            hosts.isEmpty ? "*" : hosts.joined(separator: ",")]
                })
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a secret's metadata and versions (never its value).")

        @Argument var name: String
        @Flag(help: "Print the API's JSON.") var json = false

        func run() async throws {
            try await ClientRun.with { client in
                let response = try ClientRun.expect(try await client.send(.GET, "/v1/secrets/\(pathSegment(name))"), 200)
                if json { return Output.raw(response.body + [0x0A]) }
                let object = ClientRun.object(response)
                for key in ["name", "version", "created_at", "created_by", "updated_at", "updated_by"] {
                    Output.line("\(key.padding(toLength: 11, withPad: " ", startingAt: 0)) \(object[key] ?? "")")
                }
                let hosts = object["allowed_hosts"] as? [String] ?? []
                Output.line("hosts       \(hosts.isEmpty ? "anywhere" : hosts.joined(separator: ", "))")
                for version in object["versions"] as? [[String: Any]] ?? [] {
                    Output.line("version \(version["version"] ?? "")  \(version["created_at"] ?? "")  \(version["created_by"] ?? "")")
                }
            }
        }
    }

    struct Versions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every version of a secret: when and by whom it was made, whether its value is kept, its last use.",
            discussion: "The last use is the latest render of that version on any member that answered (coffer secret usage).")

        @Argument var name: String
        @Flag(help: "Print the versions as JSON.") var json = false

        func run() async throws {
            try await ClientRun.with { client in
                let secret = ClientRun.object(try ClientRun.expect(try await client.send(.GET, "/v1/secrets/\(pathSegment(name))"), 200))
                let usage = ClientRun.object(try ClientRun.expect(try await client.send(.GET, "/v1/secrets/\(pathSegment(name))/usage"), 200))
                var lastUse: [String: String] = [:]
                for line in usage["usage"] as? [[String: Any]] ?? [] where line["outcome"] as? String == "rendered" {
                    let version = "\(line["version"] ?? "")"
                    if let last = line["last"] as? String, last > lastUse[version] ?? "" { lastUse[version] = last }
                }
                let current = "\(secret["version"] ?? "")"
                var rows: [[String: Any]] = []
                for version in (secret["versions"] as? [[String: Any]] ?? []).reversed() {
                    let number = "\(version["version"] ?? "")"
                    var row = version
                    row["current"] = number == current
                    row["last_use"] = lastUse[number] ?? NSNull()
                    rows.append(row)
                }
                if json {
                    return Output.raw(Array(try JSONSerialization.data(withJSONObject: ["versions": rows], options: [.sortedKeys])) + [0x0A])
                }
                Output.table([["VERSION", "CREATED", "BY", "VALUE", "COMPROMISED", "LAST USE"]] + rows.map { row in
                    let value = row["current"] as? Bool == true ? "current" : (row["kept"] as? Bool == true ? "kept" : "gone")
                    let compromised = (row["compromised"] as? [String: Any]).map { "\($0["at"] ?? "") by \($0["by"] ?? ""): \($0["reason"] ?? "")" } ?? ""
                    return ["\(row["version"] ?? "")", "\(row["created_at"] ?? "")", "\(row["created_by"] ?? "")", value, compromised,
                            row["last_use"] as? String ?? "never"]
                })
                if let unreachable = usage["unreachable"] as? [String], !unreachable.isEmpty {
                    Output.note("Not asked for usage (unreachable): \(unreachable.joined(separator: ", ")).")
                }
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give one or many secrets new values, all in one step on every node.",
            discussion: "With one name, the value comes from stdin unless --generate or --value-file. With several, "
                + "give --values-file (a JSON object of name to value) or --generate (a value per secret). "
                + "An unknown name or a bad value rejects the whole rotation and changes nothing.")

        @Argument(help: "The secrets to rotate.") var names: [String]
        @OptionGroup var values: NewValues
        @OptionGroup var wait: RotationWaitOptions

        func validate() throws { try values.check(names) }

        func run() async throws {
            try await RotationOutput.submit(wait.fields.merging(try values.fields(for: names)) { $1 }, json: wait.json)
        }

        /// The file's values, checked to name exactly the secrets on the command line.
        static func values(from file: String, for names: [String]) throws -> [String: String] {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            guard let values = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw ValidationError("\(file) must hold a JSON object of secret name to value")
            }
            var strings: [String: String] = [:]
            for (name, value) in values {
                guard let text = value as? String else { throw ValidationError("the value for '\(name)' in \(file) must be a string") }
                strings[name] = text
            }
            let listed = Set(names.map { $0.lowercased() })
            let given = Set(strings.keys.map { $0.lowercased() })
            if let missing = names.first(where: { !given.contains($0.lowercased()) }) {
                throw ValidationError("\(file) has no value for '\(missing)'")
            }
            if let extra = strings.keys.sorted().first(where: { !listed.contains($0.lowercased()) }) {
                throw ValidationError("\(file) has a value for '\(extra)', which is not named on the command line")
            }
            return strings
        }
    }

    struct Leak: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Report secrets leaked: rotate them, mark their current versions compromised, and show who used those versions.",
            discussion: """
                One step on every node: each secret gets a new value (stdin for one name, --value-file, --values-file or \
                --generate) and the version it had is marked compromised for good (no rollback returns to it). The answer \
                lists, per compromised version, every token, address and node that used it, refused attempts included. \
                With --revoke-tokens the tokens that rendered a compromised version are revoked in the same step.
                """)

        @Argument(help: "The leaked secrets.") var names: [String]
        @OptionGroup var values: NewValues
        @Option(help: "Why (one line, kept with each compromised version).") var reason: String?
        @Flag(help: "Revoke every token that rendered a compromised version.") var revokeTokens = false
        @OptionGroup var wait: RotationWaitOptions

        func validate() throws { try values.check(names) }

        func run() async throws {
            var body = wait.fields.merging(try values.fields(for: names)) { $1 }
            if let reason { body["reason"] = reason }
            if revokeTokens { body["revoke_tokens"] = true }
            try await ClientRun.with { client in
                let response = try ClientRun.expect(try await client.json(.POST, "/v1/leaks", body), 200)
                if wait.json { return Output.raw(response.body + [0x0A]) }
                let report = ClientRun.object(response)
                let rotation = report["rotation"] as? [String: Any] ?? [:]
                for secret in rotation["secrets"] as? [[String: Any]] ?? [] {
                    Output.note("Secret '\(secret["name"] ?? "")' is now version \(secret["version"] ?? "").")
                }
                for (name, generated) in (rotation["values"] as? [String: String] ?? [:]).sorted(by: { $0.key < $1.key }) {
                    Output.line("\(name)=\(generated)")
                }
                for leaked in report["compromised"] as? [[String: Any]] ?? [] {
                    let usage = leaked["usage"] as? [[String: Any]] ?? []
                    Output.note("Version \(leaked["version"] ?? "") of '\(leaked["name"] ?? "")' is compromised; "
                                + (usage.isEmpty ? "no member recorded a use of it." : "its use:"))
                    if !usage.isEmpty {
                        Output.table([["TOKEN", "ROLE", "CLIENT", "NODE", "OUTCOME", "COUNT", "FIRST", "LAST"]] + usage.map { line in
                            ["\(line["token_id"] ?? "")" + ((line["token_name"] as? String).map { " (\($0))" } ?? ""),
                             line["token_role"] as? String ?? "", "\(line["client"] ?? "")", "\(line["node"] ?? "")",
                             "\(line["outcome"] ?? "")", "\(line["count"] ?? "")", "\(line["first"] ?? "")", "\(line["last"] ?? "")"]
                        })
                    }
                }
                if let revoked = report["revoked_tokens"] as? [String], !revoked.isEmpty {
                    Output.note("Revoked tokens: \(revoked.joined(separator: ", ")).")
                }
                if let unreachable = report["unreachable"] as? [String], !unreachable.isEmpty {
                    Output.note("Not asked for usage (unreachable): \(unreachable.joined(separator: ", ")); their renders are not listed.")
                }
                if rotation["complete"] as? Bool != true {
                    Output.note("Not every member has applied it yet: coffer rotation status \(rotation["id"] ?? "").")
                }
            }
        }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give each secret its previous value again, as one more atomic rotation (new version numbers).",
            discussion: """
                A secret without a previous version rejects the whole rollback. With --to-version, one secret \
                goes back to that version, if it is one of the last 10 (coffer secret versions shows which are kept).
                """)

        @Argument(help: "The secrets to roll back.") var names: [String]
        @Option(help: "Roll one secret back to this version.") var toVersion: UInt64?
        @OptionGroup var wait: RotationWaitOptions

        func validate() throws {
            if toVersion != nil, names.count != 1 { throw ValidationError("--to-version rolls back one secret") }
        }

        func run() async throws {
            var body = wait.fields
            body["rollback"] = names
            if let toVersion { body["to_version"] = toVersion }
            try await RotationOutput.submit(body, json: wait.json)
        }
    }

    struct Hosts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set or clear the hosts a secret may be sent to (one step, audited).",
            discussion: """
                A render places the secret only when the request's destination (its URL, its Host header, \
                or destination=) is one of these hosts; '*.example.com' takes any name under example.com \
                but not example.com itself. Without a list the secret renders anywhere.
                """)

        @Argument var name: String
        @Option(name: .customLong("set"), parsing: .upToNextOption, help: "The new list of hosts.") var hosts: [String] = []
        @Flag(help: "Remove the list: the secret renders anywhere.") var clear = false

        func validate() throws {
            guard clear != !hosts.isEmpty else { throw ValidationError("give --set HOST... or --clear") }
        }

        func run() async throws {
            try await ClientRun.with { client in
                let response = try await client.json(.PUT, "/v1/secrets/\(pathSegment(name))/hosts", ["hosts": hosts])
                _ = try ClientRun.expect(response, 200)
                Output.note(hosts.isEmpty ? "Secret '\(name)' renders anywhere." : "Secret '\(name)' renders only to \(hosts.joined(separator: ", ")).")
            }
        }
    }

    struct Usage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Who rendered a secret, or was refused it: token, client address, node, version, counts, first and last use.",
            discussion: """
                Every member counts the renders it serves; this asks them all and adds up the minutes. Members \
                that could not be asked are named. A node writes its counts once a second: a node killed \
                with kill -9 loses at most its last second.
                """)

        @Argument var name: String
        @Option(help: "From how long ago (90s, 30m, 24h, 7d) or since when (RFC 3339).") var since: String?
        @Option(help: "Only this version.") var version: UInt64?
        @Flag(help: "Print the API's JSON.") var json = false

        func run() async throws {
            try await ClientRun.with { client in
                var query: [String] = []
                if let since {
                    // '+' of a time zone must reach the server as '+', not as a space.
                    let safe = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~:"))
                    query.append("since=\(since.addingPercentEncoding(withAllowedCharacters: safe) ?? since)")
                }
                if let version { query.append("version=\(version)") }
                let path = "/v1/secrets/\(pathSegment(name))/usage" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
                let response = try ClientRun.expect(try await client.send(.GET, path), 200)
                if json { return Output.raw(response.body + [0x0A]) }
                let report = ClientRun.object(response)
                let lines = report["usage"] as? [[String: Any]] ?? []
                Output.table([["VERSION", "TOKEN", "ROLE", "CLIENT", "NODE", "OUTCOME", "COUNT", "FIRST", "LAST"]] + lines.map { line in
                    let token = "\(line["token_id"] ?? "")" + ((line["token_name"] as? String).map { " (\($0))" } ?? " (revoked)")
                    return ["\(line["version"] ?? "")", token, line["token_role"] as? String ?? "", "\(line["client"] ?? "")",
                            "\(line["node"] ?? "")", "\(line["outcome"] ?? "")", "\(line["count"] ?? "")",
                            "\(line["first"] ?? "")", "\(line["last"] ?? "")"]
                })
                if let unreachable = report["unreachable"] as? [String], !unreachable.isEmpty {
                    Output.note("Not asked (unreachable): \(unreachable.joined(separator: ", ")); their renders are not counted above.")
                }
                if let truncated = report["truncated"] as? [String], !truncated.isEmpty {
                    Output.note("Cut short (too many lines): \(truncated.joined(separator: ", ")); give a later --since.")
                }
                if let off = report["trail_off"] as? [String], !off.isEmpty {
                    Output.note("Keep no usage trail (usage.enabled is false): \(off.joined(separator: ", ")); their renders are not counted.")
                }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a secret and all its versions.")

        @Argument var name: String

        func run() async throws {
            try await ClientRun.with { client in
                _ = try ClientRun.expect(try await client.send(.DELETE, "/v1/secrets/\(pathSegment(name))"), 204)
                Output.note("Deleted secret '\(name)'.")
            }
        }
    }
}

enum ValueInput {
    /// All of stdin, less one trailing line break (what `echo` or a here-string adds). At a
    /// terminal it prompts without echo.
    static func fromStandardInput() throws -> [UInt8] {
        var bytes: [UInt8]
        if isatty(STDIN_FILENO) == 1 {
            guard let entered = getpass("Value (not echoed): ") else { throw ValidationError("no value entered") }
            bytes = Array(String(cString: entered).utf8)
        } else {
            bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
        }
        if bytes.last == 0x0A { bytes.removeLast() }
        if bytes.last == 0x0D { bytes.removeLast() }
        guard !bytes.isEmpty else { throw ValidationError("the value is empty (pipe it on stdin, or use --value-file or --generate)") }
        return bytes
    }
}
