import Logging
import Synchronization

/// A log handler that keeps every entry in memory, for tests that assert what was logged.
struct RecordingLogHandler: LogHandler {
    /// One logged entry, with the logger's metadata merged with the call's.
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    /// The entries of every logger made from one recorder.
    final class Recorder: Sendable {
        private let entries = Mutex<[Entry]>([])

        init() {}

        /// A logger whose entries this recorder keeps.
        func logger(label: String = "test", level: Logger.Level = .trace) -> Logger {
            var logger = Logger(label: label) { _ in RecordingLogHandler(recorder: self) }
            logger.logLevel = level
            return logger
        }

        /// What was logged so far.
        var logged: [Entry] { entries.withLock { $0 } }

        func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }
    }

    let recorder: Recorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        recorder.append(Entry(level: event.level, message: event.message.description,
                              metadata: merged.mapValues { $0.description }))
    }
}
