import DurableRuntime
import DurableTesting

/// The root of a three-level tree: a step, a child that finishes (`<id>-2`), an awaited
/// ``TreeChild`` (`<id>-3`), a last step. Returns "<first child's output> <tree child's output>".
struct TreeParent: Workflow {
    static let name = "tree_parent"
    let effects: SideEffects

    func run(context: WorkflowContext, input: String) async throws -> String {
        let id = context.workflowID
        try await context.step("before") { effects.record("\(id):before") }
        let finished = try await context.runChild(DoublingChild.self, input: 1)
        let child = try await context.runChild(TreeChild.self, input: input)
        try await context.step("after") { effects.record("\(id):after") }
        return "\(finished) \(child)"
    }
}

/// The middle of the tree: a step, a started ``GatedWorkflow`` grandchild (`<id>-2`, running
/// concurrently), a ``DoublingChild`` enqueued where no worker takes it (`<id>-3`, stays
/// `ENQUEUED`), a step that waits on the gate, a last step; returns the grandchild's output.
struct TreeChild: Workflow {
    static let name = "tree_child"
    static let idleQueue = "nobody_works_this"
    let effects: SideEffects
    let gate: Gate

    func run(context: WorkflowContext, input: String) async throws -> String {
        let id = context.workflowID
        try await context.step("before") { effects.record("\(id):before") }
        let grandchild = try await context.startChild(GatedWorkflow.self, input: input)
        _ = try await context.enqueue(DoublingChild.self, queue: Self.idleQueue, input: 5)
        try await context.step("blocked") {
            effects.record("\(id):blocked")
            try await gate.wait()
        }
        try await context.step("after") { effects.record("\(id):after") }
        return try await grandchild.result()
    }
}

/// A step, an awaited ``GatedWorkflow`` child (`<id>-2`), a last step; returns "parent <child's output>".
struct AwaitingParent: Workflow {
    static let name = "awaiting_parent"
    let effects: SideEffects

    func run(context: WorkflowContext, input: String) async throws -> String {
        let id = context.workflowID
        try await context.step("before") { effects.record("\(id):before") }
        let child = try await context.runChild(GatedWorkflow.self, input: input)
        try await context.step("after") { effects.record("\(id):after") }
        return "parent \(child)"
    }
}
