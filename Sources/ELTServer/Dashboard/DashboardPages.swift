import DurableRuntime
import ELT
import Foundation

/// The values of the dashboard's pages, read through the ``DurableClient`` (and the data store
/// for tenants). Plain structs of strings, numbers and flags: the templates only show them.
struct DashboardPages: Sendable {
    let client: DurableClient
    let store: (any DataStore)?

    /// Workflows per page of the list.
    static let pageSize = 50

    // MARK: Workflows

    struct Row {
        var id: String
        var idPath: String
        var name: String
        var status: String
        var statusClass: String
        var queue: String
        var created: String
        var updated: String
        var executor: String
    }

    struct StatusOption {
        var value: String
        var label: String
        var selected: Bool
    }

    struct WorkflowList {
        var rows: [Row]
        /// Whether a listed workflow waits or runs (the page then refreshes its rows).
        var live: Bool
        var statusOptions: [StatusOption]
        var filterName: String
        var filterQueue: String
        var filterAll: Bool
        var page: Int
        var previousHref: String?
        var nextHref: String?
    }

    /// `/workflows` with `parameters` (`status`, `name`, `queue`, `all`, `page`; empty values
    /// are no filter): the same filters and default (top-level only) as `elt list`.
    func workflows(_ parameters: [(String, String)]) async throws -> WorkflowList {
        var filters: [(String, String)] = []
        var page = 1
        for (key, value) in parameters where !value.isEmpty {
            switch key {
            case "status", "name", "queue", "all": filters.append((key, value))
            case "page":
                guard let number = Int(value), number >= 1, number <= 100_000 else {
                    throw FilterError.badValue(key: "page", value: value, expected: "a whole number from 1")
                }
                page = number
            default: continue
            }
        }
        var query = try WorkflowFilter.query(filters)
        query.limit = Self.pageSize + 1
        query.offset = (page - 1) * Self.pageSize
        let records = try await client.listWorkflows(query)
        let shown = records.prefix(Self.pageSize)
        func href(_ page: Int) -> String { "/workflows?" + DashboardRoutes.query(filters + [("page", String(page))]) }
        let selected = filters.first { $0.0 == "status" }?.1.uppercased() ?? ""
        return WorkflowList(
            rows: shown.map(Self.row), live: shown.contains { $0.status == .pending || $0.status == .enqueued },
            statusOptions: [StatusOption(value: "", label: "any", selected: selected.isEmpty)]
                + WorkflowStatus.allCases.map { StatusOption(value: $0.rawValue, label: $0.rawValue, selected: $0.rawValue == selected) },
            filterName: filters.first { $0.0 == "name" }?.1 ?? "", filterQueue: filters.first { $0.0 == "queue" }?.1 ?? "",
            filterAll: query.topLevelOnly == false && filters.contains { $0.0 == "all" },
            page: page, previousHref: page > 1 ? href(page - 1) : nil, nextHref: records.count > Self.pageSize ? href(page + 1) : nil)
    }

    static func row(_ record: WorkflowRecord) -> Row {
        Row(id: record.id, idPath: DashboardRoutes.pathSegment(record.id), name: record.name, status: record.status.rawValue,
            statusClass: record.status.rawValue.lowercased(), queue: record.queueName ?? "", created: time(record.createdAt),
            updated: time(record.updatedAt), executor: record.executorID ?? "")
    }

    /// Milliseconds since 1970 as `2026-11-28 05:20:00.123Z`.
    static func time(_ milliseconds: Int64) -> String {
        WorkflowView.iso(milliseconds).replacingOccurrences(of: "T", with: " ")
    }

    // MARK: One workflow

    struct Step {
        var number: Int
        var name: String
        var childID: String
        var childPath: String?
        var durationMs: Int64
        var attempts: Int
        var outcome: String
        var outcomeClass: String
    }

    struct Node {
        var nodeID: String
        var nodePath: String
        var nodeName: String
        var status: String
        var statusClass: String
        var nodeHasChildren: Bool
        var nodeChildren: [Node]
    }

    struct WorkflowPage {
        var id: String
        var apiPath: String
        var name: String
        var status: String
        var statusClass: String
        var queue: String
        var executor: String
        var created: String
        var updated: String
        var recoveryAttempts: Int
        var parent: Bool
        var parentID: String
        var parentPath: String
        var canCancel: Bool
        var canResume: Bool
        var canFork: Bool
        var input: String
        var hasOutput: Bool
        var output: String
        var hasError: Bool
        var error: String
        var steps: [Step]
        var timeline: Timeline?
        var hasChildren: Bool
        var children: [Node]
        var treeTruncated: Bool
        var treeLimit = DashboardPages.treeLimit
        var treeDepth = DashboardPages.treeDepth
    }

    /// The most descendants the tree shows, and how deep.
    static let treeLimit = 300
    static let treeDepth = 4

