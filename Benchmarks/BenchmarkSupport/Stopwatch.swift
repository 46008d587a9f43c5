/// Elapsed time in the units benchmark reports use.
public enum Stopwatch {
    /// Microseconds from `start` to now.
    public static func microseconds(since start: ContinuousClock.Instant) -> Double {
        seconds(ContinuousClock.now - start) * 1e6
    }

    /// `duration` in seconds, with its fraction.
    public static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
