import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Enqueues workflows on cron schedules; a `Service` that runs beside its ``WorkflowRuntime``.
///
/// Add every schedule with ``schedule(workflowName:cron:queue:maxRecoveryAttempts:)`` or the
/// typed ``schedule(_:cron:queue:)`` before ``run()``; later additions are refused. For each
/// schedule the scheduler sleeps on the runtime's clock until the next tick of its cron
/// expression, then enqueues the workflow on its queue with the id
/// `sched-<workflow name>-<tick>` (``workflowID(workflowName:tick:)``, such as
/// `sched-nightly-2026-11-28T05:20:00Z`) and a ``ScheduledTime`` input. Since the id depends only
/// on the tick, every process sharing a journal may run a scheduler with the same schedules:
/// each tick is enqueued, and run, once.
///
/// One schedule per workflow holds for the whole journal: the one of the scheduler started
/// last. Each schedule binds its expression in the journal when it starts (a ``JournalBinding``
/// keyed `schedule.<workflow name>`, replacing another), and checks it before each tick: a
/// scheduler whose expression is no longer the bound one skips its ticks (with one warning),
/// so that processes started with different expressions never fire the union of them.
///
/// Ticks that pass while no scheduler runs are not caught up. A failed enqueue is logged and
/// retried under ``enqueueRetry``; once that gives up, the tick is skipped and the schedule goes
/// on with the next one.
///
/// `run()` enqueues through the runtime, so the runtime must be running too. Put the scheduler
/// after the runtime in a `ServiceGroup`, which stops services in reverse order, so that the
/// scheduler stops first:
///
/// ```swift
/// let scheduler = WorkflowScheduler(runtime: runtime)
/// try scheduler.schedule(NightlyReport.self, cron: try CronSchedule("20 5 * * *"), queue: "reports")
/// let group = ServiceGroup(services: [runtime.journalService, runtime, scheduler], logger: logger)
/// ```
public final class WorkflowScheduler: Service, Sendable {
    private struct State {
        var schedules: [WorkflowSchedule] = []
        var started = false
    }

    /// The runtime that enqueues the workflows; its clock times the ticks, its logger logs.
    public let runtime: WorkflowRuntime
    /// How a failed enqueue of a tick is retried before the tick is skipped.
    public let enqueueRetry: RetryPolicy
    private let state = Mutex(State())

    /// The longest single sleep. Waking at least once a minute notices a wall clock that was
    /// corrected (or a host that was suspended) instead of firing a long sleep's tick late.
    static let longestSleep: TimeInterval = 60

    /// Creates a scheduler without schedules.
    ///
    /// - Parameters:
    ///   - runtime: enqueues the workflows, and gives the clock and the logger.
    ///   - enqueueRetry: how a failed enqueue is retried; by default 4 attempts, 250 ms apart
    ///     and doubling (under 2 s in all), then the tick is skipped.
    public init(
        runtime: WorkflowRuntime,
        enqueueRetry: RetryPolicy = .exponential(maxAttempts: 4, interval: .milliseconds(250))
    ) {
        self.runtime = runtime
        self.enqueueRetry = enqueueRetry
    }

    /// The schedules added so far.
    public var schedules: [WorkflowSchedule] { state.withLock { $0.schedules } }

    /// Adds a schedule for a workflow registered (in some runtime sharing the journal) under
    /// `workflowName`, whose input is a ``ScheduledTime``.
    ///
    /// - Throws: ``WorkflowSchedulerError/scheduleAddedAfterStart(workflowName:)`` once
    ///   ``run()`` has started; ``WorkflowSchedulerError/duplicateSchedule(workflowName:)`` if
    ///   the workflow has a schedule already; ``WorkflowSchedulerError/neverFires(workflowName:cron:)``
    ///   if the expression matches no time (such as February 30).
    public func schedule(
        workflowName: String, cron: CronSchedule, queue: String, maxRecoveryAttempts: Int = 100
    ) throws(WorkflowSchedulerError) {
        guard cron.next(after: runtime.clock.now()) != nil else {
            throw .neverFires(workflowName: workflowName, cron: cron.expression)
        }
        let schedule = WorkflowSchedule(
            workflowName: workflowName, cron: cron, queue: queue, maxRecoveryAttempts: maxRecoveryAttempts)
        try state.withLock { state throws(WorkflowSchedulerError) in
            guard !state.started else { throw .scheduleAddedAfterStart(workflowName: workflowName) }
            guard !state.schedules.contains(where: { $0.workflowName == workflowName }) else {
                throw .duplicateSchedule(workflowName: workflowName)
            }
            state.schedules.append(schedule)
        }
    }

