import DurableRuntime
import ELT
import ELTApp
import Foundation

/// Tables and JSON for the client verbs.
enum Output {
    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func prettyJSON(_ value: JSONValue?) -> String {
        guard let value else { return "" }
        if case .object(let fields) = value, fields.isEmpty { return "{}" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return (try? encoder.encode(value)).map { PrettyJSON.collapsingEmptyContainers(String(decoding: $0, as: UTF8.self)) } ?? ""
    }

    /// Columns padded to their widest cell.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// One workflow as `key: value` lines.
    static func describe(_ view: WorkflowView) -> String {
        var lines = [
            ("workflow id", view.workflowID), ("name", view.name), ("status", view.status),
            ("executor", view.executorID ?? "-"), ("queue", view.queueName ?? "-"), ("parent", view.parentID ?? "-"),
            ("recovery attempts", "\(view.recoveryAttempts)"), ("created", view.createdAt), ("updated", view.updatedAt),
            ("input", prettyJSON(view.input)),
        ]
        if view.output != nil { lines.append(("output", prettyJSON(view.output))) }
        if view.error != nil { lines.append(("error", prettyJSON(view.error))) }
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { key, value in
            let indented = value.replacingOccurrences(of: "\n", with: "\n" + String(repeating: " ", count: width + 2))
            return key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + indented
        }.joined(separator: "\n")
    }

    /// What `elt steps` can and cannot tell about a step's attempts.
    static let stepsNote = "MS runs from the step's start to its recorded outcome, so it includes any retries inside the step and the "
        + "waits between them. TRIES counts the runs of the step's body in the execution that recorded it (1 + retries); the outcome "
        + "is the last try's. A step still running is not listed until it records its outcome, and tries of an execution that "
        + "crashed before recording are not counted. A child workflow's row is recorded as the child starts (MS 0), and its "
        + "OUTCOME is the child's status now (child SUCCESS, child ERROR, …): elt steps <child id> shows its own steps."

    /// `elt steps`: one row per step (number, name, child, milliseconds, tries, outcome). The
    /// columns are explained by ``stepsNote`` in `elt steps --help`, and in a line on standard
    /// error at a terminal (``stepsHint``): the table alone goes down a pipe.
    static func steps(_ steps: [StepView]) -> String {
        table(["STEP", "NAME", "CHILD", "MS", "TRIES", "OUTCOME"], steps.map {
            ["\($0.step)", $0.name, $0.childWorkflowID ?? "-", "\($0.durationMs)", "\($0.attempts)", outcome($0)]
        })
    }

    /// The one line `elt steps` adds at a terminal.
    static let stepsHint = "MS includes a step's retries and their waits; TRIES is 1 + retries (elt steps --help says more)."

    /// `error: <message>` for a failed step (the recorded error's message), `child <STATUS>`
    /// for a child workflow's row (its outcome is the child's), `ok <output>` otherwise.
    static func outcome(_ step: StepView) -> String {
        if let status = step.childStatus, step.error == nil, step.output == nil { return "child " + status }
        if let error = step.error {
            if case .object(let fields) = error, case .string(let text)? = fields["message"] {
                let message = text.replacingOccurrences(of: "\n", with: " ")
                return "error: " + (message.count <= 80 ? message : String(message.prefix(80)) + "…")
            }
            return "error: " + summary(error, limit: 80)
        }
        return step.output == nil ? "ok" : "ok " + summary(step.output)
    }

    static func summary(_ value: JSONValue?, limit: Int = 60) -> String {
        guard let value else { return "" }
        let text = json(value)
        return text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }
}
