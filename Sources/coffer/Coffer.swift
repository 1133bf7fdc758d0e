import ArgumentParser

@main
struct Coffer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coffer",
        abstract: "A replicated secrets store: named secrets, used in templates as {{Secrets.Name}}.",
        discussion: """
            Client commands read COFFER_ADDR (comma-separated https://host:port), COFFER_CACERT, and
            COFFER_TOKEN or COFFER_TOKEN_FILE. Secret values are read from stdin or a file, never from
            the command line.
            """,
        subcommands: [ServerCommand.self, DevCommand.self, SecretCommand.self, RenderCommand.self, TokenCommand.self, ClusterCommand.self,
                      RotationCommand.self, AuditCommand.self, ScanCommand.self])
}