    /// Adds a schedule for workflow type `W`, by its ``Workflow/name`` and with its
    /// ``Workflow/maxRecoveryAttempts``.
    ///
    /// - Throws: as ``schedule(workflowName:cron:queue:maxRecoveryAttempts:)``.
    public func schedule<W: Workflow>(
        _ workflow: W.Type, cron: CronSchedule, queue: String
    ) throws(WorkflowSchedulerError) where W.Input == ScheduledTime {
        try schedule(workflowName: W.name, cron: cron, queue: queue, maxRecoveryAttempts: W.maxRecoveryAttempts)
    }

    /// The id of the workflow a schedule enqueues at `tick`: `sched-<workflow name>-<tick>`,
    /// the tick in ISO 8601 UTC without fractional seconds (`sched-nightly-2026-11-28T05:20:00Z`).
    public static func workflowID(workflowName: String, tick: Date) -> String {
        "sched-\(workflowName)-\(Date.ISO8601FormatStyle().format(tick))"
    }

    /// Runs every schedule until the task is cancelled or a graceful shutdown is requested.
    ///
    /// Waits for the runtime to have started first, and rethrows why it failed to start. Runs
    /// once: a second call throws ``WorkflowSchedulerError/alreadyStarted``. Without schedules
    /// it still runs until stopped, so that it does not end its `ServiceGroup`.
    public func run() async throws {
        let schedules = try state.withLock { state throws(WorkflowSchedulerError) in
            guard !state.started else { throw .alreadyStarted }
            state.started = true
            return state.schedules
        }
        do {
            try await cancelWhenGracefulShutdown {
                try await self.runtime.waitUntilStarted()
                if schedules.isEmpty { self.runtime.logger.info("workflow scheduler has no schedules") }
                await withDiscardingTaskGroup { group in
                    for schedule in schedules {
                        group.addTask { await self.runSchedule(schedule) }
                    }
                }
                // No schedule left that fires: wait for the shutdown rather than end the group.
                try await gracefulShutdown()
            }
        } catch {
            // Stopped on request while waiting for the runtime or the shutdown.
            if Task.isCancelled || Task.isShuttingDownGracefully || error is CancellationError { return }
            throw error
        }
    }

    /// Enqueues the ticks of one schedule, one after the other, until cancelled.
    private func runSchedule(_ schedule: WorkflowSchedule) async {
        let clock = runtime.clock
        let logger = runtime.logger
        await claim(schedule)
        logger.info("workflow schedule started", metadata: metadata(schedule))
        var yieldedTo: String?
        var after = clock.now()
        while !Task.isCancelled {
            guard let tick = schedule.cron.next(after: after) else {
                logger.warning(
                    "cron expression matches no time in the next \(CronSchedule.searchYears) years; the schedule stops",
                    metadata: metadata(schedule))
                return
            }
            do {
                try await sleep(until: tick)
            } catch {
                return  // cancelled
            }
            if let other = await boundElsewhere(schedule) {
                if other != yieldedTo {
                    var details = metadata(schedule)
                    details["journal_cron"] = "\(other)"
                    logger.warning(
                        "a process started later set another schedule for this workflow in the journal; this one no longer fires (restart this process with the journal's schedule, or with none)",
                        metadata: details)
                    yieldedTo = other
                }
            } else {
                yieldedTo = nil
                await enqueue(schedule, tick: tick, actualTime: clock.now())
            }
            // The next tick after this one, or after now if this one took long: ticks that have
            // passed meanwhile are skipped, not caught up, and said so.
            let now = clock.now()
            let skipped = Self.ticks(of: schedule.cron, after: tick, before: now, limit: Self.skippedTicksCounted)
            if let first = skipped.first {
                var details = metadata(schedule)
                details["skipped"] = "\(skipped.count == Self.skippedTicksCounted ? "\(skipped.count) or more" : "\(skipped.count)")"
                details["first_skipped"] = "\(first)"
                details["tick"] = "\(tick)"
                logger.warning("schedule ticks passed while the previous one was enqueued (the journal was slow or unreachable); they are skipped, not caught up", metadata: details)
            }
            after = max(tick, now)
        }
    }

    /// The journal binding of `schedule`: its expression under `schedule.<workflow name>`.
    static func binding(of schedule: WorkflowSchedule) -> JournalBinding {
        JournalBinding(key: "schedule.\(schedule.workflowName)", value: schedule.cron.expression,
                       detail: "the schedule '\(schedule.cron.expression)' of \(schedule.workflowName)")
    }

