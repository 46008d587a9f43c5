import ArgumentParser
import DurableRuntime
import ELT
import ELTApp
import Foundation

/// `elt start NAME key=value…`
struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Enqueue a workflow by name; a running elt-server executes it.",
        discussion: "Values that look like whole numbers or true/false are converted. Workflows: "
            + WorkflowCatalog.entries.map { "\($0.name) (" + ($0.parameters.map(\.name).joined(separator: ", ")) + ")" }.joined(separator: "; "))

    @Argument(help: "The workflow's registered name, e.g. root_orchestration_workflow.")
    var name: String

    @Argument(help: "Parameters as key=value, e.g. organization_id=org-001 num_batches=5.")
    var parameters: [String] = []

    @Option(help: "The workflow id (default: a new UUID). Starting an id that exists never runs it twice.")
    var id: String?

    @Flag(help: "Wait until the workflow ends and print its status.")
    var wait = false

    @Option(parsing: .unconditional, help: "With --wait, the most seconds to wait.")
    var timeout = 3600

    @Flag(help: "Exit non-zero when the id exists already with a different input (the given input is ignored either way).")
    var strict = false

    @OptionGroup var options: ClientOptions

    func validate() throws {
        guard timeout >= 1 else { throw ValidationError("--timeout must be 1 or more seconds, got \(timeout)") }
    }

    func run() async throws {
        try await runReportingErrors {
            let started = try await options.client.withClient { [name, parameters, id] in
                try await $0.start(catalogued: name, arguments: parameters, id: id)
            }
            let record = started.record
            if started.existed {
                if started.inputDiffers && strict {
                    FileHandle.standardError.write(Data((
                        "error: workflow \(record.id) exists already (status \(record.status.rawValue)) with another input: recorded "
                        + "\(record.inputJSON); nothing was enqueued. Use another --id to start a new run\n").utf8))
                    throw ExitCode.failure
                }
                var notice = "note: workflow \(record.id) exists already (status \(record.status.rawValue)); nothing was enqueued, the existing one is returned"
                if started.inputDiffers {
                    notice += ". Its input differs from the one given, which is ignored: recorded \(record.inputJSON)"
                    notice += " (pass --strict to make this an error; use another --id to start a new run)"
                }
                FileHandle.standardError.write(Data((notice + "\n").utf8))
            }
            guard wait else {
                if options.json {
                    print(Output.json(WorkflowView(record)))
                } else {
                    let what = started.existed ? "Existing" : "Enqueued"
                    print("\(what) \(record.name) as \(record.id) on \(record.queueName ?? "-") (status \(record.status.rawValue)).")
                    print("Follow it with: elt status \(ShellWord.quoted(record.id))")
                }
                return
            }
            let finished = try await options.client.withClient { [timeout] in try await $0.wait(id: record.id, timeout: .seconds(timeout)) }
            print(options.json ? Output.json(WorkflowView(finished)) : Output.describe(WorkflowView(finished)))
            if !finished.status.isTerminal {
                let why = finished.status == .enqueued
                    ? "no server has taken it: is an elt-server running on this journal (\(options.client.configuration.journalLocation))?"
                    : "it is running on executor \(finished.executorID ?? "-"); wait longer with --timeout, or follow it with elt status \(ShellWord.quoted(finished.id))"
                FileHandle.standardError.write(Data("error: timed out after \(timeout) s; status \(finished.status.rawValue): \(why)\n".utf8))
            }
            if finished.status != .success { throw ExitCode.failure }
        }
    }
}

/// `elt status ID`
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show one workflow: status, input, output or error.")

    @Argument(help: "The workflow id.")
    var id: String

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runReportingErrors {
            let record = try await options.client.withExistingJournal { [id] in try await $0.existingWorkflow(id: id) }
            print(options.json ? Output.json(WorkflowView(record)) : Output.describe(WorkflowView(record)))
        }
    }
}

/// `elt executors`
struct ExecutorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "executors", abstract: "List the executors registered in the journal: live, released or expired.",
        discussion: "A server registers its --executor-id with a lease (elt-server --executor-lease, 30 s by default). An expired executor died or hung: the live servers take over its unfinished workflows.")

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runReportingErrors {
            let now = journalTimestamp()
            let executors = try await options.client.withExistingJournal { try await $0.executors() }.map { ExecutorView($0, now: now) }
            if options.json {
                print(Output.json(executors))
            } else if executors.isEmpty {
                print("No executor has registered in this journal (servers register when they start).")
            } else {
                print(Output.table(["EXECUTOR", "STATE", "HOST", "PID", "VERSION", "STARTED", "LEASE LEFT"], executors.map {
                    [$0.executorID, $0.state, $0.host, "\($0.pid)", $0.applicationVersion, $0.startedAt,
                     $0.state == "live" ? "\($0.leaseSecondsLeft) s" : "-"]
                }))
            }
        }
    }
}

