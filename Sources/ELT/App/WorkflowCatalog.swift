import DurableRuntime
import Foundation

/// The workflows a client may start by name, with their parameters: what `elt start NAME
/// key=value…` checks before it enqueues anything.
public enum WorkflowCatalog {
    /// A parameter's JSON type.
    public enum ParameterType: String, Sendable {
        /// A whole number.
        case integer
        /// A number, such as `0.5`.
        case number
        /// `true` or `false`.
        case boolean
        /// Any text.
        case string
    }

    /// One parameter of a workflow.
    public struct Parameter: Sendable {
        /// Its name, as typed (`num_batches`).
        public var name: String
        /// Its type.
        public var type: ParameterType
        /// Whether it must be given.
        public var required: Bool
        /// One line of help.
        public var help: String
    }

    /// A startable workflow.
    public struct Entry: Sendable {
        /// The registered name.
        public var name: String
        /// What it does.
        public var summary: String
        /// Its parameters.
        public var parameters: [Parameter]
    }

    private static let batchParameters = [
        Parameter(name: "num_batches", type: .integer, required: false, help: "the most batches per integration (default: until the snapshot ends)"),
        Parameter(name: "batch_size", type: .integer, required: false, help: "pages per batch (default 10)"),
        Parameter(name: "page_size", type: .integer, required: false, help: "users per page (default 10)"),
        Parameter(name: "snapshot", type: .integer, required: false, help: "source snapshot (default provider_data.snapshot, else 0)"),
        Parameter(name: "max_delete_fraction", type: .number, required: false,
                  help: "the most of a tenant's latest users one run may delete, 0 to 1 (default 0.2)"),
    ]
    private static let tenantParameters = [
        Parameter(name: "organization_id", type: .string, required: true, help: "the organization, e.g. org-001"),
        Parameter(name: "connected_integration_id", type: .string, required: true, help: "the integration's id (a UUID)"),
    ]
    private static let stageParameters = tenantParameters + [
        Parameter(name: "run_id", type: .string, required: true, help: "the pipeline run whose rows to process"),
    ]

    /// Every workflow a client may start.
    public static let entries: [Entry] = [
        Entry(name: RootOrchestrationWorkflow.name, summary: "every integration through all four stages", parameters: batchParameters + [
            Parameter(name: "integration_page_size", type: .integer, required: false,
                      help: "integrations read per step, and pipelines in flight at most (default 1000)"),
        ]),
        Entry(name: ELTPipelineWorkflow.name, summary: "one integration through all four stages", parameters: tenantParameters + batchParameters),
        Entry(name: ExtractAndLoadWorkflow.name, summary: "extract and stage one integration's users",
              parameters: tenantParameters + batchParameters + [
                Parameter(name: "run_id", type: .string, required: false, help: "the run id of the staged rows (default: the workflow's id)"),
              ]),
        Entry(name: CDCDetectionWorkflow.name, summary: "detect one run's changes",
              parameters: stageParameters + [
                Parameter(name: "snapshot_complete", type: .boolean, required: false, help: "detect deletes (default false)"),
              ]),
        Entry(name: ApplyToLatestWorkflow.name, summary: "apply one run's changes to users_latest", parameters: stageParameters),
        Entry(name: SyncToPostgresWorkflow.name, summary: "sync one run's changes to the main database", parameters: stageParameters),
    ]

    /// The entry named `name`, or an error listing the valid names.
    public static func entry(named name: String) throws(CatalogError) -> Entry {
        guard let entry = entries.first(where: { $0.name == name }) else {
            throw .unknownWorkflow(name, valid: entries.map(\.name))
        }
        return entry
    }

    /// The JSON input for `name` from `key=value` arguments: integers and booleans are converted
    /// (`true`/`false`), and every key must be a parameter of the workflow.
    public static func inputJSON(for name: String, arguments: [String]) throws(CatalogError) -> String {
        let entry = try entry(named: name)
        var object: [String: Any] = [:]
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
                throw .malformedArgument(argument)
            }
            let key = String(argument[..<equals])
            let text = String(argument[argument.index(after: equals)...])
            guard let parameter = entry.parameters.first(where: { $0.name == key }) else {
                throw .unknownParameter(key, workflow: name, valid: entry.parameters)
            }
            guard object[key] == nil else { throw .repeatedParameter(key) }
            switch parameter.type {
            case .integer:
                guard let value = Int(text) else { throw .badValue(key, value: text, expected: "a whole number") }
                object[key] = value
            case .number:
                guard let value = Double(text), value.isFinite else { throw .badValue(key, value: text, expected: "a number") }
                object[key] = value
            case .boolean:
                switch text.lowercased() {
                case "true": object[key] = true
                case "false": object[key] = false
                default: throw .badValue(key, value: text, expected: "true or false")
                }
            case .string:
                object[key] = text
            }
        }
        let missing = entry.parameters.filter { $0.required && object[$0.name] == nil }
        guard missing.isEmpty else { throw .missingParameters(missing.map(\.name), workflow: name, valid: entry.parameters) }
        // The bounds the workflows check, checked here, before anything is enqueued.
        for (key, range) in [("num_batches", 1...BatchParameters.maxBatches), ("batch_size", 1...10_000), ("page_size", 1...10_000),
                             ("snapshot", 0...Int.max), ("integration_page_size", 1...Int.max)] {
            if let value = object[key] as? Int, !range.contains(value) {
                let expected = range.upperBound == Int.max
                    ? "a whole number of \(range.lowerBound) or more" : "a whole number from \(range.lowerBound) to \(range.upperBound)"
                throw .badValue(key, value: "\(value)", expected: expected)
            }
        }
        if let fraction = object["max_delete_fraction"] as? Double, !(0...1).contains(fraction) {
            throw .badValue("max_delete_fraction", value: "\(fraction)", expected: "a fraction from 0 to 1")
        }
        // Values are Int, finite Double, Bool and String only, which JSONSerialization always accepts.
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// Why `elt start` refused its arguments.
public enum CatalogError: Error, CustomStringConvertible {
    /// No such workflow.
    case unknownWorkflow(String, valid: [String])
    /// An argument without `=`.
    case malformedArgument(String)
    /// A key the workflow does not take.
    case unknownParameter(String, workflow: String, valid: [WorkflowCatalog.Parameter])
    /// The same key twice.
    case repeatedParameter(String)
    /// A value of the wrong type.
    case badValue(String, value: String, expected: String)
    /// Required keys not given.
    case missingParameters([String], workflow: String, valid: [WorkflowCatalog.Parameter])

    /// What is wrong, and what would be right.
    public var description: String {
        switch self {
        case let .unknownWorkflow(name, valid):
            "unknown workflow '\(name)'; the workflows you can start are: \(valid.joined(separator: ", "))"
        case let .malformedArgument(argument):
            "argument '\(argument)' is not key=value (for example num_batches=5)"
        case let .unknownParameter(key, workflow, valid):
            "\(workflow) has no parameter '\(key)'; its parameters are: \(Self.list(valid))"
        case let .repeatedParameter(key):
            "parameter '\(key)' is given twice"
        case let .badValue(key, value, expected):
            "parameter \(key)=\(value) is invalid: expected \(expected)"
        case let .missingParameters(keys, workflow, valid):
            "\(workflow) needs \(keys.joined(separator: ", ")); its parameters are: \(Self.list(valid))"
        }
    }

    private static func list(_ parameters: [WorkflowCatalog.Parameter]) -> String {
        parameters.isEmpty ? "none"
            : parameters.map { "\($0.name) (\($0.type.rawValue)\($0.required ? ", required" : ""))" }.joined(separator: ", ")
    }
}
