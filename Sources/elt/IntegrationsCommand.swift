import ArgumentParser
import ELT
import ELTApp
import Foundation

/// `elt integrations list | show | add | set | remove`: the connected integrations in the data database.
struct IntegrationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "integrations",
        abstract: "List, add, change or remove the connected integrations a run processes.",
        discussion: """
            Each integration is one tenant: an organization connected to an identity provider, \
            whose users `elt run --source http` fetches from provider_data.api_endpoint. A header \
            credential is never stored: --auth-header-env names an environment variable whose value \
            is sent as the Authorization header when a run fetches pages. An integration is named by its \
            id or by ORGANIZATION/PROVIDER. The commands work on the data database directly \
            (--data-path or --data-database-url), whether or not a server runs.
            """,
        subcommands: [IntegrationsListCommand.self, IntegrationsShowCommand.self, IntegrationsAddCommand.self, IntegrationsSetCommand.self, IntegrationsRemoveCommand.self])
}

/// Where the data database is, and the output form.
struct DataOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The directory of the data database (data.sqlite). Default: ./.elt.", discussion: "Environment: ELT_DATA_PATH."))
    var dataPath: String?

    @Option(help: ArgumentHelp("The data store as a postgres:// URL. Default: <data-path>/data.sqlite.",
                               discussion: "Environment: ELT_DATA_DATABASE_URL."))
    var dataDatabaseURL: String?

    @Option(help: "The schema of the data tables on Postgres.")
    var dataSchema = "public"

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    /// Runs `body` with a registry over the data store, closed afterwards. Unless `creating`
    /// (`add`), a data database that does not exist is refused, not created empty.
    func withRegistry<T>(creating: Bool = false, _ body: (IntegrationRegistry) async throws -> T) async throws -> T {
        let configuration = ELTConfiguration(dataPath: dataPath, dataDatabaseURL: dataDatabaseURL, dataSchema: dataSchema)
        if !creating { try await configuration.requireExistingDataStore() }
        let store = try await configuration.makeDataStore()
        do {
            let result = try await body(IntegrationRegistry(store: store))
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }

    /// One integration as `key: value` lines, or its JSON.
    func show(_ integration: ConnectedIntegration) -> String {
        if json { return Output.json(integration) }
        let data = integration.providerData
        let lines = [
            ("id", integration.id), ("organization", integration.organizationID), ("provider", integration.provider),
            ("api_endpoint", data.apiEndpoint.map(EndpointSecrets.redacted) ?? "-"), ("auth_header_env", data.authHeaderEnv ?? "-"),
            ("permission_source_name", data.permissionSourceName),
        ] + (data.snapshot.map { [("snapshot", "\($0)")] } ?? [])
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n")
    }
}

/// `elt integrations list`
struct IntegrationsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the connected integrations, by organization and provider.")

    @OptionGroup var options: DataOptions

    func run() async throws {
        try await runReportingErrors {
            let integrations = try await options.withRegistry { try await $0.list() }
            if options.json {
                print(Output.json(integrations))
            } else if integrations.isEmpty {
                print("No connected integrations. Add one with: elt integrations add --organization ORG --provider NAME --endpoint URL")
            } else {
                print(Output.table(["ID", "ORGANIZATION", "PROVIDER", "API ENDPOINT", "AUTH HEADER ENV"], integrations.map {
                    [$0.id, $0.organizationID, $0.provider, $0.providerData.apiEndpoint.map(EndpointSecrets.redacted) ?? "-",
                     $0.providerData.authHeaderEnv ?? "-"]
                }))
            }
        }
    }
}

