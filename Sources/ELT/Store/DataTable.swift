/// The data tables whose rows belong to tenants.
public enum DataTable: String, CaseIterable, Sendable {
    /// Raw users as extracted, one row per user per run.
    case staging = "users_staging"
    /// Detected changes, one row per changed user per run.
    case cdc = "users_cdc"
    /// The current state, one row per user per tenant.
    case latest = "users_latest"
    /// Records the validator rejected, with their reasons.
    case quarantine = "users_quarantine"
}
