import DurableRuntime
import DurableTesting
import Foundation
import Testing

@Suite("Workflow scheduler")
struct WorkflowSchedulerTests {
    /// A runtime on the harness's journal that works queue `schedules` and runs the probe.
    private func makeRuntime(
        _ harness: RuntimeHarness, executorID: String = "local", clock: any RuntimeClock
    ) throws -> WorkflowRuntime {
        try harness.runtime(
            executorID: executorID, queues: [WorkflowQueue("schedules")], clock: clock,
            register: { $0.register(ScheduledProbe(effects: harness.effects)) })
    }

    /// A scheduler for `runtime` with the probe on `cron`.
    private func makeScheduler(
        _ runtime: WorkflowRuntime, cron: String,
        enqueueRetry: RetryPolicy = .exponential(maxAttempts: 4, interval: .milliseconds(250))
    ) throws -> WorkflowScheduler {
        let scheduler = WorkflowScheduler(runtime: runtime, enqueueRetry: enqueueRetry)
        try scheduler.schedule(ScheduledProbe.self, cron: try CronSchedule(cron), queue: "schedules")
        return scheduler
    }

    private func probeID(_ tick: String) -> String {
        WorkflowScheduler.workflowID(workflowName: ScheduledProbe.name, tick: utc(tick))
    }

    @Test("a tick enqueues the workflow as sched-<name>-<tick>, with the scheduled and the actual time as input",
          arguments: JournalKind.available)
    func tickEnqueuesWorkflow(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let clock = SteppedClock(start: utc("2026-11-28T05:19:30.250Z"))
        try await withRunning(try makeRuntime(harness, clock: clock)) { runtime in
            let scheduler = try makeScheduler(runtime, cron: "20 5 * * *")
            try await withScheduler(scheduler) {
                try await waitUntil { clock.sleeperDeadlines == [utc("2026-11-28T05:20:00Z")] }
                // Late by half a second, as a busy process would be.
                clock.advance(to: utc("2026-11-28T05:20:00.500Z"))
                let id = "sched-scheduled_probe-2026-11-28T05:20:00Z"
                #expect(probeID("2026-11-28T05:20:00Z") == id)
                try await waitUntil { try await runtime.workflow(id: id) != nil }
                let output = try await runtime.handle(id: id, of: ScheduledProbe.self).result()
                #expect(output == ScheduledTime(scheduledTime: utc("2026-11-28T05:20:00Z"), actualTime: utc("2026-11-28T05:20:00.500Z")))
                #expect(output.actualTime >= output.scheduledTime)
                #expect(try await runtime.workflow(id: id)?.queueName == "schedules")
                // Then it heads for tomorrow's tick, waking at least once a minute on the way.
                try await waitUntil { clock.sleeperDeadlines == [utc("2026-11-28T05:21:00.500Z")] }
                clock.advance(to: utc("2026-11-29T05:20:00Z"))
                let tomorrow = probeID("2026-11-29T05:20:00Z")
                try await waitUntil { try await runtime.workflow(id: tomorrow)?.status == .success }
            }
        }
        #expect(harness.effects.snapshot == ["tick 2026-11-28T05:20:00Z": 1, "tick 2026-11-29T05:20:00Z": 1])
    }

    @Test("a failed enqueue is retried with backoff, then its tick is skipped and the next tick runs",
          arguments: JournalKind.available)
    func failedEnqueueIsRetriedThenSkipped(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let clock = SteppedClock(start: utc("2026-11-28T05:19:59Z"))
        try await withRunning(try makeRuntime(harness, clock: clock)) { runtime in
            // Another workflow holds the first tick's id, so enqueueing the probe there fails.
            let blocked = probeID("2026-11-28T05:20:00Z")
            _ = try await runtime.run(SequentialSteps.self, id: blocked, input: 1)
            let scheduler = try makeScheduler(
                runtime, cron: "*/10 * * * * *", enqueueRetry: .exponential(maxAttempts: 3, interval: .milliseconds(100)))
            try await withScheduler(scheduler) {
                // The tick, then two retries 100 ms and 200 ms later.
                for wakeUp in ["2026-11-28T05:20:00Z", "2026-11-28T05:20:00.100Z", "2026-11-28T05:20:00.300Z"] {
                    try await waitUntil { clock.sleeperDeadlines.count == 1 && isClose(clock.sleeperDeadlines[0], utc(wakeUp)) }
                    clock.advance(to: clock.sleeperDeadlines[0])
                }
                // Given up: on to the next tick, with no catching up.
                try await waitUntil { clock.sleeperDeadlines.count == 1 && isClose(clock.sleeperDeadlines[0], utc("2026-11-28T05:20:10Z")) }
                clock.advance(to: clock.sleeperDeadlines[0])
                try await waitUntil { try await runtime.workflow(id: probeID("2026-11-28T05:20:10Z"))?.status == .success }
            }
            #expect(try await runtime.workflow(id: blocked)?.name == SequentialSteps.name)
        }
        #expect(harness.effects.count("tick 2026-11-28T05:20:00Z") == 0)
        #expect(harness.effects.count("tick 2026-11-28T05:20:10Z") == 1)
    }

