import Foundation

/// The context switches of this process so far, summed over its threads (voluntary: a thread
/// blocked or handed off; involuntary: it was preempted), read from `/proc/self/task/*/status`.
/// Every hand-off between Swift concurrency's threads, NIO's event loop and GRDB's writer queue
/// that parks a thread is one voluntary switch, so their difference over N steps, divided by N,
/// counts the thread hand-offs per step. Nil where `/proc` is missing (not Linux).
public enum ContextSwitches {
    public struct Count: Sendable {
        public var voluntary: Int
        public var involuntary: Int
    }

    /// The counts now. Threads that ended before this call are not counted.
    public static func now() -> Count? {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else { return nil }
        var count = Count(voluntary: 0, involuntary: 0)
        for task in tasks {
            guard let status = try? String(contentsOfFile: "/proc/self/task/\(task)/status", encoding: .utf8) else { continue }
            for line in status.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, let value = Int(parts[1].trimmingCharacters(in: .whitespaces)) else { continue }
                if parts[0] == "voluntary_ctxt_switches" { count.voluntary += value }
                if parts[0] == "nonvoluntary_ctxt_switches" { count.involuntary += value }
            }
        }
        return count
    }
}
