/// The version of the ELT tools, reported by `/health` and `--version`.
public enum ELTVersion {
    /// The current version.
    public static let current = "0.5.0"
}
