import DurableRuntime
import Synchronization

/// Counts, through the runtime's observation seam, the journal's group commits and the
/// checkpoints they carried, and the child workflows of one name started (the pipeline's
/// batches): what `elt-bench` divides into commits per batch and feeds to the physical limit.
public final class CommitTally: WorkflowInterceptor {
    public struct Counts: Sendable {
        /// Group commits of the journal actor (each one transaction, one WAL flush).
        public var commits = 0
        /// Writes they carried (checkpoints, inserts, completions).
        public var writes = 0
        /// Children of the counted name started.
        public var batches = 0
    }

    private let state = Mutex(Counts())
    private let batchName: String

    /// A tally that counts the children named `batchName` as batches.
    public init(batchName: String) {
        self.batchName = batchName
    }

    /// The counts so far.
    public var counts: Counts { state.withLock { $0 } }

    public func observe(_ event: RuntimeEvent) {
        switch event {
        case .committed(let writes, _, _):
            state.withLock {
                $0.commits += 1
                $0.writes += writes
            }
        case .childStarted(_, let child) where child.name == batchName:
            state.withLock { $0.batches += 1 }
        default:
            break
        }
    }
}

/// The users per second the storage alone would allow for a run: its journal commits one after
/// another at the raw commit latency (the journal actor commits one group at a time, so they
/// are serial), plus its rows at the raw bulk-insert rate of the database each lives in (SQLite
/// or Postgres), one writer at a time. Everything above that is the runtime's and the
/// pipeline's own time.
public struct PhysicalLimit: Sendable {
    /// Journal group commits in the run.
    public var commits: Int
    /// Microseconds of one raw single-row INSERT+COMMIT on the journal's database.
    public var commitMicroseconds: Double
    /// Rows the run wrote to SQLite files: journal rows (workflows and operations) and data rows
    /// (staging, CDC, latest, the sync target), those that live in SQLite.
    public var rows: Int
    /// Rows per second of a raw prepared bulk INSERT into SQLite.
    public var rowsPerSecond: Double
    /// Rows the run wrote to Postgres (the same kinds, those that live there).
    public var postgresRows: Int
    /// Rows per second of raw bulk `INSERT … SELECT FROM unnest` into Postgres (nil: none measured,
    /// then ``postgresRows`` must be 0).
    public var postgresRowsPerSecond: Double?
    public var users: Int

    public init(commits: Int, commitMicroseconds: Double, rows: Int, rowsPerSecond: Double, postgresRows: Int = 0,
                postgresRowsPerSecond: Double? = nil, users: Int) {
        precondition(postgresRows == 0 || postgresRowsPerSecond != nil, "Postgres rows need a Postgres row rate")
        self.commits = commits
        self.commitMicroseconds = commitMicroseconds
        self.rows = rows
        self.rowsPerSecond = rowsPerSecond
        self.postgresRows = postgresRows
        self.postgresRowsPerSecond = postgresRowsPerSecond
        self.users = users
    }

    /// The least time the storage needs, in seconds.
    public var seconds: Double {
        let postgres = postgresRows == 0 ? 0 : Double(postgresRows) / (postgresRowsPerSecond ?? .nan)
        return Double(commits) * commitMicroseconds / 1_000_000 + Double(rows) / rowsPerSecond + postgres
    }
    /// The users per second that time allows.
    public var usersPerSecond: Double { seconds > 0 ? Double(users) / seconds : .nan }
}
