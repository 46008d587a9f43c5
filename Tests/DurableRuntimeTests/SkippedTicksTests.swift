import Foundation
import Testing
@testable import DurableRuntime

/// The ticks a scheduler skips (and logs) when one enqueue took longer than the interval.
@Suite("Skipped schedule ticks")
struct SkippedTicksTests {
    func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test("the ticks strictly between the enqueued one and now are the skipped ones, at most the limit")
    func skippedTicks() throws {
        let cron = try CronSchedule("*/10 * * * * *")
        let skipped = WorkflowScheduler.ticks(
            of: cron, after: utc("2026-11-28T05:20:00Z"), before: utc("2026-11-28T05:20:35Z"), limit: 1000)
        #expect(skipped == [utc("2026-11-28T05:20:10Z"), utc("2026-11-28T05:20:20Z"), utc("2026-11-28T05:20:30Z")])
        #expect(WorkflowScheduler.ticks(of: cron, after: utc("2026-11-28T05:20:00Z"), before: utc("2026-11-28T05:20:09Z"), limit: 1000).isEmpty,
                "an enqueue shorter than the interval skips nothing")
        #expect(WorkflowScheduler.ticks(of: cron, after: utc("2026-11-28T05:20:00Z"), before: utc("2026-11-29T05:20:00Z"), limit: 5).count == 5)
    }
}
