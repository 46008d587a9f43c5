import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, for the tests' executables and scripts.
///
/// Not Foundation's `Process`: on Linux its `run()` reads `/proc/self/fd` with a 256-byte copy
/// of each directory entry and crashes now and then (SIGSEGV in `findMaximumOpenFromProcSelfFD`,
/// swift-corelibs-foundation PR #5472, not in Swift 6.3.1). A full run of this suite, which
/// starts hundreds of processes from many threads, hit it. Here the child gets exactly
/// standard input, output and error, and every other descriptor is closed
/// (`posix_spawn_file_actions_addclosefrom_np`), so no pipe or socket of a concurrent test
/// leaks into it.
final class ChildProcess: Sendable {
    /// The child's process id.
    let processIdentifier: pid_t
    /// nil while it runs; then its exit status, or the signal that ended it.
    private let status = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments` and `environment`; descriptors `input`, `output`
    /// and `error` of this process become the child's 0, 1 and 2.
    init(executable: String, arguments: [String], environment: [String: String], input: Int32, output: Int32, error: Int32) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (from, to) in [(input, 0), (output, 1), (error, 2)] {
            try Self.check(posix_spawn_file_actions_adddup2(&actions, from, Int32(to)), "dup2")
        }
        try Self.check(Self.closeFrom(&actions, 3), "closefrom")
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, as Foundation's Process does: a terminal's Ctrl-C reaches the
        // test runner only.
        try Self.check(posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP)), "setflags")
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        try Self.check(posix_spawn(&pid, executable, &actions, &attributes, argv, envp), "spawn \(executable)")
        processIdentifier = pid
    }

    /// Whether the child still runs (reaps it once it has ended).
    var isRunning: Bool {
        status.withLock { status in
            if status != nil { return false }
            var raw: Int32 = 0
            guard waitpid(processIdentifier, &raw, WNOHANG) == processIdentifier else { return true }
            status = Self.decode(raw)
            return false
        }
    }

    /// Blocks until the child ends.
    func waitUntilExit() {
        if status.withLock({ $0 != nil }) { return }
        var raw: Int32 = 0
        while true {
            let result = waitpid(processIdentifier, &raw, 0)
            if result == processIdentifier {
                let decoded = Self.decode(raw)
                status.withLock { $0 = $0 ?? decoded }
                return
            }
            if result == -1, errno == EINTR { continue }
            // ECHILD: reaped by isRunning meanwhile.
            return
        }
    }

    /// The exit status, or the signal that ended it; -1 while it runs.
    var terminationStatus: Int32 { status.withLock { $0 } ?? -1 }

    /// Starts `executable` with standard input from /dev/null, and its output and error
    /// appended to the files at `output` and `error` (created if missing; nil: /dev/null).
    static func start(executable: String, arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
                      output: String?, error: String?) throws -> ChildProcess {
        func open(_ path: String?, _ flags: Int32) throws -> Int32 {
            let fd = Glibc.open(path ?? "/dev/null", flags | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            return fd
        }
        let input = try open(nil, O_RDONLY)
        defer { close(input) }
        let out = try open(output, O_WRONLY | O_CREAT | O_APPEND)
        defer { close(out) }
        let err = output == error && output != nil ? out : try open(error, O_WRONLY | O_CREAT | O_APPEND)
        defer { if err != out { close(err) } }
        return try ChildProcess(executable: executable, arguments: arguments, environment: environment, input: input, output: out, error: err)
    }

    /// Runs `executable` to its end with its output and error captured.
    static func run(executable: String, arguments: [String], environment: [String: String]) throws
        -> (status: Int32, stdout: String, stderr: String) {
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(null) }
        let out = try pipe(), err = try pipe()
        let child: ChildProcess
        do {
            child = try ChildProcess(executable: executable, arguments: arguments, environment: environment,
                                     input: null, output: out.write, error: err.write)
        } catch {
            [out.read, out.write, err.read, err.write].forEach { close($0) }
            throw error
        }
        close(out.write)
        close(err.write)
        // Both read at once: a child that fills one pipe while the other is read would block.
        let stderrReader = Thread.detachedReader(err.read)
        let stdout = readAll(out.read)
        let stderr = stderrReader.value()
        close(out.read)
        close(err.read)
        child.waitUntilExit()
        return (child.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    /// A pipe whose two ends close on exec (a child gets them by dup2 only).
    static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard Glibc.pipe(&fds) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        // (pipe2 is not exported; every spawn here closes descriptors above 2 anyway.)
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    /// Everything readable from `fd` until end of file.
    static func readAll(_ fd: Int32) -> [UInt8] {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count > 0 { data += buffer[0..<count]; continue }
            if count == -1, errno == EINTR { continue }
            return data
        }
    }

    /// The exit status, or the number of the signal that ended it (as Foundation's
    /// `terminationStatus` gives it: a `kill -9` reads 9).
    private static func decode(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : signal
    }

    private static func check(_ result: Int32, _ what: String) throws {
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO, userInfo: [NSLocalizedDescriptionKey: what]) }
    }

    private typealias CloseFromFunction = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc module
    /// does not export.
    private static let closeFromFunction: CloseFromFunction? = {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
            .map { unsafeBitCast($0, to: CloseFromFunction.self) }
    }()

    private static func closeFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ fd: Int32) -> Int32 {
        guard let function = closeFromFunction else { return ENOSYS }
        return function(actions, fd)
    }
}

private extension Thread {
    /// Reads `fd` to its end on a thread of its own; `value()` waits for the bytes.
    static func detachedReader(_ fd: Int32) -> ReaderResult {
        let result = ReaderResult()
        Thread { result.set(ChildProcess.readAll(fd)) }.start()
        return result
    }
}

/// The bytes a reader thread read.
private final class ReaderResult: Sendable {
    private let condition = NSCondition()
    private let bytes = Mutex<[UInt8]?>(nil)

    func set(_ value: [UInt8]) {
        condition.lock()
        bytes.withLock { $0 = value }
        condition.broadcast()
        condition.unlock()
    }

    func value() -> [UInt8] {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let value = bytes.withLock({ $0 }) { return value }
            condition.wait()
        }
    }
}
