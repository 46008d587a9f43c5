import ELT
import Logging

/// What `elt run` and `elt-server` share about their options: the checks of the pipeline
/// options both take, and the logging set-up.
public enum CommandLineOptions {
    /// What is wrong with `--integrations`, `--source-latency-ms`, `--log-level`,
    /// `--users-per-integration`, `--max-delete-fraction` or `--sync-retry-deadline`, if anything.
    public static func problem(integrations: Int, sourceLatencyMs: Int, logLevel: String, usersPerIntegration: Int = 1_000,
                               maxDeleteFraction: Double? = nil, syncRetryDeadlineSeconds: Int = 900) -> String? {
        if integrations < 0 { return "--integrations must be 0 or more, got \(integrations)" }
        if usersPerIntegration < 0 { return "--users-per-integration must be 0 or more, got \(usersPerIntegration)" }
        if let maxDeleteFraction, !(maxDeleteFraction.isFinite && (0...1).contains(maxDeleteFraction)) {
            return "--max-delete-fraction must be a fraction from 0 to 1 (1 allows any deletes), got \(maxDeleteFraction)"
        }
        if syncRetryDeadlineSeconds < 0 { return "--sync-retry-deadline must be 0 or more seconds, got \(syncRetryDeadlineSeconds)" }
        if sourceLatencyMs < 0 { return "--source-latency-ms must be 0 or more, got \(sourceLatencyMs)" }
        if Logger.Level(rawValue: logLevel) == nil {
            return "--log-level must be one of trace, debug, info, notice, warning, error, critical; got '\(logLevel)'"
        }
        return nil
    }

    /// Sends every log at `logLevel` (a checked name) or above to standard error; returns the level.
    @discardableResult
    public static func bootstrapLogging(logLevel: String, default fallback: Logger.Level) -> Logger.Level {
        let level = Logger.Level(rawValue: logLevel) ?? fallback
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return level
    }
}
