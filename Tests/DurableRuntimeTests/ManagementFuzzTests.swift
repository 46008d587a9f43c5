import DurableRuntime
import DurableTesting
import Foundation
import Testing

/// Random sequences of start, enqueue, cancel, resume, fork and recover, with ids drawn from
/// the workflows that exist, fresh ones and hostile ones, against both journals; after every
/// operation the journal is checked against the invariants below.
///
/// A seeded loop rather than a property-testing library: every operation runs on a real
/// journal (Postgres included) and waits for the workflows it started, so shrinking would
/// replay thousands of journal-backed sequences; the seed and the operation log reproduce a
/// failure exactly instead. `ELT_FUZZ_OPS` sets the operations per backend (default 1,500),
/// `ELT_FUZZ_SEED` the seed (default fixed, so CI runs one known sequence).
///
/// Invariants:
/// 1. A refused call (one that throws) changes nothing: the journal dump is byte-identical.
/// 2. No recorded step ever changes or disappears, and a `SUCCESS` workflow's row and steps
///    never change again.
/// 3. No step of a workflow belongs to another workflow's input: every `echo-i` step holds
///    `<its workflow's tag>#i`, and every child a step records has the tag `<tag>/c`.
@Suite("Management fuzzer")
struct ManagementFuzzTests {
    static let workedQueue = "fuzz_work"
    static let parkedQueue = "fuzz_parked"

    static var operationCount: Int {
        ProcessInfo.processInfo.environment["ELT_FUZZ_OPS"].flatMap(Int.init) ?? 1_500
    }

    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["ELT_FUZZ_SEED"].flatMap(UInt64.init) ?? 20_261_130
    }

    @Test("random management calls keep the journal's invariants", arguments: JournalKind.available)
    func fuzz(kind: JournalKind) async throws {
        let journal = try TemporaryJournal(kind)
        let runtime = WorkflowRuntime(
            backend: try journal.open(),
            configuration: RuntimeConfiguration(
                executorID: "fuzz", queues: [WorkflowQueue(Self.workedQueue, globalConcurrency: 4)],
                queuePollInterval: .milliseconds(50), resultPollInterval: .milliseconds(10)))
        runtime.register(EchoSteps())
        let (seed, count) = (Self.seed, Self.operationCount)
        let summary = try await runtime.withRunning { runtime in
            var fuzzer = Fuzzer(runtime: runtime, random: SplitMix64(seed: seed))
            try await fuzzer.run(count)
            return fuzzer.summary
        }
        print("management fuzzer on \(kind), seed \(seed): \(summary)")
        #expect(summary.refused > count / 10, "the sequence should exercise refusals: \(summary)")
        #expect(summary.accepted > count / 10, "the sequence should exercise accepted calls: \(summary)")
    }
}

/// The input of ``EchoSteps``.
struct FuzzInput: Codable, Sendable, Equatable {
    var tag: String
    var count: Int
    var child: Bool
    var fail: Bool
}

/// Records `count` steps `echo-i` holding `<tag>#i`, optionally calls a child tagged
/// `<tag>/c`, and optionally fails at the end (so it can be resumed).
struct EchoSteps: Workflow {
    static let name = "fuzz_echo"

    func run(context: WorkflowContext, input: FuzzInput) async throws -> String {
        for index in 1...max(input.count, 1) {
            _ = try await context.step("echo-\(index)") { "\(input.tag)#\(index)" }
        }
        if input.child {
            let child = FuzzInput(tag: input.tag + "/c", count: 1, child: false, fail: false)
            _ = try await context.startChild(EchoSteps.self, input: child).result()
        }
        if input.fail { throw FatalError() }
        return input.tag
    }
}

/// A small, fast, seeded generator (SplitMix64), so a seed names one sequence on every platform.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct FuzzSummary: CustomStringConvertible {
    var accepted = 0
    var refused = 0
    var byOperation: [String: (accepted: Int, refused: Int)] = [:]
    var workflows = 0
    var steps = 0
    var description: String {
        let operations = byOperation.keys.sorted().map { "\($0) \(byOperation[$0]!.accepted)/\(byOperation[$0]!.refused)" }
        return "\(accepted) accepted, \(refused) refused (\(operations.joined(separator: ", ")) accepted/refused); "
            + "\(workflows) workflows, \(steps) steps at the end"
    }
}

