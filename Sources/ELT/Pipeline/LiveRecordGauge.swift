import Synchronization

/// Counts the source records a pipeline holds in memory, and remembers the peak, per pipeline.
///
/// A batch adds each page as it arrives and subtracts the whole batch once it is staged, so the
/// peak shows how many records one pipeline ever held at once.
public final class LiveRecordGauge: Sendable {
    private struct Reading {
        var live = 0
        var peak = 0
    }

    private let readings = Mutex<[String: Reading]>([:])

    /// Creates a gauge with nothing counted.
    public init() {}

    /// Counts `count` more records held by `pipeline`.
    public func add(_ count: Int, pipeline: String) {
        readings.withLock { readings in
            var reading = readings[pipeline, default: Reading()]
            reading.live += count
            reading.peak = max(reading.peak, reading.live)
            readings[pipeline] = reading
        }
    }

    /// Counts `count` records released by `pipeline`.
    public func remove(_ count: Int, pipeline: String) {
        readings.withLock { $0[pipeline, default: Reading()].live -= count }
    }

    /// The most records `pipeline` held at once.
    public func peak(pipeline: String) -> Int {
        readings.withLock { $0[pipeline]?.peak ?? 0 }
    }

    /// The records `pipeline` holds now.
    public func live(pipeline: String) -> Int {
        readings.withLock { $0[pipeline]?.live ?? 0 }
    }

    /// The peak of every pipeline seen.
    public var peaks: [String: Int] {
        readings.withLock { $0.mapValues(\.peak) }
    }
}