/// `elt list [--all] [status=…] [name=…] [parent=…] [limit=…]`
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List workflows, newest first: top-level ones unless --all.",
        discussion: "Filters: " + WorkflowFilter.keys.joined(separator: ", ") + ". status takes a comma-separated list; limit defaults to 100. "
            + "Without --all only top-level workflows (no parent) are listed; parent=ID lists ID's children, and name, queue "
            + "or id_prefix search children too (all=false keeps them out).")

    @Argument(help: "Filters as key=value, e.g. status=SUCCESS limit=10 parent=<id>.")
    var filters: [String] = []

    @Flag(help: "Include child workflows (started by other workflows), not only top-level ones.")
    var all = false

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runReportingErrors {
            let query = try Self.query(filters, all: all)
            let views = try await options.client.withExistingJournal { try await $0.listWorkflows(query) }.map(WorkflowView.init)
            if options.json {
                print(Output.json(views))
            } else {
                print(Self.table(views, query: query))
            }
        }
    }

    /// The query of `filters` (`key=value`) and `--all`.
    static func query(_ filters: [String], all: Bool) throws -> WorkflowQuery {
        var pairs: [(String, String)] = []
        for filter in filters {
            guard let equals = filter.firstIndex(of: "="), equals != filter.startIndex else {
                throw ValidationError("filter '\(filter)' is not key=value (for example status=SUCCESS)")
            }
            pairs.append((String(filter[..<equals]), String(filter[filter.index(after: equals)...])))
        }
        if all {
            guard !pairs.contains(where: { $0.0 == "all" }) else {
                throw ValidationError("--all and the filter all= are both given; give one (--all is all=true)")
            }
            pairs.append(("all", "true"))
        }
        return try WorkflowFilter.query(pairs)
    }

    /// The table of `views`; a PARENT column when children may be listed.
    static func table(_ views: [WorkflowView], query: WorkflowQuery) -> String {
        if views.isEmpty {
            return query.topLevelOnly ? "No top-level workflows match (child workflows are left out: add --all)." : "No workflows match."
        }
        var header = ["WORKFLOW ID", "NAME", "STATUS", "CREATED", "EXECUTOR", "QUEUE"]
        if !query.topLevelOnly { header.append("PARENT") }
        return Output.table(header, views.map { view in
            var row = [view.workflowID, view.name, view.status, view.createdAt, view.executorID ?? "-", view.queueName ?? "-"]
            if !query.topLevelOnly { row.append(view.parentID ?? "-") }
            return row
        })
    }
}

/// `elt steps ID`
struct StepsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "steps", abstract: "List a workflow's checkpointed steps: number, name, child, duration, tries and outcome.",
        discussion: Output.stepsNote)

    @Argument(help: "The workflow id.")
    var id: String

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runReportingErrors {
            let steps = try await options.client.withExistingJournal { [id] in try await StepView.steps(of: id, client: $0) }
            if options.json {
                print(Output.json(steps))
            } else if steps.isEmpty {
                print("\(id) has no checkpointed steps yet.")
            } else {
                print(Output.steps(steps))
                if isatty(STDOUT_FILENO) != 0 { FileHandle.standardError.write(Data(("\n" + Output.stepsHint + "\n").utf8)) }
            }
        }
    }
}

/// `elt cancel ID`
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a workflow: an enqueued one never starts, a running one stops at its next step.")

    @Argument(help: "The workflow id.")
    var id: String

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runReportingErrors {
            let cancellation = try await options.client.withExistingJournal { [id] in try await $0.cancel(id: id) }
            let record = cancellation.record
            if options.json {
                print(Output.json(WorkflowView(record)))
            } else if cancellation.previousStatus.isTerminal {
                print("\(record.id): already \(record.status.rawValue); nothing to cancel")
            } else {
                print("\(record.id): \(record.status.rawValue)")
            }
        }
    }
}

/// `elt resume ID`
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a cancelled, failed or dead-lettered workflow from its checkpoints; a server runs it.",
        discussion: """
            A step's recorded error is a checkpoint too: a workflow that failed in a step fails the same way \
            when resumed. To retry the failed step after fixing its cause, fork from it: elt steps ID shows \
            the step numbers, elt fork ID --step N runs the rest anew.
            """)

    @Argument(help: "The workflow id.")
    var id: String

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runReportingErrors {
            let record = try await options.client.withExistingJournal { [id] in try await $0.resume(id: id) }
            print(options.json ? Output.json(WorkflowView(record)) : "\(record.id): \(record.status.rawValue) on \(record.queueName ?? "-")")
        }
    }
}

