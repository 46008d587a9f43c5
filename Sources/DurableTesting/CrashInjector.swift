import DurableRuntime

/// Makes a runtime drop everything at its k-th checkpoint, as a killed process would.
///
/// Install it as one of the runtime's interceptors (``WorkflowInterceptor``). When the group commit that holds
/// checkpoint `k` comes, the journal either discards it (``Moment/beforeCommit``) or commits it
/// and then stops (``Moment/afterCommit``); from then on the journal accepts no writes, no
/// status is written, and the runtime's `run()` throws ``JournalError/crashed`` after
/// abandoning its in-flight tasks. A second runtime on the same journal then recovers.
public struct CrashInjector: WorkflowInterceptor {
    /// When, relative to the commit of checkpoint k, the crash happens.
    public enum Moment: String, Sendable, CaseIterable {
        /// The checkpoint is lost: its step ran but nothing of it is durable.
        case beforeCommit
        /// The checkpoint is durable but the process dies before anyone learns it.
        case afterCommit
    }

    /// The checkpoint number (from 1) at which to crash.
    public let checkpoint: Int
    /// Whether the crash comes before or after that checkpoint's commit.
    public let moment: Moment

    /// Crashes at checkpoint `checkpoint`, `moment` its commit.
    public init(atCheckpoint checkpoint: Int, moment: Moment = .beforeCommit) {
        self.checkpoint = checkpoint
        self.moment = moment
    }

    /// Crashes the commit that contains the chosen checkpoint.
    public func decideCommit(checkpoints: ClosedRange<Int>) -> CheckpointDecision {
        guard checkpoints.contains(checkpoint) else { return .proceed }
        return moment == .beforeCommit ? .crashBeforeCommit : .crashAfterCommit
    }
}
