import ArgumentParser

/// `elt`: the ELT pipeline's command-line tool.
@main
struct ELTTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "elt",
        abstract: "A durable ELT pipeline: extract users per tenant, stage, detect changes, apply, sync.",
        discussion: """
            With nothing configured, everything is embedded under ./.elt (SQLite files): the data \
            database, the workflow journal and the sync target. `run` executes the pipeline in this \
            process; `integrations` manages the connected integrations in the data database; the \
            other verbs work on the journal (start enqueues, a running elt-server \
            executes), so they work while no server runs. Point the journal, the data database \
            and the sync target at Postgres with --system-database-url / --data-database-url / \
            --sync-database-url or the environment variables ELT_SYSTEM_DATABASE_URL (or \
            DBOS_DATABASE_URL), ELT_DATA_DATABASE_URL and ELT_SYNC_DATABASE_URL.
            """,
        subcommands: [
            RunCommand.self, StartCommand.self, StatusCommand.self, ListCommand.self, StepsCommand.self,
            CancelCommand.self, ResumeCommand.self, ForkCommand.self, RecoverCommand.self, QueuesCommand.self, ExecutorsCommand.self,
            IntegrationsCommand.self,
        ])
}
