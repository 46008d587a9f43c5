/// One executor (a worker process's identity) as the journal knows it: who holds the id, and
/// until when its lease runs.
///
/// A worker runtime with a lease (``RuntimeConfiguration/executorLease``) registers itself at
/// start and renews the lease on a period; while the lease runs, no other process may start
/// with its id. When it expires (the process died or hung), every live worker takes over the
/// executor's `PENDING` workflows, one claim per workflow (the semantics of
/// ``WorkflowRuntime/recover(executorIDs:)``).
public struct ExecutorInfo: Sendable, Equatable, Codable {
    /// The executor id.
    public var executorID: String
    /// A random id of the process holding the id, to tell a restarted process from its
    /// previous life.
    public var incarnation: String
    /// The application's version, as the process reports it.
    public var applicationVersion: String
    /// The host name of the process.
    public var host: String
    /// The process id on that host.
    public var pid: Int
    /// When the process registered, milliseconds since 1970.
    public var startedAt: Int64
    /// When the lease ends, milliseconds since 1970; 0 once released.
    public var leaseExpiresAt: Int64

    /// How long a stopped executor stays listed, in milliseconds (24 hours): after that, one
    /// that owns no `PENDING` workflow is forgotten when another executor registers (see
    /// ``JournalBackend/acquireLease(_:now:replacing:)``), so a fleet whose processes come
    /// and go (new ids per deploy or per pod) does not list its dead forever. One that still
    /// owns `PENDING` workflows stays until they are recovered: that is what `elt recover` needs.
    public static let forgottenAfter: Int64 = 24 * 3_600_000

    /// Creates a row.
    public init(
        executorID: String, incarnation: String, applicationVersion: String, host: String, pid: Int, startedAt: Int64,
        leaseExpiresAt: Int64
    ) {
        self.executorID = executorID
        self.incarnation = incarnation
        self.applicationVersion = applicationVersion
        self.host = host
        self.pid = pid
        self.startedAt = startedAt
        self.leaseExpiresAt = leaseExpiresAt
    }

    /// Whether the lease still runs at `now`.
    public func isLive(at now: Int64) -> Bool { leaseExpiresAt > now }

    /// `pid 123 on host-a (version 1.0)`, for messages.
    public var holder: String {
        "pid \(pid) on \(host)" + (applicationVersion.isEmpty ? "" : " (version \(applicationVersion))")
    }
}

/// What ``JournalBackend/acquireLease(_:now:replacing:)`` did.
public enum LeaseAcquisition: Sendable, Equatable {
    /// The lease is this process's now.
    case acquired
    /// Another process holds a lease that still runs; this is its row.
    case held(ExecutorInfo)
}
