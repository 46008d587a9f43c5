import ArgumentParser
import ELT
import ELTApp
import Foundation

/// The options every client verb shares: where the journal is, and the output form.
struct ClientOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The journal: a postgres:// URL. Default: <data-path>/system.sqlite.",
                               discussion: "Environment: ELT_SYSTEM_DATABASE_URL, falling back to DBOS_DATABASE_URL."))
    var systemDatabaseURL: String?

    @Option(help: ArgumentHelp("The directory of the embedded journal. Default: ./.elt.", discussion: "Environment: ELT_DATA_PATH."))
    var dataPath: String?

    @Option(help: "The schema of the journal's tables on Postgres (the one the servers use).")
    var journalSchema = "durable"

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    var client: ELTClient {
        ELTClient(configuration: ELTConfiguration(dataPath: dataPath, systemDatabaseURL: systemDatabaseURL, journalSchema: journalSchema))
    }
}

/// Runs a client action, printing a failure as `error: …` with a non-zero exit.
///
/// Client commands log only warnings and errors (to standard error): a library's `info`
/// lines (connection pools, migrations) never mix into their output.
func runReportingErrors(_ action: () async throws -> Void) async throws {
    _ = CommandLineOptions.bootstrapLogging(logLevel: "warning", default: .warning)
    do {
        try await action()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode.failure
    }
}