    /// Makes `schedule` the journal's schedule of its workflow (logged when it replaces another).
    /// A journal that does not answer is logged; the ticks then check again.
    private func claim(_ schedule: WorkflowSchedule) async {
        let binding = Self.binding(of: schedule)
        let backend = runtime.journal.backend
        do {
            let before = try await backend.bind(binding, replacing: false, now: journalTimestamp(runtime.clock.now()))
            guard before.value != binding.value else { return }
            _ = try await backend.bind(binding, replacing: true, now: journalTimestamp(runtime.clock.now()))
            var details = metadata(schedule)
            details["replaced_cron"] = "\(before.value)"
            runtime.logger.notice(
                "this schedule replaces the journal's other schedule for the workflow; processes still running that one stop firing it",
                metadata: details)
        } catch {
            var details = metadata(schedule)
            details["error"] = "\(error)"
            runtime.logger.warning("could not record the schedule in the journal", metadata: details)
        }
    }

    /// The expression the journal holds for `schedule`'s workflow when it is another one (a
    /// process started later claimed it); nil when it is `schedule`'s, or cannot be read.
    private func boundElsewhere(_ schedule: WorkflowSchedule) async -> String? {
        let binding = Self.binding(of: schedule)
        guard let bound = try? await runtime.journal.backend.bind(binding, replacing: false, now: journalTimestamp(runtime.clock.now())),
              bound.value != binding.value
        else { return nil }
        return bound.value
    }

    /// How many skipped ticks a warning counts at most.
    static let skippedTicksCounted = 1000

    /// The ticks of `cron` after `start` and before `end`, at most `limit`.
    static func ticks(of cron: CronSchedule, after start: Date, before end: Date, limit: Int) -> [Date] {
        var ticks: [Date] = []
        var cursor = start
        while ticks.count < limit, let next = cron.next(after: cursor), next < end {
            ticks.append(next)
            cursor = next
        }
        return ticks
    }

    /// Sleeps on the runtime's clock until `tick` (throws `CancellationError` if cancelled).
    private func sleep(until tick: Date) async throws {
        let clock = runtime.clock
        while true {
            let remaining = tick.timeIntervalSince(clock.now())
            if remaining <= 0 { return }
            // Whole milliseconds rounded up, so that the wake-up never comes before the tick.
            let milliseconds = (min(remaining, Self.longestSleep) * 1000).rounded(.up)
            try await clock.sleep(for: .milliseconds(Int64(milliseconds)))
        }
    }

    /// Enqueues the workflow of `tick`, retrying under ``enqueueRetry``; logs and gives up on
    /// the tick when that is exhausted.
    private func enqueue(_ schedule: WorkflowSchedule, tick: Date, actualTime: Date) async {
        let logger = runtime.logger
        let id = Self.workflowID(workflowName: schedule.workflowName, tick: tick)
        var metadata = metadata(schedule)
        metadata["workflow_id"] = "\(id)"
        let inputJSON: String
        do {
            inputJSON = try JournalJSON.encode(ScheduledTime(scheduledTime: tick, actualTime: actualTime))
        } catch {
            metadata["error"] = "\(error)"
            logger.warning("cannot encode the scheduled time; skipping this tick", metadata: metadata)
            return
        }
        var attempt = 1
        while true {
            do {
                try await runtime.enqueue(
                    name: schedule.workflowName, queue: schedule.queue, id: id, inputJSON: inputJSON,
                    maxRecoveryAttempts: schedule.maxRecoveryAttempts)
                logger.debug("enqueued scheduled workflow", metadata: metadata)
                return
            } catch {
                if Task.isCancelled { return }
                var failure = metadata
                failure["error"] = "\(error)"
                failure["attempt"] = "\(attempt)"
                guard attempt < enqueueRetry.maxAttempts, enqueueRetry.isRetryable(error) else {
                    logger.warning("could not enqueue scheduled workflow; skipping this tick", metadata: failure)
                    return
                }
                let delay = enqueueRetry.delay(afterAttempt: attempt)
                failure["retry_in"] = "\(delay)"
                logger.warning("could not enqueue scheduled workflow; retrying", metadata: failure)
                do {
                    try await runtime.clock.sleep(for: delay)
                } catch {
                    return  // cancelled
                }
                attempt += 1
            }
        }
    }

    private func metadata(_ schedule: WorkflowSchedule) -> Logger.Metadata {
        ["workflow_name": "\(schedule.workflowName)", "cron": "\(schedule.cron)", "queue": "\(schedule.queue)"]
    }
}