    @Test("two schedulers in two runtimes sharing a journal enqueue and run each tick once",
          arguments: JournalKind.available)
    func twoSchedulersShareTicks(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let clock = SteppedClock(start: utc("2026-11-28T05:19:55Z"))
        let ticks = ["2026-11-28T05:20:00Z", "2026-11-28T05:20:05Z", "2026-11-28T05:20:10Z"]
        try await withRunning(try makeRuntime(harness, executorID: "host-a", clock: clock)) { first in
            try await withRunning(try makeRuntime(harness, executorID: "host-b", clock: clock)) { second in
                try await withScheduler(try makeScheduler(first, cron: "*/5 * * * * *")) {
                    try await withScheduler(try makeScheduler(second, cron: "*/5 * * * * *")) {
                        for tick in ticks {
                            // Both are asleep until this tick: both have finished with the one before.
                            try await waitUntil { clock.sleeperDeadlines == [utc(tick), utc(tick)] }
                            clock.advance(to: utc(tick))
                            try await waitUntil { try await first.workflow(id: probeID(tick))?.status == .success }
                        }
                        try await waitUntil { clock.sleeperDeadlines == [utc("2026-11-28T05:20:15Z"), utc("2026-11-28T05:20:15Z")] }
                    }
                }
                let probes = try await second.listWorkflows(WorkflowQuery(name: ScheduledProbe.name))
                #expect(Set(probes.map(\.id)) == Set(ticks.map(probeID)))
            }
        }
        #expect(harness.effects.snapshot == Dictionary(uniqueKeysWithValues: ticks.map { ("tick \($0)", 1) }))
    }

