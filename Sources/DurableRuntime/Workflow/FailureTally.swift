import Synchronization

/// Failures counted per key (a host, a step name) since the key last succeeded: what lets a
/// log tell an outage once, at its first failure and at its end, rather than once per attempt
/// of every request or step that meets it.
public final class FailureTally: Sendable {
    private let failing = Mutex<[String: Int]>([:])

    /// An empty tally.
    public init() {}

    /// Records a failure of `key`: true if it is the first since `key` last succeeded.
    public func failed(_ key: String) -> Bool {
        failing.withLock { counts in
            defer { counts[key, default: 0] += 1 }
            return counts[key] == nil
        }
    }

    /// Records a success of `key`: the failures since it last succeeded (0 if none).
    public func succeeded(_ key: String) -> Int {
        failing.withLock { $0.removeValue(forKey: key) ?? 0 }
    }
}
