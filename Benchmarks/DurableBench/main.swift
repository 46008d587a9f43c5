// durable-bench: the cost of a checkpoint, printed as one JSON line per journal backend.
//
//   swift run -c release durable-bench [--journal sqlite|postgres|both] [--postgres-url URL]
//                                      [--steps N] [--workflows W] [--steps-per-workflow M]
//
// For each backend it measures, in one run and on the same database:
//   seq_step_us_median      median µs of one checkpointed empty step, steps run one after another
//   concurrent_steps_per_s  empty steps per second with W concurrent workflows (group commit)
//   raw_commit_us_median    median µs of one raw single-row INSERT + COMMIT
import DurableRuntime
import Foundation
import GRDB
import JournalPostgres
import JournalSQLite
import Logging
import PostgresNIO
import Synchronization

struct Options {
    var journals: [String] = ["sqlite"]
    var postgresURL = ProcessInfo.processInfo.environment["ELT_SYSTEM_DATABASE_URL"]
        ?? ProcessInfo.processInfo.environment["DBOS_DATABASE_URL"]
    var steps = 2000
    var workflows = 64
    var stepsPerWorkflow = 100

    static let usage = """
        usage: durable-bench [--journal sqlite|postgres|both] [--postgres-url URL] [--steps N]
                             [--workflows W] [--steps-per-workflow M]
        Prints one JSON line per journal: median µs per sequential empty step, empty steps/s with
        W concurrent workflows, and the raw INSERT+COMMIT latency on the same database.
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

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Records the wall time of every step it times.
final class StepTimer: Sendable {
    private let samples = Mutex<[Double]>([])
    func add(_ microseconds: Double) { samples.withLock { $0.append(microseconds) } }
    var medianMicroseconds: Double { samples.withLock { durable_bench.median(of: $0) } }
}

func median(of values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func microseconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
}

/// A workflow of `input` empty steps that times each one.
struct EmptySteps: Workflow {
    static let name = "bench_empty_steps"
    let timer: StepTimer?

    func run(context: WorkflowContext, input: Int) async throws -> Int {
        for index in 0..<input {
            let start = ContinuousClock.now
            try await context.step("empty") {}
            timer?.add(microseconds(since: start))
            _ = index
        }
        return input
    }
}

/// Runs both measurements, each on a fresh backend (a backend's pool runs once) over one database.
func measureRuntime(_ makeBackend: () throws -> any JournalBackend, options: Options) async throws -> (sequential: Double, perSecond: Double) {
    let timer = StepTimer()
    let runtime = WorkflowRuntime(backend: try makeBackend(), configuration: RuntimeConfiguration(executorID: "bench"))
    runtime.register(EmptySteps(timer: timer))
    let concurrent = WorkflowRuntime(backend: try makeBackend(), configuration: RuntimeConfiguration(executorID: "bench"))
    concurrent.register(EmptySteps(timer: nil))
    _ = try await runtime.withRunning { runtime in
        try await runtime.run(EmptySteps.self, id: "sequential", input: options.steps)
    }
    let perSecond = try await concurrent.withRunning { runtime in
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<options.workflows {
                group.addTask { try await runtime.run(EmptySteps.self, id: "concurrent-\(index)", input: options.stepsPerWorkflow) }
            }
            try await group.waitForAll()
        }
        return Double(options.workflows * options.stepsPerWorkflow) / (microseconds(since: start) / 1e6)
    }
    return (timer.medianMicroseconds, perSecond)
}

func rawSQLiteCommit(path: String, count: Int) throws -> Double {
    var configuration = Configuration()
    configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
    let pool = try DatabasePool(path: path, configuration: configuration)
    try pool.write { try $0.execute(sql: "CREATE TABLE IF NOT EXISTS raw_bench (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)") }
    var samples: [Double] = []
    for index in 0..<count {
        let start = ContinuousClock.now
        try pool.write { db in
            try db.cachedStatement(sql: "INSERT INTO raw_bench (id, payload) VALUES (?, ?)").execute(arguments: [index, "{}"])
        }
        samples.append(microseconds(since: start))
    }
    return median(of: samples)
}

func rawPostgresCommit(url: String, count: Int) async throws -> Double {
    let configuration = try PostgresJournal.connectionConfiguration(url: url)
    let logger = Logger(label: "bench")
    let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
    let table = "raw_bench_\(UUID().uuidString.prefix(8).lowercased())"
    try await connection.query("CREATE TABLE \(unescaped: table) (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)", logger: logger)
    var samples: [Double] = []
    for index in 0..<count {
        let start = ContinuousClock.now
        try await connection.query("INSERT INTO \(unescaped: table) (id, payload) VALUES (\(index), \("{}"))", logger: logger)
        samples.append(microseconds(since: start))
    }
    try await connection.query("DROP TABLE \(unescaped: table)", logger: logger)
    try await connection.close()
    return median(of: samples)
}

func json(_ fields: [(String, Any)]) -> String {
    let body = fields.map { key, value -> String in
        switch value {
        case let text as String: "\"\(key)\":\"\(text)\""
        case let number as Double: "\"\(key)\":\(number.isFinite ? String(format: "%.1f", number) : "null")"
        default: "\"\(key)\":\(value)"
        }
    }
    return "{" + body.joined(separator: ",") + "}"
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
    for journal in options.journals {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("durable-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let makeBackend: () throws -> any JournalBackend
        let raw: Double
        if journal == "sqlite" {
            let path = directory.appendingPathComponent("journal.sqlite").path
            makeBackend = { try SQLiteJournal(path: path) }
            raw = try rawSQLiteCommit(path: directory.appendingPathComponent("raw.sqlite").path, count: options.steps)
        } else {
            let url = options.postgresURL!
            let schema = "bench_\(UUID().uuidString.prefix(8).lowercased())"
            makeBackend = { try PostgresJournal(url: url, schema: schema) }
            raw = try await rawPostgresCommit(url: url, count: options.steps)
        }
        let (sequential, perSecond) = try await measureRuntime(makeBackend, options: options)
        print(json([
            ("journal", journal), ("seq_step_us_median", sequential), ("concurrent_workflows", options.workflows),
            ("concurrent_steps_per_s", perSecond), ("raw_commit_us_median", raw), ("step_to_raw_ratio", sequential / raw),
        ]))
        fflush(nil)
    }
} catch {
    FileHandle.standardError.write(Data("durable-bench: \(error)\n".utf8))
    exit(1)
}
