import Logging

/// Which workflow and step the current task works for, bound by the runtime around each
/// workflow execution and each step attempt (a Swift task-local value, so it reaches every
/// child task and every library called from the step).
///
/// Install ``Logging/Logger/MetadataProvider/workflow`` in `LoggingSystem.bootstrap` and every
/// log line emitted inside a workflow or a step carries `workflow_id`, `workflow_name`,
/// `executor_id` and, inside a step, `step` (its name) and `step_number`, without any string
/// pasting at the call sites.
public struct WorkflowLogContext: Sendable, Equatable {
    /// The workflow's id.
    public var workflowID: String
    /// Its registered name.
    public var workflowName: String
    /// The executor running it.
    public var executorID: String
    /// The step being attempted, if any.
    public var step: String?
    /// Its position in the workflow, if in a step.
    public var stepNumber: Int?

    /// Creates a context.
    public init(workflowID: String, workflowName: String, executorID: String, step: String? = nil, stepNumber: Int? = nil) {
        self.workflowID = workflowID
        self.workflowName = workflowName
        self.executorID = executorID
        self.step = step
        self.stepNumber = stepNumber
    }

    /// The context of the current task, if it works for a workflow.
    @TaskLocal public static var current: WorkflowLogContext?

    /// The context as log metadata.
    public var metadata: Logger.Metadata {
        var metadata: Logger.Metadata = [
            "workflow_id": .string(workflowID), "workflow_name": .string(workflowName), "executor_id": .string(executorID),
        ]
        if let step { metadata["step"] = .string(step) }
        if let stepNumber { metadata["step_number"] = .stringConvertible(stepNumber) }
        return metadata
    }
}

extension Logger.MetadataProvider {
    /// The current task's ``WorkflowLogContext`` as metadata (nothing outside a workflow).
    public static let workflow = Logger.MetadataProvider {
        WorkflowLogContext.current?.metadata ?? [:]
    }
}
