import ServiceLifecycle

/// Runs a journal backend's background work (for Postgres: its connection pool and LISTEN
/// connection) until cancelled or shut down gracefully.
///
/// Kept apart from ``WorkflowRuntime/run()`` so that it can stop *after* the runtime: a
/// `ServiceGroup` shuts services down in reverse order, so list this one first.
public struct JournalService: Service {
    /// The backend whose background work this runs.
    public let backend: any JournalBackend

    /// Wraps a backend.
    public init(backend: any JournalBackend) {
        self.backend = backend
    }

    /// Runs the backend until the task is cancelled or a graceful shutdown is requested.
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await backend.run() }
        } catch is CancellationError {
            // Stopped on request.
        }
    }
}
