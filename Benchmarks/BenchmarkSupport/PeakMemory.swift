import Foundation

/// The process's peak resident memory, as the kernel counts it.
public enum PeakMemory {
    /// `VmHWM` from `/proc/self/status` (the high-water mark of the resident set) in MiB, or nil
    /// where there is no such file (not Linux).
    public static func residentMegabytes() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            // "VmHWM:\t  123456 kB"
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let kilobytes = Double(fields[1]) else { return nil }
            return kilobytes / 1024
        }
        return nil
    }
}
