import Foundation

/// A new, empty directory under the system's temporary directory, for one benchmark's files.
public struct ScratchDirectory: Sendable {
    /// The directory's path.
    public let path: String

    /// Creates `<tmp>/<prefix>-<random>`.
    public init(prefix: String) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(ScratchName.token())")
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw BenchError("cannot create a scratch directory at \(url.path): \(error)")
        }
        path = url.path
    }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }

    /// Deletes the directory and everything in it.
    public func remove() throws {
        try FileManager.default.removeItem(atPath: path)
    }
}
