/// One cron schedule of a ``WorkflowScheduler``: which workflow, when, on which queue.
public struct WorkflowSchedule: Sendable, Hashable {
    /// The registered name of the workflow to enqueue; its input is a ``ScheduledTime``.
    public var workflowName: String
    /// When to enqueue it.
    public var cron: CronSchedule
    /// The queue to put it on; some runtime sharing the journal must work this queue.
    public var queue: String
    /// The recovery limit recorded with each enqueued workflow (its `maxRecoveryAttempts`).
    public var maxRecoveryAttempts: Int

    /// Creates a schedule.
    public init(workflowName: String, cron: CronSchedule, queue: String, maxRecoveryAttempts: Int = 100) {
        self.workflowName = workflowName
        self.cron = cron
        self.queue = queue
        self.maxRecoveryAttempts = maxRecoveryAttempts
    }
}
