/// The rule every workflow id a caller chooses must follow, checked in one place for the
/// runtime, the client and the admin API alike.
///
/// An id is non-empty, at most ``maximumBytes`` bytes of UTF-8 (255, the common limit of a
/// database key or a file name, and far above the UUIDs and `<name>-<date>` ids in use), and
/// holds no control characters (they break logs, terminals and URLs). The ids the runtime
/// derives itself (a child's `<parent>-<n>`, a fork's `<id>-fork-<ms>`) are not re-checked.
public enum WorkflowID {
    /// The longest id, in bytes of UTF-8.
    public static let maximumBytes = 255

    /// Which rule `id` breaks, or nil if it is a valid id. `noun` names the kind of id in the
    /// message (executor ids follow the same rule).
    public static func problem(_ id: String, noun: String = "a workflow id") -> String? {
        if id.isEmpty { return "\(noun) must not be empty" }
        let bytes = id.utf8.count
        if bytes > maximumBytes { return "\(noun) is at most \(maximumBytes) bytes of UTF-8; this one has \(bytes)" }
        for (offset, scalar) in id.unicodeScalars.enumerated() where scalar.properties.generalCategory == .control {
            let code = String(scalar.value, radix: 16, uppercase: true)
            return "\(noun) must not contain control characters; character \(offset + 1) is U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code)"
        }
        return nil
    }

    /// Which rule the executor id `id` breaks, or nil if it is valid: the rule of workflow ids,
    /// and not only whitespace (a mistake that no listing would show). One rule for every way
    /// an executor id arrives: a process's own (`--executor-id`, `ELT_EXECUTOR_ID`, a runtime's
    /// configuration) and those named to recover.
    public static func executorProblem(_ id: String) -> String? {
        problem(id, noun: "an executor id")
            ?? (id.allSatisfy(\.isWhitespace) ? "an executor id must not be only whitespace" : nil)
    }

    /// Throws ``WorkflowError/invalidWorkflowID(shown:rule:)`` if `id` breaks the rule.
    public static func validate(_ id: String) throws(WorkflowError) {
        if let rule = problem(id) { throw .invalidWorkflowID(shown: shown(id), rule: rule) }
    }

    /// At most 60 characters of `id`, control characters escaped, for a message.
    static func shown(_ id: String) -> String {
        var text = ""
        for scalar in id.unicodeScalars.prefix(60) {
            text += scalar.properties.generalCategory == .control ? scalar.escaped(asASCII: true) : String(scalar)
        }
        return id.unicodeScalars.count > 60 ? text + "…" : text
    }
}
