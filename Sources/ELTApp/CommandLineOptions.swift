import DurableRuntime
import Synchronization
import ELT
import Foundation
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

    /// The churn a `--churn` value names: `none`, or `insert=F,update=F,delete=F` with fractions
    /// from 0 to 1 (a kind left out is 0), e.g. `insert=0.05,update=0.1,delete=0.02`.
    /// - Throws: ``ChurnOptionError`` saying what is wrong.
    public static func churn(_ text: String) throws(ChurnOptionError) -> ChurnModel {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased() == "none" { return .none }
        func refuse(_ reason: String) -> ChurnOptionError { ChurnOptionError(value: text, reason: reason) }
        guard !trimmed.isEmpty else { throw refuse("it is empty") }
        var rates: [String: Double] = [:]
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = pair[0].trimmingCharacters(in: .whitespaces).lowercased()
            guard pair.count == 2 else { throw refuse("'\(part)' is not kind=fraction") }
            guard ["insert", "update", "delete"].contains(key) else {
                throw refuse("'\(key)' is not a kind of change (insert, update, delete)")
            }
            guard rates[key] == nil else { throw refuse("\(key) is given twice") }
            let number = pair[1].trimmingCharacters(in: .whitespaces)
            guard let rate = Double(number), rate.isFinite, (0...1).contains(rate) else {
                throw refuse("\(key)=\(number) is not a fraction from 0 to 1")
            }
            rates[key] = rate
        }
        return ChurnModel(insertRate: rates["insert"] ?? 0, updateRate: rates["update"] ?? 0, deleteRate: rates["delete"] ?? 0)
    }

    private static let loggingBootstrapped = Mutex(false)

    /// Sends every log at `logLevel` (a checked name) or above to standard error, as text lines
    /// or JSON objects (`format`), each carrying the workflow and step it was emitted in
    /// (``DurableRuntime/WorkflowLogContext``); returns the level.
    @discardableResult
    public static func bootstrapLogging(logLevel: String, default fallback: Logger.Level, format: LogFormat = .text) -> Logger.Level {
        let level = Logger.Level(rawValue: logLevel) ?? fallback
        // swift-log allows one bootstrap per process; a second call keeps the first.
        guard loggingBootstrapped.withLock({ done in defer { done = true }; return !done }) else { return level }
        LoggingSystem.bootstrap({ label, provider in
            switch format {
            case .text:
                var handler = StreamLogHandler.standardError(label: label, metadataProvider: provider)
                handler.logLevel = level
                return handler
            case .json:
                return JSONLogHandler(label: label, level: level, metadataProvider: provider)
            }
        }, metadataProvider: .workflow)
        return level
    }

    /// The executor id a process runs as: `--executor-id`, else `ELT_EXECUTOR_ID` if set and
    /// not empty, else `local`.
    public static func executorID(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        option ?? environment["ELT_EXECUTOR_ID"].flatMap { $0.isEmpty ? nil : $0 } ?? "local"
    }

    /// Writes a failure that ends the process to standard error: `text` as it is (`error: …`),
    /// or, with `--log-format json`, as one JSON log line at error level (`label`'s logger), so
    /// that a log collector reading JSON gets the reason a process stopped too.
    public static func reportFailure(_ text: String, format: LogFormat, label: String) {
        switch format {
        case .text:
            FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
        case .json:
            let message = text.trimmingCharacters(in: .whitespacesAndNewlines)
            Logger(label: label).error("\(message)")
        }
    }

    /// What is wrong with the executor id a process would run as (see
    /// ``executorID(option:environment:)``), if anything: checked before anything is opened or
    /// written, by the runtime's rule (``WorkflowID/executorProblem(_:)``).
    public static func executorIDProblem(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        let id = executorID(option: option, environment: environment)
        guard let rule = WorkflowID.executorProblem(id) else { return nil }
        let source = option == nil ? "ELT_EXECUTOR_ID" : "--executor-id"
        return "\(source) '\(id)' is not valid: \(rule); give each process sharing a journal its own name, such as server-1"
    }
}

/// A `--churn` value that ``CommandLineOptions/churn(_:)`` refuses.
public struct ChurnOptionError: Error, CustomStringConvertible, Sendable {
    /// The value as given.
    public var value: String
    /// What is wrong with it.
    public var reason: String

    public var description: String {
        "--churn must be 'none' or insert=F,update=F,delete=F with fractions from 0 to 1 (a kind left out is 0), "
            + "e.g. \(ELTConfiguration.defaultChurn); got '\(value)': \(reason)"
    }
}

/// The `--source` choices of `elt run` and `elt-server`: where a new run reads its users from.
/// (A resumed run reads from the source it recorded, whatever the process was started with.)
public enum SourceKind: String, CaseIterable, Sendable {
    /// Deterministic fake users (``GeneratorUserSource``), no network.
    case generator
    /// Each integration's own API at `provider_data.api_endpoint` (``HTTPUserSource``).
    case http
}

extension ELTConfiguration {
    /// The source `kind` names, as this configuration describes it: the generator with its
    /// users, churn and latency, or the HTTP source logging its retry waits to ``logger``.
    public func makeUserSource(_ kind: SourceKind) -> any UserSource {
        switch kind {
        case .generator: makeGeneratorSource()
        case .http: HTTPUserSource(logger: logger)
        }
    }
}
