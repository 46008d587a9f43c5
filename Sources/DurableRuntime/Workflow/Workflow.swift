/// A durable workflow: ordinary async Swift code whose operations are checkpointed.
///
/// A workflow has a registered ``name`` (the name users type, such as
/// `elt_pipeline_workflow`), a `Codable` input and output, and a ``run(context:input:)`` method
/// that does its work through the ``WorkflowContext``: every `context.step`, child workflow,
/// sleep, `now` and `uuid` is recorded in the journal so a restarted process resumes where the
/// last one stopped.
///
/// ```swift
/// struct Greet: Workflow {
///     static let name = "greet"
///     func run(context: WorkflowContext, input: String) async throws -> String {
///         try await context.step("compose") { "hello \(input)" }
///     }
/// }
/// ```
public protocol Workflow: Sendable {
    /// The workflow's input; stored as JSON in the journal.
    associatedtype Input: Codable & Sendable
    /// The workflow's output; stored as JSON in the journal.
    associatedtype Output: Codable & Sendable

    /// The registered name, unique within a runtime.
    static var name: String { get }

    /// How many recoveries the workflow may go through before it is dead-lettered as
    /// `MAX_RECOVERY_ATTEMPTS_EXCEEDED`. Defaults to 100.
    static var maxRecoveryAttempts: Int { get }

    /// The workflow body. It must be deterministic apart from what it does inside steps.
    func run(context: WorkflowContext, input: Input) async throws -> Output
}

extension Workflow {
    /// The default recovery limit, as in DBOS: 100.
    public static var maxRecoveryAttempts: Int { 100 }
}

/// A `Codable` stand-in for "no value", for workflows and steps that return nothing.
public struct Nothing: Codable, Sendable, Equatable, Hashable {
    /// The only value.
    public init() {}
}