/// `elt integrations add --organization ORG --provider NAME --endpoint URL [--auth-header-env VAR]`
struct IntegrationsAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Connect an organization's identity provider: the users API a run fetches from.")

    @Option(help: "The organization, e.g. acme.")
    var organization: String

    @Option(help: "The identity provider, e.g. okta. One integration per organization and provider.")
    var provider: String

    @Option(help: "The users API: an http:// or https:// URL with a host (provider_data.api_endpoint).")
    var endpoint: String

    @Option(help: ArgumentHelp("The NAME of the environment variable whose value is sent as the Authorization header (e.g. ELT_ACME_AUTH holding 'Bearer …').",
                               discussion: "Only the name is stored; the variable is read when a run fetches pages."))
    var authHeaderEnv: String?

    @Option(help: "provider_data.permission_source_name (default: Okta, Google Workspace, Azure AD or Slack for those providers, else the provider).")
    var permissionSourceName: String?

    @OptionGroup var options: DataOptions

    func run() async throws {
        try await runReportingErrors {
            let request = NewIntegration(organizationID: organization, provider: provider, apiEndpoint: endpoint,
                                         authHeaderEnv: authHeaderEnv, permissionSourceName: permissionSourceName)
            let integration = try await options.withRegistry(creating: true) { try await $0.add(request) }
            if options.json {
                print(options.show(integration))
            } else {
                print("Added integration \(integration.id) (\(integration.organizationID)/\(integration.provider)):")
                print(options.show(integration))
                if let note = Self.variableNote(integration) { print(note) }
                if let note = EndpointSecrets.note(for: integration.providerData.apiEndpoint) { print(note) }
            }
        }
    }
}

extension IntegrationsAddCommand {
    /// A note when the integration's auth header variable is unset or blank in this shell: what
    /// a run here would refuse (``HTTPUserSource/authorizationHeader(of:environment:)``).
    static func variableNote(_ integration: ConnectedIntegration,
                             environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        do {
            _ = try HTTPUserSource.authorizationHeader(of: integration, environment: environment)
            return nil
        } catch {
            guard case let .missingCredential(_, _, variable, empty) = error else { return nil }
            return empty
                ? "Note: \(variable) is empty in this shell; set it to the header value (e.g. 'Bearer <token>') where elt run or elt-server runs."
                : "Note: \(variable) is not set in this shell; export it where elt run or elt-server runs."
        }
    }
}

/// `elt integrations set ID [--endpoint URL] [--auth-header-env VAR] [--permission-source-name NAME]`
struct IntegrationsSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Change an integration's provider_data: its endpoint, auth header variable or permission source name.")

    @Argument(help: "The integration: its id, or ORGANIZATION/PROVIDER.")
    var integration: String

    @Option(help: "A new users API URL (http or https, with a host).")
    var endpoint: String?

    @Option(help: "A new auth header environment variable NAME; '' stops sending the header.")
    var authHeaderEnv: String?

    @Option(help: "A new provider_data.permission_source_name.")
    var permissionSourceName: String?

    @OptionGroup var options: DataOptions

    func run() async throws {
        try await runReportingErrors {
            let change = IntegrationChange(apiEndpoint: endpoint, authHeaderEnv: authHeaderEnv, permissionSourceName: permissionSourceName)
            let updated = try await options.withRegistry { try await $0.update(integration, change) }
            if !options.json { print("Updated integration \(updated.id) (\(updated.organizationID)/\(updated.provider)):") }
            print(options.show(updated))
            if !options.json, authHeaderEnv != nil, let note = IntegrationsAddCommand.variableNote(updated) { print(note) }
            if !options.json, endpoint != nil, let note = EndpointSecrets.note(for: updated.providerData.apiEndpoint) { print(note) }
        }
    }
}

/// `elt integrations show ID`
struct IntegrationsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one integration: its organization, provider and provider_data.")

    @Argument(help: "The integration: its id, or ORGANIZATION/PROVIDER.")
    var integration: String

    @OptionGroup var options: DataOptions

    func run() async throws {
        try await runReportingErrors {
            let found = try await options.withRegistry { try await $0.find(integration) }
            print(options.show(found))
        }
    }
}

/// `elt integrations remove ID`
struct IntegrationsRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove an integration: later runs skip it; the users already loaded for it stay.")

    @Argument(help: "The integration: its id, or ORGANIZATION/PROVIDER.")
    var integration: String

    @OptionGroup var options: DataOptions

    func run() async throws {
        try await runReportingErrors {
            let removed = try await options.withRegistry { try await $0.remove(integration) }
            print(options.json ? options.show(removed) : "Removed integration \(removed.id) (\(removed.organizationID)/\(removed.provider)).")
        }
    }
}
