import DurableRuntime
import DurableTesting
import Foundation
import Synchronization

/// A child workflow of two steps; each step counts its side effect under "<workflow id>:<step>".
struct DoublingChild: Workflow {
    static let name = "doubling_child"
    let effects: SideEffects

    func run(context: WorkflowContext, input: Int) async throws -> Int {
        let id = context.workflowID
        let doubled = try await context.step("double") {
            effects.record("\(id):double")
            return input * 2
        }
        return try await context.step("increment") {
            effects.record("\(id):increment")
            return doubled + 1
        }
    }
}

/// A parent that mixes steps, awaited children and a started child, for crash-at-every-step tests.
struct MixedParent: Workflow {
    static let name = "mixed_parent"
    let effects: SideEffects

    func run(context: WorkflowContext, input: Int) async throws -> [Int] {
        let id = context.workflowID
        var outputs: [Int] = []
        outputs.append(try await context.step("first") {
            effects.record("\(id):first")
            return input + 10
        })
        outputs.append(try await context.runChild(DoublingChild.self, input: outputs[0]))
        outputs.append(try await context.step("middle") {
            effects.record("\(id):middle")
            return outputs[1] * 3
        })
        let started = try await context.startChild(DoublingChild.self, input: 7)
        outputs.append(try await context.runChild(DoublingChild.self, input: outputs[2]))
        outputs.append(try await started.result())
        try await context.step("last") { effects.record("\(id):last") }
        return outputs
    }
}

/// N sequential steps named step-1…step-N, each counting its side effect and returning its index.
struct SequentialSteps: Workflow {
    static let name = "sequential_steps"
    let effects: SideEffects

    func run(context: WorkflowContext, input: Int) async throws -> Int {
        var sum = 0
        for index in 1...max(input, 1) {
            sum += try await context.step("step-\(index)") {
                effects.record("\(context.workflowID):step-\(index)")
                return index
            }
        }
        return sum
    }
}

/// Runs step "before", waits on a gate inside step "blocked", then runs step "after".
struct GatedWorkflow: Workflow {
    static let name = "gated_workflow"
    static let maxRecoveryAttempts = 2
    let effects: SideEffects
    let gate: Gate

    func run(context: WorkflowContext, input: String) async throws -> String {
        let id = context.workflowID
        try await context.step("before") { effects.record("\(id):before") }
        try await context.step("blocked") {
            effects.record("\(id):blocked")
            try await gate.wait()
        }
        try await context.step("after") { effects.record("\(id):after") }
        return "done \(input)"
    }
}

/// A workflow whose step measures how many copies run at once (queue limit tests).
struct GaugedWorkflow: Workflow {
    static let name = "gauged_workflow"
    let effects: SideEffects
    let gauge: ConcurrencyGauge

    func run(context: WorkflowContext, input: Int) async throws -> Int {
        try await context.step("work") {
            gauge.enter()
            defer { gauge.leave() }
            effects.record(context.workflowID)
            // Hold the slot until `gauge.target` run together (or 2 s pass), so a queue that
            // runs work concurrently shows it whatever the machine's speed.
            let deadline = ContinuousClock.now + .seconds(2)
            while gauge.current < gauge.target && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            try await Task.sleep(for: .milliseconds(10))
            return input
        }
    }
}

/// A workflow that returns its memoised time and uuid.
struct MemoWorkflow: Workflow {
    static let name = "memo_workflow"

    struct Output: Codable, Sendable, Equatable {
        var now: Date
        var uuid: UUID
        var after: Int
    }

    let effects: SideEffects

    func run(context: WorkflowContext, input: Nothing) async throws -> Output {
        let now = try await context.now()
        let uuid = try await context.uuid()
        let after = try await context.step("after") {
            effects.record("\(context.workflowID):after")
            return 1
        }
        return Output(now: now, uuid: uuid, after: after)
    }
}

/// An error a step throws on purpose.
struct FlakyError: Error, CustomStringConvertible, Equatable {
    var attempt: Int
    var description: String { "flaky failure on attempt \(attempt)" }
}

/// An error that retry policies are told never to retry.
struct FatalError: Error, CustomStringConvertible {
    var description: String { "fatal, do not retry" }
}

/// The order in which workflows ran, by id.
final class OrderLog: Sendable {
    private let log = Mutex<[String]>([])
    func append(_ entry: String) { log.withLock { $0.append(entry) } }
    var entries: [String] { log.withLock { $0 } }
}

/// Appends its id to an ``OrderLog`` in a step.
struct OrderedWorkflow: Workflow {
    static let name = "ordered_workflow"
    let order: OrderLog

    func run(context: WorkflowContext, input: Int) async throws -> Int {
        try await context.step("log") { order.append(context.workflowID) }
        return input
    }
}
