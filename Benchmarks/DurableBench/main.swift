// durable-bench: the cost of a checkpoint, printed as one JSON line per journal backend.
//
//   swift run -c release durable-bench [--journal sqlite|postgres|both] [--postgres-url URL]
//                                      [--steps N] [--workflows W] [--steps-per-workflow M] [--metrics]
//
// For each backend it measures, in one run and on the same database:
//   seq_step_us_median      median µs of one checkpointed empty step, steps run one after another
//   seq_context_switches_per_step  the process's thread context switches per sequential step
//                           (/proc/self/task/*/status): the thread hand-offs a step costs
//   seq_pool_queue_commits_per_step  SQLite: commits per sequential step handed to GRDB's writer
//                           queue (a dispatch thread woken, then the task resumed) instead of
//                           run on the committing thread; null on Postgres
//   concurrent_steps_per_s  empty steps per second with W concurrent workflows (group commit)
//   raw_commit_us_median    median µs of one raw single-row INSERT + COMMIT
// With --metrics the runtimes carry RuntimeMetrics into a Prometheus registry, as elt-server's do.
import BenchmarkSupport
import DurableObservability
import DurableRuntime
import Foundation
import JournalPostgres
import JournalSQLite
import Logging
import Metrics
import Prometheus

struct Options {
    var journals: [String] = ["sqlite"]
    var postgresURL = ProcessInfo.processInfo.environment["ELT_SYSTEM_DATABASE_URL"]
        ?? ProcessInfo.processInfo.environment["DBOS_DATABASE_URL"]
    var steps = 2000
    var workflows = 64
    var stepsPerWorkflow = 100
    var metrics = false

    static let usage = """
        usage: durable-bench [--journal sqlite|postgres|both] [--postgres-url URL] [--steps N]
                             [--workflows W] [--steps-per-workflow M] [--metrics]
        Prints one JSON line per journal: median µs per sequential empty step, empty steps/s with
        W concurrent workflows, and the raw INSERT+COMMIT latency on the same database.
        --metrics installs RuntimeMetrics (Prometheus registry), as elt-server does.
        """

    init(arguments: [String]) throws {
        var iterator = arguments.dropFirst().makeIterator()
        func value(_ flag: String) throws -> String {
            guard let value = iterator.next() else { throw BenchError("\(flag) needs a value\n\(Options.usage)") }
            return value
        }
        func number(_ flag: String) throws -> Int {
            let text = try value(flag)
            guard let number = Int(text), number > 0 else { throw BenchError("\(flag) takes a positive whole number, not '\(text)'") }
            return number
        }
        while let argument = iterator.next() {
            switch argument {
            case "--journal":
                let kind = try value(argument)
                switch kind {
                case "sqlite", "postgres": journals = [kind]
                case "both": journals = ["sqlite", "postgres"]
                default: throw BenchError("--journal takes sqlite, postgres or both, not '\(kind)'")
                }
            case "--postgres-url": postgresURL = try value(argument)
            case "--steps": steps = try number(argument)
            case "--workflows": workflows = try number(argument)
            case "--steps-per-workflow": stepsPerWorkflow = try number(argument)
            case "--metrics": metrics = true
            case "--help", "-h":
                print(Options.usage)
                exit(0)
            default: throw BenchError("unknown option '\(argument)'\n\(Options.usage)")
            }
        }
        if journals.contains("postgres") && postgresURL == nil {
            throw BenchError("--journal postgres needs --postgres-url URL (or ELT_SYSTEM_DATABASE_URL)")
        }
    }
}