    @Test("schedulers started with different expressions never fire the union: the one started last holds, the other skips its ticks",
          arguments: JournalKind.available)
    func lastStartedScheduleHolds(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let clock = SteppedClock(start: utc("2026-11-28T05:19:55Z"))
        try await withRunning(try makeRuntime(harness, executorID: "host-a", clock: clock)) { first in
            try await withRunning(try makeRuntime(harness, executorID: "host-b", clock: clock)) { second in
                try await withScheduler(try makeScheduler(first, cron: "*/5 * * * * *")) {
                    // The first has bound its expression once it sleeps towards its first tick.
                    try await waitUntil { clock.sleeperDeadlines == [utc("2026-11-28T05:20:00Z")] }
                    try await withScheduler(try makeScheduler(second, cron: "*/10 * * * * *")) {
                        try await waitUntil { clock.sleeperDeadlines == [utc("2026-11-28T05:20:00Z"), utc("2026-11-28T05:20:00Z")] }
                        clock.advance(to: utc("2026-11-28T05:20:00Z"))
                        try await waitUntil { try await first.workflow(id: probeID("2026-11-28T05:20:00Z"))?.status == .success }
                        try await waitUntil { Set(clock.sleeperDeadlines) == [utc("2026-11-28T05:20:05Z"), utc("2026-11-28T05:20:10Z")] }
                        clock.advance(to: utc("2026-11-28T05:20:05Z"))
                        // The first wakes at :05, finds the journal's schedule is the second's, and skips.
                        try await waitUntil { Set(clock.sleeperDeadlines) == [utc("2026-11-28T05:20:10Z")] && clock.sleeperDeadlines.count == 2 }
                        clock.advance(to: utc("2026-11-28T05:20:10Z"))
                        try await waitUntil { try await first.workflow(id: probeID("2026-11-28T05:20:10Z"))?.status == .success }
                    }
                }
                let probes = try await second.listWorkflows(WorkflowQuery(name: ScheduledProbe.name))
                #expect(Set(probes.map(\.id)) == [probeID("2026-11-28T05:20:00Z"), probeID("2026-11-28T05:20:10Z")],
                        "the :05 tick of the replaced schedule did not fire")
            }
        }
    }

    @Test("with the system clock, a schedule in seconds enqueues a workflow each second",
          arguments: JournalKind.available)
    func systemClockTicks(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        try await withRunning(try makeRuntime(harness, clock: SystemClock())) { runtime in
            try await withScheduler(try makeScheduler(runtime, cron: "* * * * * *")) {
                try await waitUntil(seconds: 30) {
                    try await runtime.listWorkflows(WorkflowQuery(statuses: [.success], name: ScheduledProbe.name)).count >= 2
                }
            }
            let probes = try await runtime.listWorkflows(WorkflowQuery(statuses: [.success], name: ScheduledProbe.name))
            for record in probes {
                let input = try await runtime.handle(id: record.id, of: ScheduledProbe.self).result()
                #expect(input.scheduledTime.timeIntervalSince1970.rounded(.down) == input.scheduledTime.timeIntervalSince1970)
                #expect(input.actualTime >= input.scheduledTime)
                #expect(record.id == WorkflowScheduler.workflowID(workflowName: ScheduledProbe.name, tick: input.scheduledTime))
            }
        }
        #expect(harness.effects.snapshot.values.allSatisfy { $0 == 1 })
    }

    @Test("run() returns promptly when cancelled while sleeping towards a distant tick")
    func cancelWhileSleeping() async throws {
        let harness = try RuntimeHarness(.sqlite)
        try await withRunning(try makeRuntime(harness, clock: SystemClock())) { runtime in
            let started = ContinuousClock.now
            try await withScheduler(try makeScheduler(runtime, cron: "0 0 1 1 *")) {
                try await Task.sleep(for: .milliseconds(200))
            }
            // A yearly tick is months away; only the cancellation can have ended the sleep.
            #expect(ContinuousClock.now - started < .seconds(20))
        }
        #expect(harness.effects.total == 0)
    }

    @Test("a scheduler refuses a second schedule of one workflow, a date that never comes, and schedules or runs after it started")
    func refusals() async throws {
        let harness = try RuntimeHarness(.sqlite)
        try await withRunning(try makeRuntime(harness, clock: SystemClock())) { runtime in
            let scheduler = WorkflowScheduler(runtime: runtime)
            let daily = try CronSchedule("20 5 * * *")
            try scheduler.schedule(workflowName: "report", cron: daily, queue: "schedules")
            #expect(throws: WorkflowSchedulerError.duplicateSchedule(workflowName: "report")) {
                try scheduler.schedule(workflowName: "report", cron: try CronSchedule("0 * * * *"), queue: "other")
            }
            let never = #expect(throws: WorkflowSchedulerError.neverFires(workflowName: "leap", cron: "0 0 30 2 *")) {
                try scheduler.schedule(workflowName: "leap", cron: try CronSchedule("0 0 30 2 *"), queue: "schedules")
            }
            #expect(never?.description.contains("matches no time in the next 8 years") == true)
            #expect(scheduler.schedules == [WorkflowSchedule(workflowName: "report", cron: daily, queue: "schedules")])
            try await withScheduler(scheduler) { try await Task.sleep(for: .milliseconds(50)) }
            let late = #expect(throws: WorkflowSchedulerError.scheduleAddedAfterStart(workflowName: "late")) {
                try scheduler.schedule(workflowName: "late", cron: daily, queue: "schedules")
            }
            #expect(late?.description.contains("add every schedule before calling run()") == true)
            await #expect(throws: WorkflowSchedulerError.alreadyStarted) { try await scheduler.run() }
        }
    }

    @Test("a scheduler without schedules keeps running until it is stopped")
    func emptySchedulerWaits() async throws {
        let harness = try RuntimeHarness(.sqlite)
        try await withRunning(try makeRuntime(harness, clock: SystemClock())) { runtime in
            let scheduler = WorkflowScheduler(runtime: runtime)
            try await withThrowingTaskGroup(of: String.self) { group in
                group.addTask {
                    try await scheduler.run()
                    return "scheduler"
                }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(300))
                    return "timer"
                }
                #expect(try await group.next() == "timer", "an empty scheduler must not end its service group")
                group.cancelAll()
                try await group.waitForAll()
            }
        }
    }

    @Test("ScheduledTime is JSON with snake_case keys and ISO 8601 dates that any reader can parse")
    func scheduledTimeJSON() throws {
        let value = ScheduledTime(scheduledTime: utc("2026-11-28T05:20:00Z"), actualTime: utc("2026-11-28T05:20:00.250Z"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // The date strategy of the coder does not matter: the dates are strings of their own.
        encoder.dateEncodingStrategy = .secondsSince1970
        let json = String(decoding: try encoder.encode(value), as: UTF8.self)
        #expect(json == #"{"actual_time":"2026-11-28T05:20:00.250Z","scheduled_time":"2026-11-28T05:20:00.000Z"}"#)
        #expect(try JSONDecoder().decode(ScheduledTime.self, from: Data(json.utf8)) == value)
        let plain = #"{"scheduled_time":"2026-11-28T05:20:00Z","actual_time":"2026-11-28T05:20:01Z"}"#
        let decoded = try JSONDecoder().decode(ScheduledTime.self, from: Data(plain.utf8))
        #expect(decoded == ScheduledTime(scheduledTime: utc("2026-11-28T05:20:00Z"), actualTime: utc("2026-11-28T05:20:01Z")))
        let offset = #"{"scheduled_time":"2026-11-28T07:20:00+02:00","actual_time":"2026-11-28T07:20:01.250+02:00"}"#
        #expect(try JSONDecoder().decode(ScheduledTime.self, from: Data(offset.utf8))
            == ScheduledTime(scheduledTime: utc("2026-11-28T05:20:00Z"), actualTime: utc("2026-11-28T05:20:01.250Z")))
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ScheduledTime.self, from: Data(#"{"scheduled_time":"tomorrow","actual_time":"now"}"#.utf8))
        }
    }
}

/// Runs `scheduler` while `body` runs, then cancels it and waits until it has stopped.
private func withScheduler<T: Sendable>(
    _ scheduler: WorkflowScheduler, _ body: @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await scheduler.run() }
        let result = try await body()
        group.cancelAll()
        try await group.waitForAll()
        return result
    }
}

/// Whether two dates are within a millisecond (sums of durations are not exact in `Double`).
private func isClose(_ first: Date, _ second: Date) -> Bool {
    abs(first.timeIntervalSince(second)) < 0.001
}
