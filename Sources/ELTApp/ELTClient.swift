import ELT
import DurableRuntime

/// The `elt` client verbs' access to the journal (the system database), as DBOS's client
/// does: a ``DurableClient`` with the pipeline's policy (``ELTManagement``), and no worker;
/// it enqueues and a server executes, so it works while no server runs.
public struct ELTClient: Sendable {
    /// Where the journal is.
    public let configuration: ELTConfiguration

    /// A client of the journal of `configuration`.
    public init(configuration: ELTConfiguration) {
        self.configuration = configuration
    }

    /// Runs `body` with a client of the journal: its connection pool runs, and it is migrated
    /// first, for the duration of `body` only.
    public func withClient<T: Sendable>(_ body: @Sendable (DurableClient) async throws -> T) async throws -> T {
        try await ELTManagement.withClient(backend: try configuration.makeJournal(), body)
    }

    /// ``withClient(_:)`` for a command about what is already in the journal (list, status,
    /// steps, cancel, resume, fork, …): a journal that does not exist is
    /// ``MissingStoreError`` (a typo in the path or schema), not created empty.
    public func withExistingJournal<T: Sendable>(_ body: @Sendable (DurableClient) async throws -> T) async throws -> T {
        try await configuration.requireExistingJournal()
        return try await withClient(body)
    }
}
