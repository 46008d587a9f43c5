import DurableRuntime
import DurableTesting
import Foundation
import Hummingbird
import Testing
@testable import ELTServer
#if canImport(Glibc)
import Glibc
#endif

/// Errors a new user meets at start-up, in plain words: the file, port or URL, and what to do;
/// no Foundation or NIO dumps, and no banner before a configuration that does not work.
@Suite("Plain start-up errors")
struct PlainErrorTests {
    @Test("a data path that cannot be created names it with the system's reason, before any banner")
    func unusableDataPath() async throws {
        // Under a regular file, no directory can be created (root ignores permissions, this not).
        let file = ELTProcess.temporaryDirectory()
        #expect(FileManager.default.createFile(atPath: file, contents: Data()))
        let run = try await ELTProcess.run(["run", "--integrations", "1", "--data-path", file + "/data"])
        #expect(run.status != 0)
        #expect(run.stderr.contains(file + "/data"), "names the path: \(run.stderr)")
        #expect(run.stderr.lowercased().contains("not a directory"), "the system's reason: \(run.stderr)")
        #expect(!run.stderr.contains("NSCocoaErrorDomain") && !run.stderr.contains("UserInfo"), "no Foundation dump: \(run.stderr)")
        #expect(!run.stdout.contains("Running"), "no banner before the error: \(run.stdout)")
    }

    @Test("a journal that cannot be reached fails the run without promising a resume: nothing was recorded", arguments: [
        ("postgres://someone:hunter2secret@127.0.0.1:1/nowhere", "127.0.0.1:1"),
        ("postgres://someone:hunter2secret@no-such-host.invalid/nowhere", "the host name no-such-host.invalid could not be resolved"),
    ])
    func unreachableJournal(url: String, says expected: String) async throws {
        let run = try await ELTProcess.run([
            "run", "--integrations", "1", "--data-path", ELTProcess.temporaryDirectory(), "--system-database-url", url,
        ])
        #expect(run.status != 0)
        #expect(run.stderr.contains(expected) && !run.stderr.contains("hunter2secret"), "\(run.stderr)")
        #expect(!run.stderr.contains("SocketAddressError") && !run.stderr.contains("error -"), "no NIO text: \(run.stderr)")
        #expect(!run.stderr.contains("resumable") && !run.stderr.contains("--workflow-id"), "\(run.stderr)")
    }

    @Test("a data database that refuses connections is named without its password, with the system's reason")
    func refusedDataDatabase() async throws {
        let run = try await ELTProcess.run([
            "run", "--integrations", "1", "--data-path", ELTProcess.temporaryDirectory(),
            "--data-database-url", "postgres://someone:hunter2secret@127.0.0.1:1/nowhere",
        ])
        #expect(run.status != 0)
        #expect(run.stderr.contains("postgres://someone@127.0.0.1:1/nowhere") && !run.stderr.contains("hunter2secret"), "\(run.stderr)")
        #expect(run.stderr.contains("Connection refused"), "the system's reason: \(run.stderr)")
        #expect(!run.stderr.contains("SingleConnectionFailure") && !run.stderr.contains("errno"), "no NIO dump: \(run.stderr)")
        #expect(!run.stdout.contains("Running"), "no banner before the error: \(run.stdout)")
    }

    /// A setting that cannot work: its error alone (no banner first), advice that fits it, and
    /// none that does not (no `sqlite:` URL exists; a URL is not a directory to make writable).
    @Test("a bad journal URL, workflow id or data URL is refused before the banner, with advice that fits", arguments: [
        (["--system-database-url", "mysql://x@y/z"], "leave it unset for the embedded SQLite journal", "sqlite:PATH"),
        (["--workflow-id", ""], "a workflow id must not be empty", "CancellationError"),
        (["--data-database-url", "postgres://bad url"], "cannot use the data database: --data-database-url:", "writable"),
        (["--system-database-url", "postgres://u:pw@127.0.0.1:99999/db"], "port 99999 is not a port (1-65535)", "could not be resolved"),
    ])
    func badSetting(arguments: [String], says expected: String, never unwanted: String) async throws {
        let run = try await ELTProcess.run(["run", "--integrations", "1", "--data-path", ELTProcess.temporaryDirectory()] + arguments)
        #expect(run.status != 0)
        #expect(run.stderr.contains(expected), "\(run.stderr)")
        #expect(!run.stderr.contains(unwanted), "\(run.stderr)")
        #expect(!run.stdout.contains("Running"), "no banner before the error: \(run.stdout)")
    }

