/// What a ``CheckpointInterceptor`` decides about a group commit.
public enum CheckpointDecision: Sendable, Equatable {
    /// Commit normally.
    case proceed
    /// Simulate a killed process before the commit: nothing of the batch is written.
    case crashBeforeCommit
    /// Simulate a killed process right after the commit: the batch is durable but nobody
    /// learns it.
    case crashAfterCommit
}

/// A hook the ``JournalActor`` consults around every group commit, for fault injection.
///
/// Checkpoints are numbered from 1 in the order the journal actor commits them (each
/// ``JournalWrite`` is one checkpoint). Production runtimes have no interceptor.
public protocol CheckpointInterceptor: Sendable {
    /// Decides what happens to the commit that holds checkpoints `checkpoints`.
    func decide(checkpoints: ClosedRange<Int>) -> CheckpointDecision
}
