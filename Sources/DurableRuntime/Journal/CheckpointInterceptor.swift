/// What a ``WorkflowInterceptor`` decides about a group commit (fault injection).
public enum CheckpointDecision: Sendable, Equatable {
    /// Commit normally.
    case proceed
    /// Simulate a killed process before the commit: nothing of the batch is written.
    case crashBeforeCommit
    /// Simulate a killed process right after the commit: the batch is durable but nobody
    /// learns it.
    case crashAfterCommit
}
