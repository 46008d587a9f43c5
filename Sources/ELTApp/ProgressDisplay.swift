import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--progress`: when `elt run` shows its progress on standard error.
public enum ProgressMode: String, Sendable, CaseIterable {
    /// A live line on a terminal, a plain line every few seconds otherwise.
    case auto
    /// The live line, whatever standard error is (a log viewer that renders carriage returns).
    case always
    /// Nothing.
    case never
}

/// `elt run`'s progress, from a ``PipelineObserver``'s tally, written to standard error (so the
/// result block, or `--json`'s line, on standard output is unchanged):
/// - on a terminal, one line redrawn in place four times a second, erased at the end;
/// - otherwise, a plain line every ``plainInterval``, and none for a run shorter than that; with
///   `--log-format json` that line is a log record (`"message":"progress"` with the counts as
///   fields), so standard error stays one JSON object per line.
///
/// The line: tenants done, running and queued out of those enqueued; users staged, their rate
/// and an ETA (from the expected number of users when known, else from the tenants' rate); CDC
/// inserts, updates and deletes; quarantined records; retries and recoveries; the process's
/// resident memory.
public struct ProgressDisplay: Sendable {
    /// The counts shown.
    public let observer: PipelineObserver
    /// Users the run should stage (the generator's population), for the ETA; nil if unknown.
    public let expectedUsers: Int?
    /// Whether the live line is drawn (standard error is a terminal, or `--progress always`),
    /// rather than plain lines.
    public let isTerminal: Bool

    /// How often the live line is redrawn.
    public static let liveInterval: Duration = .milliseconds(250)
    /// How often a plain line is written when standard error is not a terminal.
    public static let plainInterval: Duration = .seconds(5)

    /// A display of `observer`'s counts; nil when `mode` is `never`.
    /// Where the plain progress goes as a log record instead of a text line (nil: text lines).
    public let logger: Logger?

    /// A display of `observer`'s counts; nil when `mode` is `never`. With `logger`, the plain
    /// progress (off a terminal) is logged at notice instead of written as text.
    public init?(observer: PipelineObserver, mode: ProgressMode, expectedUsers: Int?, logger: Logger? = nil) {
        guard mode != .never else { return nil }
        self.observer = observer
        self.logger = logger
        self.expectedUsers = expectedUsers
        self.isTerminal = mode == .always || isatty(STDERR_FILENO) == 1
    }

    /// Shows the progress until the task is cancelled; then erases the live line.
    public func run() async {
        let clock = ContinuousClock()
        let started = clock.now
        let interval = isTerminal ? Self.liveInterval : Self.plainInterval
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { break }
            let tally = observer.tally
            let line = Self.line(tally, elapsed: clock.now - started, expectedUsers: expectedUsers, residentBytes: Self.residentBytes())
            if isTerminal {
                write("\r\u{1B}[2K" + Self.fitted("⏳ " + line, columns: Self.terminalColumns()))
            } else if let logger {
                logger.notice("progress", metadata: Self.metadata(tally, line: line))
            } else {
                write("progress: " + line + "\n")
            }
        }
        if isTerminal { write("\r\u{1B}[2K") }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// The progress line for `tally` after `elapsed`.
    public static func line(_ tally: PipelineTally, elapsed: Duration, expectedUsers: Int?, residentBytes: Int?) -> String {
        let seconds = max(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18, 0.001)
        let rate = Double(tally.usersStaged) / seconds
        var eta = "ETA –"
        if let expectedUsers, rate > 0 {
            eta = "ETA " + duration(Double(max(0, expectedUsers - tally.usersStaged)) / rate)
        } else if tally.tenantsFinished > 0 {
            let left = tally.tenantsQueued + tally.tenantsRunning
            eta = "ETA " + duration(seconds / Double(tally.tenantsFinished) * Double(left))
        }
        var parts = [
            "tenants \(tally.tenantsFinished)/\(tally.tenantsKnown) done, \(tally.tenantsRunning) running, \(tally.tenantsQueued) queued",
            "users \(grouped(tally.usersStaged)) staged (\(grouped(Int(rate.rounded())))/s, \(eta))",
            "CDC +\(grouped(tally.cdcInserts)) ~\(grouped(tally.cdcUpdates)) -\(grouped(tally.cdcDeletes))",
            "quarantined \(grouped(tally.quarantined))",
            "retries \(tally.retries), recoveries \(tally.recoveries)",
        ]
        if tally.tenantsFailed > 0 { parts[0] += ", \(tally.tenantsFailed) failed" }
        if let residentBytes { parts.append("RSS \(residentBytes / 1_048_576) MB") }
        return parts.joined(separator: " │ ")
    }

    /// The counts as log metadata, with the whole line as `summary`.
    static func metadata(_ tally: PipelineTally, line: String) -> Logger.Metadata {
        [
            "tenants_done": "\(tally.tenantsFinished)", "tenants_running": "\(tally.tenantsRunning)",
            "tenants_queued": "\(tally.tenantsQueued)", "tenants_failed": "\(tally.tenantsFailed)",
            "users_staged": "\(tally.usersStaged)", "cdc_inserts": "\(tally.cdcInserts)", "cdc_updates": "\(tally.cdcUpdates)",
            "cdc_deletes": "\(tally.cdcDeletes)", "quarantined": "\(tally.quarantined)", "retries": "\(tally.retries)",
            "recoveries": "\(tally.recoveries)", "summary": "\(line)",
        ]
    }

    /// `line` cut to `columns` − 1 characters (a wrapped line cannot be redrawn in place).
    static func fitted(_ line: String, columns: Int?) -> String {
        guard let columns, columns > 1, line.count >= columns else { return line }
        return String(line.prefix(columns - 2)) + "…"
    }

    /// Standard error's terminal width, if it is a terminal that says.
    static func terminalColumns() -> Int? {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "–" }
        let whole = Int(seconds.rounded(.up))
        return whole >= 60 ? "\(whole / 60)m\(String(format: "%02d", whole % 60))s" : "\(whole)s"
    }

    static func grouped(_ value: Int) -> String {
        value.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))
    }

    /// This process's resident set size, from `/proc/self/statm` (nil where there is none).
    public static func residentBytes() -> Int? {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
