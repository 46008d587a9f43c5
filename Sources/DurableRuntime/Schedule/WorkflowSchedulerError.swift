/// Why a ``WorkflowScheduler`` refused a schedule or a second start.
public enum WorkflowSchedulerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A schedule was added after ``WorkflowScheduler/run()`` had started; it would never fire.
    case scheduleAddedAfterStart(workflowName: String)
    /// The workflow already has a schedule in this scheduler.
    case duplicateSchedule(workflowName: String)
    /// The cron expression matches no time in the coming years (such as `0 0 30 2 *`).
    case neverFires(workflowName: String, cron: String)
    /// ``WorkflowScheduler/run()`` was called on a scheduler that runs or ran already.
    case alreadyStarted

    /// What went wrong and what to do.
    public var description: String {
        switch self {
        case .scheduleAddedAfterStart(let name):
            "cannot schedule workflow '\(name)': the scheduler has already started; add every schedule before calling run()"
        case .duplicateSchedule(let name):
            "workflow '\(name)' already has a schedule; its workflow ids are 'sched-\(name)-<tick>', so a second schedule would collide with the first. Give each schedule its own workflow, or write one cron expression that covers both"
        case .neverFires(let name, let cron):
            "cannot schedule workflow '\(name)': cron expression '\(cron)' matches no time in the next \(CronSchedule.searchYears) years (a day such as February 30 or April 31); fix the day-of-month or the month"
        case .alreadyStarted:
            "the workflow scheduler was already started; a scheduler runs once, so create a new one to run again"
        }
    }
}