struct Fuzzer {
    let runtime: WorkflowRuntime
    var random: SplitMix64
    var summary = FuzzSummary()
    /// Ids known to exist.
    var known: [String] = []
    /// Ids likely resumable: started to fail, or cancelled.
    var resumable: [String] = []
    var nextFresh = 0
    /// The recent operations, for the failure report.
    var log: [String] = []
    /// `SUCCESS` workflows as last seen: their row and steps must never change.
    var finished: [String: (WorkflowRecord, [StepRecord])] = [:]

    static let hostileIDs = [
        "", " ", "a\u{0}b", "line\nbreak", "tab\tid", String(repeating: "x", count: 256), String(repeating: "é", count: 128),
        "a/b?c#d%e f", "日本-ид-🙂", "'; DROP TABLE workflow_status; --", "..", "%00", "\u{7F}",
    ]

    init(runtime: WorkflowRuntime, random: SplitMix64) {
        self.runtime = runtime
        self.random = random
    }

    mutating func run(_ count: Int) async throws {
        var dump = try await runtime.journal.backend.dump()
        for index in 1...count {
            let (name, call) = nextOperation()
            log.append("\(index): \(name)")
            if log.count > 25 { log.removeFirst() }
            let outcome: Result<Void, any Error>
            do {
                try await call(runtime)
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            let operation = String(name.prefix { $0 != "(" })
            switch outcome {
            case .success:
                summary.accepted += 1
                summary.byOperation[operation, default: (0, 0)].accepted += 1
                try await settle()
            case .failure(let error):
                summary.refused += 1
                summary.byOperation[operation, default: (0, 0)].refused += 1
                let after = try await runtime.journal.backend.dump()
                if after != dump {
                    Issue.record("invariant 1: refused \(name) (\(error)) changed the journal:\n\(journalDifference(dump, after))\n\(report)")
                    return
                }
            }
            let next = try await runtime.journal.backend.dump()
            let lostSteps = Set(dump.filter { $0.hasPrefix("operation_outputs: ") }).subtracting(next)
            if !lostSteps.isEmpty {
                Issue.record("invariant 2: \(name) changed or removed recorded steps: \(lostSteps.sorted())\n\(report)")
                return
            }
            dump = next
            if index % 100 == 0 || index == count {
                guard try await checkWorkflows() else { return }
            }
        }
    }

    var report: String { "seed \(ManagementFuzzTests.seed); last operations:\n" + log.joined(separator: "\n") }

    // MARK: - Operations

    mutating func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &random)] }
    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }

    /// An existing id half the time, else a fresh one, else a hostile one.
    mutating func anyID() -> String {
        if !known.isEmpty, chance(50) { return pick(known) }
        if chance(70) { return freshID() }
        return pick(Self.hostileIDs)
    }

    mutating func freshID() -> String {
        nextFresh += 1
        return "w\(nextFresh)"
    }

    mutating func input() -> FuzzInput {
        FuzzInput(tag: "t\(Int.random(in: 0..<1_000_000, using: &random))", count: Int.random(in: 1...4, using: &random),
                  child: chance(30), fail: chance(20))
    }

    mutating func nextOperation() -> (String, @Sendable (WorkflowRuntime) async throws -> Void) {
        let roll = Int.random(in: 0..<100, using: &random)
        switch roll {
        case 0..<22:
            let (id, input) = (anyID(), input())
            known.append(id)
            if input.fail { resumable.append(id) }
            return ("start(\(id.debugDescription), \(input.tag))", { _ = try await $0.start(EchoSteps.self, id: id, input: input) })
        case 22..<32:
            let (id, input) = (anyID(), input())
            known.append(id)
            return ("enqueue-worked(\(id.debugDescription))", {
                _ = try await $0.enqueue(EchoSteps.self, queue: ManagementFuzzTests.workedQueue, id: id, input: input)
            })
        case 32..<44:
            let (id, input) = (anyID(), input())
            known.append(id)
            let dedup: String? = chance(30) ? "d\(Int.random(in: 0..<3, using: &random))" : nil
            return ("enqueue-parked(\(id.debugDescription), dedup \(dedup ?? "-"))", {
                _ = try await $0.enqueue(EchoSteps.self, queue: ManagementFuzzTests.parkedQueue, id: id, input: input,
                                         options: EnqueueOptions(deduplicationID: dedup))
            })
        case 44..<58:
            let id = anyID()
            resumable.append(id)
            return ("cancel(\(id.debugDescription))", { _ = try await $0.cancel(id: id) })
        case 58..<74:
            let id = !resumable.isEmpty && chance(60) ? pick(resumable) : anyID()
            let queue: String? = chance(40) ? pick([ManagementFuzzTests.parkedQueue, ManagementFuzzTests.workedQueue]) : nil
            return ("resume(\(id.debugDescription), queue \(queue ?? "-"))", { _ = try await $0.resume(id: id, queue: queue) })
        case 74..<94:
            let id = anyID()
            let step = Int.random(in: -1...7, using: &random)
            let newID: String? = chance(80) ? anyID() : nil
            if let newID { known.append(newID) }
            let queue: String? = chance(30) ? ManagementFuzzTests.parkedQueue : nil
            return ("fork(\(id.debugDescription), step \(step), new \(newID?.debugDescription ?? "-"), queue \(queue ?? "-"))", {
                _ = try await $0.fork(id: id, fromStep: step, newID: newID, queue: queue)
            })
        default:
            let executors = (0..<Int.random(in: 0...2, using: &random)).map { _ in
                chance(60) ? pick(["fuzz", "gone-1", "gone-2"]) : pick(Self.hostileIDs)
            }
            return ("recover(\(executors.map(\.debugDescription)))", { _ = try await $0.recover(executorIDs: executors) })
        }
    }

    // MARK: - Checks

    /// Waits until nothing runs: no `PENDING` workflow, nothing `ENQUEUED` on the worked queue.
    /// The bound is for a hang, not for speed: a fully loaded CI machine (59 suites in parallel
    /// on 2 cores) once took more than 20 s to drain the worked queue.
    func settle() async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        var unsettled: [WorkflowRecord] = []
        while ContinuousClock.now < deadline {
            // One read, so a dequeue between two reads cannot hide a workflow from both.
            let active = try await runtime.listWorkflows(WorkflowQuery(statuses: [.pending, .enqueued]))
            unsettled = active.filter { $0.status == .pending || $0.queueName == ManagementFuzzTests.workedQueue }
            if unsettled.isEmpty { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        let stuck = unsettled.prefix(10).map { "\($0.id) \($0.status) queue \($0.queueName ?? "-") executor \($0.executorID ?? "-")" }
        Issue.record("the workflows started did not settle within 60 s; still running: \(stuck) of \(unsettled.count)\n\(report)")
        throw CancellationError()
    }

    /// Invariants 2 (finished workflows) and 3 (steps belong to their own workflow's input).
    mutating func checkWorkflows() async throws -> Bool {
        let all = try await runtime.listWorkflows(WorkflowQuery(order: .ascending))
        let byID = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
        known = all.map(\.id)
        var stepCount = 0
        for record in all {
            let steps = try await runtime.steps(workflowID: record.id)
            stepCount += steps.count
            if let (row, recorded) = finished[record.id], row != record || recorded != steps {
                Issue.record("invariant 2: SUCCESS workflow \(record.id) changed: \(row) → \(record), \(recorded.count) → \(steps.count) steps\n\(report)")
                return false
            }
            if record.status == .success { finished[record.id] = (record, steps) }
            guard let input = try? JSONDecoder().decode(FuzzInput.self, from: Data(record.inputJSON.utf8)) else {
                Issue.record("workflow \(record.id) has an input that is not the fuzz input: \(record.inputJSON)")
                return false
            }
            for step in steps {
                if let childID = step.childWorkflowID {
                    let child = byID[childID].flatMap { try? JSONDecoder().decode(FuzzInput.self, from: Data($0.inputJSON.utf8)) }
                    guard child?.tag == input.tag + "/c" else {
                        Issue.record("invariant 3: step \(step.stepNumber) of \(record.id) (tag \(input.tag)) calls \(childID), tagged \(child?.tag ?? "?")\n\(report)")
                        return false
                    }
                } else if step.name.hasPrefix("echo-") {
                    let expected = "\"\(input.tag)#\(step.name.dropFirst("echo-".count))\""
                    guard step.outputJSON == expected else {
                        Issue.record("invariant 3: step \(step.name) of \(record.id) holds \(step.outputJSON ?? "nil"), its input says \(expected)\n\(report)")
                        return false
                    }
                }
            }
        }
        (summary.workflows, summary.steps) = (all.count, stepCount)
        return true
    }
}