    @Test("a port in use is named with its option, before anything starts")
    func portInUse() async throws {
        let holder = try ListeningSocket()
        defer { holder.close() }
        let port = holder.port
        let run = try await ELTProcess.run(
            ["--data-path", ELTProcess.temporaryDirectory(), "--port", "\(port)", "--admin-port", "0", "--schedule", "off"],
            executable: "elt-server")
        #expect(run.status != 0)
        #expect(run.stderr.contains("cannot listen on 127.0.0.1:\(port) (--port): another process listens on it"), "\(run.stderr)")
        #expect(!run.stderr.contains("bind(descriptor"), "no NIO text: \(run.stderr)")
    }

    @Test("an executor id that breaks the rule is refused before anything is opened or written", arguments: [
        (["run", "--executor-id", ""], "elt", "--executor-id '' is not valid: an executor id must not be empty"),
        (["--executor-id", " ", "--port", "0", "--admin-port", "0"], "elt-server", "--executor-id ' ' is not valid: an executor id must not be only whitespace"),
    ])
    func badExecutorID(arguments: [String], executable: String, says expected: String) async throws {
        let data = ELTProcess.temporaryDirectory()
        let run = try await ELTProcess.run(arguments + ["--data-path", data], executable: executable)
        #expect(run.status != 0)
        #expect(run.stderr.contains(expected), "\(run.stderr)")
        #expect(!run.stderr.contains("cannot recover") && !(run.stdout + run.stderr).contains("seeded"), "\(run.stdout)\(run.stderr)")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: data)) ?? []
        #expect(files.isEmpty, "nothing is created: \(files)")
    }

    @Test("an address that is not this machine's names the host option, not the port", arguments: [
        (["--host", "no-such-host.invalid"], "(--host): the host name could not be resolved"),
        (["--admin-host", "10.255.255.1", "--admin-token", "a-long-enough-admin-token-for-this-test"],
         "cannot listen on 10.255.255.1:0 (--admin-host): 10.255.255.1 is not an address of this machine"),
    ])
    func hostNotThisMachine(arguments: [String], says expected: String) async throws {
        let run = try await ELTProcess.run(
            ["--data-path", ELTProcess.temporaryDirectory(), "--port", "0", "--admin-port", "0", "--schedule", "off"] + arguments,
            executable: "elt-server")
        #expect(run.status != 0)
        #expect(run.stderr.contains(expected), "\(run.stderr)")
        #expect(run.stderr.contains("to an address of this machine: 127.0.0.1"), "\(run.stderr)")
        #expect(!run.stderr.contains("stop the process") && !run.stderr.contains("pick another"), "\(run.stderr)")
    }

    @Test("a port taken after the start-up check is still named with its option, not with NIO's bind text")
    func portTakenAfterCheck() async throws {
        // elt-server checks its ports before it starts; a process can still take one before the
        // HTTP server binds it. That bind's failure is what ListeningService reports.
        let holder = try ListeningSocket()
        defer { holder.close() }
        let journal = try TemporaryJournal(.sqlite)
        let runtime = WorkflowRuntime(backend: try journal.open(), configuration: RuntimeConfiguration())
        try await runtime.withRunning { runtime in
            let server = Application(router: Router(), configuration: .init(address: .hostname("127.0.0.1", port: holder.port)))
            let service = ListeningService(server: server, runtime: runtime, options: .admin, host: "127.0.0.1", port: holder.port)
            do {
                try await service.run()
                Issue.record("the server bound a port another socket listens on")
            } catch let error as ServerError {
                #expect(
                    "\(error)" == "cannot listen on 127.0.0.1:\(holder.port) (--admin-port): another process listens on it; "
                        + "stop the process that uses it, or pick another --admin-port")
            }
        }
    }
}

/// A socket listening on a loopback port the kernel chose, standing for another process that
/// uses the port.
struct ListeningSocket {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard fd >= 0, bound, listen(fd, 1) == 0 else {
            if fd >= 0 { Glibc.close(fd) }
            throw POSIXError(.EADDRINUSE)
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(fd) }
}
