/// A value recorded once in a journal under a key, that every process sharing the journal must
/// hold too: what an application's workflows depend on beyond the journal (the ELT pipeline
/// binds its data store and its sync target, so that a process configured with other ones
/// refuses to start instead of loading a fleet's runs into the wrong tables).
///
/// The first process to start binds its value; later ones compare theirs by ``value``.
public struct JournalBinding: Sendable, Equatable, Codable {
    /// What is bound (`elt.data_store`).
    public var key: String
    /// What is compared: an identity, not a location (two URLs may name one database).
    public var value: String
    /// What messages show of it (`Postgres db.example.com/elt (schema elt_data)`).
    public var detail: String
    /// When it was bound, milliseconds since 1970 (0 in a request).
    public var boundAt: Int64

    /// Creates a binding.
    public init(key: String, value: String, detail: String, boundAt: Int64 = 0) {
        self.key = key
        self.value = value
        self.detail = detail
        self.boundAt = boundAt
    }
}

/// A binding a runtime holds its journal to at start (``RuntimeConfiguration/bindings``).
public struct BindingRequirement: Sendable {
    /// This process's binding.
    public var binding: JournalBinding
    /// Replace whatever is bound (an operator who moved the fleet for good); otherwise a
    /// different bound value stops the start with ``WorkflowError/journalBoundElsewhere(key:bound:here:boundAt:advice:)``.
    public var replacing: Bool
    /// What the operator should do when the values differ (the application's flags).
    public var advice: String

    /// Creates a requirement.
    public init(_ binding: JournalBinding, replacing: Bool = false, advice: String) {
        self.binding = binding
        self.replacing = replacing
        self.advice = advice
    }
}