/// Runs both measurements, each on a fresh backend (a backend's pool runs once) over one database.
func measureRuntime(
    _ makeBackend: () throws -> any JournalBackend, options: Options
) async throws -> Measured {
    let timer = StepTimer()
    let configuration = RuntimeConfiguration(executorID: "bench", interceptors: options.metrics ? [RuntimeMetrics()] : [])
    let backend = try makeBackend()
    let runtime = WorkflowRuntime(backend: backend, configuration: configuration)
    runtime.register(EmptySteps(timer: timer))
    let sqlite = backend as? SQLiteJournal
    let countsBefore = sqlite?.inlineCommitCounts
    let concurrent = WorkflowRuntime(backend: try makeBackend(), configuration: configuration)
    concurrent.register(EmptySteps(timer: nil))
    let switchesPerStep = try await runtime.withRunning { runtime -> Double? in
        let before = ContextSwitches.now()
        _ = try await runtime.run(EmptySteps.self, id: "sequential", input: options.steps)
        guard let before, let after = ContextSwitches.now() else { return nil }
        return Double(after.voluntary + after.involuntary - before.voluntary - before.involuntary) / Double(options.steps)
    }
    let perSecond = try await concurrent.withRunning { runtime in
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<options.workflows {
                group.addTask { try await runtime.run(EmptySteps.self, id: "concurrent-\(index)", input: options.stepsPerWorkflow) }
            }
            try await group.waitForAll()
        }
        return Double(options.workflows * options.stepsPerWorkflow) / (Stopwatch.microseconds(since: start) / 1e6)
    }
    let queueCommitsPerStep = sqlite.map { sqlite in
        Double(sqlite.inlineCommitCounts.declined - (countsBefore?.declined ?? 0)) / Double(options.steps)
    }
    return Measured(sequential: timer.medianMicroseconds, perSecond: perSecond, switchesPerStep: switchesPerStep,
                    queueCommitsPerStep: queueCommitsPerStep)
}

/// What ``measureRuntime(_:options:)`` measured.
struct Measured {
    var sequential: Double
    var perSecond: Double
    var switchesPerStep: Double?
    var queueCommitsPerStep: Double?
}

do {
    var logging = Logger(label: "bench")
    logging.logLevel = .error
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .error
        return handler
    }
    let options = try Options(arguments: CommandLine.arguments)
    if options.metrics { MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())) }
    for journal in options.journals {
        let directory = try ScratchDirectory(prefix: "durable-bench")
        defer { try? directory.remove() }
        let makeBackend: () throws -> any JournalBackend
        let raw: Double
        var schema: ScratchPostgresSchema?
        if journal == "sqlite" {
            let path = directory.file("journal.sqlite")
            makeBackend = { try SQLiteJournal(path: path) }
            raw = try RawSQLite.commitLatencyMicroseconds(path: directory.file("raw.sqlite"), count: options.steps)
        } else {
            let url = options.postgresURL!
            let scratch = ScratchPostgresSchema(url: url)
            schema = scratch
            makeBackend = { try PostgresJournal(url: url, schema: scratch.name) }
            raw = try await RawPostgres.commitLatencyMicroseconds(url: url, count: options.steps)
        }
        let measured: Measured
        do {
            measured = try await measureRuntime(makeBackend, options: options)
        } catch {
            try? await schema?.drop()
            throw error
        }
        try await schema?.drop()
        var line = JSONLine()
        line.append("journal", .text(journal))
        line.append("metrics", .text(options.metrics ? "on" : "off"))
        line.append("seq_step_us_median", .number(measured.sequential, decimals: 1))
        line.append("seq_context_switches_per_step", measured.switchesPerStep.map { .number($0, decimals: 2) } ?? .null)
        line.append("seq_pool_queue_commits_per_step", measured.queueCommitsPerStep.map { .number($0, decimals: 3) } ?? .null)
        line.append("concurrent_workflows", .integer(options.workflows))
        line.append("concurrent_steps_per_s", .number(measured.perSecond, decimals: 1))
        line.append("raw_commit_us_median", .number(raw, decimals: 1))
        line.append("step_to_raw_ratio", .number(measured.sequential / raw, decimals: 1))
        print(line.text)
        fflush(nil)
    }
} catch {
    FileHandle.standardError.write(Data("durable-bench: \(error)\n".utf8))
    exit(1)
}