/// `elt fork ID --step N`
struct ForkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fork", abstract: "Start a copy of a workflow that reuses its steps before --step and runs the rest anew.",
        discussion: """
            The fork runs alone: the workflow's parent keeps its recorded outcome and never sees the fork. To finish a \
            failed run, fork its pipeline (or its root) from the step that ran the failed child, not the child itself.
            """)

    @Argument(help: "The workflow id.")
    var id: String

    @Option(parsing: .unconditional, help: "The first step to run again (steps are numbered from 1; see elt steps ID).")
    var step: Int

    @Option(help: "The new workflow's id (default: <id>-fork-<time>).")
    var newID: String?

    @OptionGroup var options: ClientOptions

    func validate() throws {
        guard step >= 1 else { throw ValidationError("--step must be 1 or more (steps are numbered from 1), got \(step)") }
    }

    func run() async throws {
        try await runReportingErrors {
            let (record, parent) = try await options.client.withExistingJournal { [id, step, newID] client in
                let record = try await client.fork(id: id, fromStep: step, newID: newID)
                return (record, try await Self.parentStep(of: id, client: client))
            }
            print(options.json ? Output.json(WorkflowView(record)) : "forked \(id) from step \(step) as \(record.id): \(record.status.rawValue)")
            if let parent {
                FileHandle.standardError.write(Data(("note: \(id) is a child of \(parent.id): the fork runs alone, and \(parent.id) and the "
                    + "workflows above it keep their recorded outcome. To finish the run instead, fork \(parent.id) from step "
                    + "\(parent.step), the step that ran \(id): elt fork \(ShellWord.quoted(parent.id)) --step \(parent.step)\n").utf8))
            }
        }
    }
}

extension ForkCommand {
    /// The parent of `id` and the parent's step that ran it; nil for a top-level workflow.
    static func parentStep(of id: String, client: DurableClient) async throws -> (id: String, step: Int)? {
        guard let parent = try await client.existingWorkflow(id: id).parentID else { return nil }
        let step = try await client.steps(workflowID: parent).first { $0.childWorkflowID == id }?.stepNumber
        return step.map { (parent, $0) }
    }
}

/// `elt recover EXECUTOR…`
struct RecoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Hand the unfinished workflows of dead executors to a live one.",
        discussion: "Queued workflows go back on their queue; the others are claimed for the live executor whose lease was renewed last, "
            + "which runs them within a lease period. An executor whose lease is still live is refused (it is running). Servers do this "
            + "by themselves once a lease expires; this verb is for executors that ran without a lease.")

    @Argument(help: "The executor ids whose workflows to recover (see elt executors).")
    var executorIDs: [String] = []

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runReportingErrors {
            let (claim, registered) = try await options.client.withExistingJournal { [executorIDs] in
                (try await $0.recover(executorIDs: executorIDs), Set(try await $0.executors().map(\.executorID)))
            }
            if options.json {
                print(Output.json(RecoveryView(claim)))
            } else {
                print("Resumed on a live executor: \(claim.toRun.count); back on their queue: \(claim.requeued.count); "
                    + "dead-lettered (too many recoveries): \(claim.deadLettered.count).")
                for id in claim.deadLettered { print("  dead-lettered: \(id) (elt resume \(ShellWord.quoted(id)) runs it again)") }
            }
            // Nothing claimed for an id no executor ever registered is most likely a typo.
            let unknown = executorIDs.filter { !registered.contains($0) }
            if claim.toRun.isEmpty, claim.requeued.isEmpty, claim.deadLettered.isEmpty, !unknown.isEmpty {
                let names = unknown.map { "'\($0)'" }.joined(separator: ", ")
                FileHandle.standardError.write(Data((
                    "note: no executor \(names) is registered in this journal and none of its workflows were pending; "
                    + "check the id (elt executors lists the registered ones)\n").utf8))
            }
        }
    }
}

/// `elt queues`
struct QueuesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queues", abstract: "Show the pipeline's queues: limits, workflows waiting and running, the oldest waiting.")

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runReportingErrors {
            let now = journalTimestamp()
            let views = try await options.client.withExistingJournal { try await $0.queueStatistics() }.map { QueueView($0, now: now) }
            if options.json {
                print(Output.json(views))
            } else {
                print(Output.table(["QUEUE", "GLOBAL LIMIT", "PER-EXECUTOR LIMIT", "ENQUEUED", "PENDING", "OLDEST WAITING"], views.map {
                    [$0.name, $0.globalConcurrency.map(String.init) ?? "-", $0.workerConcurrency.map(String.init) ?? "-",
                     "\($0.depth["ENQUEUED"] ?? 0)", "\($0.depth["PENDING"] ?? 0)",
                     $0.oldestEnqueued.map { "\($0.workflowID) (\($0.waitingSeconds) s)" } ?? "-"]
                }))
            }
        }
    }
}