    /// `/workflows/:id`; an unknown id throws ``WorkflowError/notFound(workflowID:)``.
    func workflow(id: String) async throws -> WorkflowPage {
        let record = try await client.existingWorkflow(id: id)
        let steps = try await client.steps(workflowID: id)
        var budget = Self.treeLimit
        var truncated = false
        let children = try await tree(of: id, depth: 1, budget: &budget, truncated: &truncated)
        let now = journalTimestamp()
        let directChildren = children.isEmpty ? [] : try await client.listWorkflows(WorkflowQuery(parentID: id, limit: Timeline.maximumBars, order: .ascending))
        let spans = steps.map { step in
            Timeline.Span(kind: "step", label: "\(step.stepNumber). \(step.name)",
                          detail: step.errorJSON == nil ? "attempts: \(step.attempts)" : "failed: \(Self.errorMessage(step.errorJSON ?? ""))",
                          statusClass: step.errorJSON == nil ? "ok" : "failed", start: step.startedAt, end: step.completedAt)
        } + directChildren.map { child in
            Timeline.Span(kind: "child", label: "↳ \(child.name) \(child.id)", detail: "status: \(child.status.rawValue)",
                          statusClass: child.status.rawValue.lowercased(), start: child.createdAt,
                          end: child.status.isTerminal ? child.updatedAt : max(now, child.updatedAt))
        }
        return WorkflowPage(
            id: record.id, apiPath: "/api/workflows/" + DashboardRoutes.pathSegment(record.id), name: record.name,
            status: record.status.rawValue, statusClass: record.status.rawValue.lowercased(), queue: record.queueName ?? "",
            executor: record.executorID ?? "", created: Self.time(record.createdAt), updated: Self.time(record.updatedAt),
            recoveryAttempts: record.recoveryAttempts, parent: record.parentID != nil, parentID: record.parentID ?? "",
            parentPath: DashboardRoutes.pathSegment(record.parentID ?? ""),
            canCancel: record.status == .enqueued || record.status == .pending,
            canResume: DurableClient.resumableStatuses.contains(record.status), canFork: !steps.isEmpty,
            input: Self.pretty(record.inputJSON), hasOutput: record.outputJSON != nil, output: Self.pretty(record.outputJSON ?? ""),
            hasError: record.errorJSON != nil, error: Self.pretty(record.errorJSON ?? ""),
            steps: steps.map(Self.step), timeline: Timeline(spans: spans),
            hasChildren: !children.isEmpty, children: children, treeTruncated: truncated)
    }

    /// The children of `parentID`, and theirs, down to ``treeDepth`` and at most `budget` in all.
    func tree(of parentID: String, depth: Int, budget: inout Int, truncated: inout Bool) async throws -> [Node] {
        guard budget > 0 else { truncated = true; return [] }
        let children = try await client.listWorkflows(WorkflowQuery(parentID: parentID, limit: budget + 1, order: .ascending))
        if children.count > budget { truncated = true }
        let taken = Array(children.prefix(budget))
        budget -= taken.count
        var nodes: [Node] = []
        for child in taken {
            var grandchildren: [Node] = []
            if depth < Self.treeDepth {
                grandchildren = try await tree(of: child.id, depth: depth + 1, budget: &budget, truncated: &truncated)
            } else if try await !client.listWorkflows(WorkflowQuery(parentID: child.id, limit: 1)).isEmpty {
                truncated = true
            }
            nodes.append(Node(nodeID: child.id, nodePath: DashboardRoutes.pathSegment(child.id), nodeName: child.name,
                              status: child.status.rawValue, statusClass: child.status.rawValue.lowercased(),
                              nodeHasChildren: !grandchildren.isEmpty, nodeChildren: grandchildren))
        }
        return nodes
    }

    static func step(_ record: StepRecord) -> Step {
        Step(number: record.stepNumber, name: record.name, childID: record.childWorkflowID ?? "",
             childPath: record.childWorkflowID.map(DashboardRoutes.pathSegment), durationMs: record.completedAt - record.startedAt,
             attempts: record.attempts, outcome: record.errorJSON.map(errorMessage) ?? "ok",
             outcomeClass: record.errorJSON == nil ? "ok" : "error")
    }

    /// A recorded error's `message` (else its JSON text).
    static func errorMessage(_ json: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let message = object["message"] as? String else { return json }
        return message
    }

    /// JSON text indented, keys sorted (the text itself if it is not JSON); at most 64 KiB.
    static func pretty(_ json: String) -> String {
        let text: String
        if let value = try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed]),
           let data = try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed]) {
            text = PrettyJSON.collapsingEmptyContainers(String(decoding: data, as: UTF8.self))
        } else {
            text = json
        }
        return text.utf8.count <= 65_536 ? text : String(text.prefix(65_536)) + "\n… (cut: see GET /api/workflows/…)"
    }
}
