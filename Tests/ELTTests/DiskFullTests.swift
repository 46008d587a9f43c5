import DurableRuntime
import DurableTesting
import ELT
import ELTSQLite
import Foundation
import GRDB
import Testing

/// A data directory on a small tmpfs that fills up mid-run: the failure is the storage's, not
/// the workflow's.
@Suite("A disk that fills up", .serialized)
struct DiskFullTests {
    /// Mounting a tmpfs needs root (CI runs as root).
    static var canMount: Bool { getuid() == 0 }

    /// A tmpfs of `megabytes` at a new directory.
    struct SmallDisk {
        let path: String

        init(megabytes: Int) throws {
            path = ELTProcess.temporaryDirectory()
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try Self.mount(["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path])
        }

        func grow(to megabytes: Int) throws { try Self.mount(["-o", "remount,size=\(megabytes)m", path]) }

        /// Unmounts and removes the directory. A file still open on it (a connection whose
        /// close has not finished) makes `umount` fail as busy: the mount is then detached
        /// (`umount -l`), and goes once the last file on it is closed.
        func remove() {
            if Self.umount([path]) != 0 { _ = Self.umount(["-l", path]) }
            try? FileManager.default.removeItem(atPath: path)
        }

        private static func umount(_ arguments: [String]) -> Int32 {
            guard let process = try? ChildProcess.start(executable: "/bin/umount", arguments: arguments, output: nil, error: nil) else { return -1 }
            process.waitUntilExit()
            return process.terminationStatus
        }

        static func mount(_ arguments: [String]) throws {
            let process = try ChildProcess.start(executable: "/bin/mount", arguments: arguments, output: nil, error: nil)
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw OutageError(description: "mount \(arguments.joined(separator: " ")) failed (status \(process.terminationStatus))")
            }
        }
    }

    @Test("the data directory fills up mid-run: a clear error naming the path, intact SQLite files, the workflow left PENDING, and a rerun with the same id on more space finishes exactly",
          .enabled(if: canMount || TestEnvironment.isCI, "needs root to mount a tmpfs"), .timeLimit(.minutes(5)))
    func diskFullMidRun() async throws {
        #expect(Self.canMount, "CI runs as root, so that this test can mount a tmpfs")
        let disk = try SmallDisk(megabytes: 6)
        defer { disk.remove() }
        let arguments = ["run", "--json", "--integrations", "10", "--data-path", disk.path, "--workflow-id", "full-disk"]

        let failed = try await ELTProcess.run(arguments)
        #expect(failed.status != 0, "a full disk ends the run with an error\n\(failed.stdout)")
        let lines = failed.stderr.split(separator: "\n").map(String.init)
        let error = lines.last { $0.hasPrefix("error: ") } ?? ""
        #expect(error.contains(disk.path + "/"), "the error names the file on the full disk: \(error)")
        #expect(error.contains("database or disk is full") && error.contains("same workflow id"),
                "says what happened and what to do: \(error)")
        #expect(!error.contains("INSERT") && !error.contains("SELECT"), "no SQL reaches the user: \(error)")
        #expect(lines.last == "The run is left resumable: elt run --workflow-id full-disk resumes it (with the options it was started with).")

        // Every SQLite file is intact, and the run is resumable: PENDING, never ERROR.
        for file in ["data.sqlite", "system.sqlite", "main.sqlite"] where FileManager.default.fileExists(atPath: disk.path + "/" + file) {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: disk.path + "/" + file, configuration: configuration)
            #expect(try await queue.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") } == ["ok"], "\(file)")
        }
        let journal = try DatabaseQueue(path: disk.path + "/system.sqlite")
        let statuses = try await journal.read { db in
            try Row.fetchAll(db, sql: "SELECT workflow_id, status, error FROM workflow_status")
                .map { (id: $0["workflow_id"] as String, status: $0["status"] as String, error: $0["error"] as String?) }
        }
        #expect(statuses.first { $0.id == "full-disk" }?.status == "PENDING", "the root stays resumable: \(statuses)")
        #expect(statuses.allSatisfy { $0.status != "ERROR" }, "nothing recorded the storage's failure as its own: \(statuses.filter { $0.status == "ERROR" })")
        try journal.close()

        // More space, the same workflow id: the run resumes and finishes exactly.
        try disk.grow(to: 256)
        let resumed = try await ELTProcess.run(arguments)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any])
        #expect(object["workflow_id"] as? String == "full-disk")
        #expect(object["integrations"] as? Int == 10)
        let store = try StoreActor(path: disk.path + "/data.sqlite")
        #expect(try await store.count(.staging) == 10_000)
        #expect(try await store.duplicateStagingRows() == 0)
        #expect(try await store.count(.cdc) == 10_000)
        #expect(try await store.count(.latest) == 10_000)
        let synced = try DatabaseQueue(path: disk.path + "/main.sqlite")
        #expect(try await synced.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM users") } == 10_000)
        try synced.close()
    }
}
