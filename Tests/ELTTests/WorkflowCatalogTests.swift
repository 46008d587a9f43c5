import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Foundation
import Testing

@Suite("Workflow catalogue")
struct WorkflowCatalogTests {
    @Test("max_delete_fraction is a number parameter of the root and the pipeline, and decodes into their inputs")
    func maxDeleteFraction() throws {
        let json = try WorkflowCatalog.inputJSON(
            for: ELTPipelineWorkflow.name,
            arguments: ["organization_id=org-001", "connected_integration_id=x", "max_delete_fraction=0.5", "num_batches=3"])
        let input = try JSONDecoder().decode(PipelineInput.self, from: Data(json.utf8))
        #expect(input.maxDeleteFraction == 0.5 && input.numBatches == 3)
        let root = try JSONDecoder().decode(RootInput.self, from: Data(
            try WorkflowCatalog.inputJSON(for: RootOrchestrationWorkflow.name, arguments: ["max_delete_fraction=1"]).utf8))
        #expect(root.maxDeleteFraction == 1)
        #expect(throws: CatalogError.self) {
            try WorkflowCatalog.inputJSON(for: RootOrchestrationWorkflow.name, arguments: ["max_delete_fraction=most"])
        }
    }

    @Test("out-of-range batch, snapshot and fraction values are refused before anything is enqueued, naming the range")
    func outOfRange() throws {
        for (argument, expected) in [("page_size=0", "from 1 to 10000"), ("batch_size=10001", "from 1 to 10000"),
                                     ("num_batches=-1", "from 1 to 1000000"), ("snapshot=-1", "0 or more"),
                                     ("integration_page_size=0", "1 or more"), ("max_delete_fraction=1.5", "from 0 to 1")] {
            let error = #expect(throws: CatalogError.self) {
                try WorkflowCatalog.inputJSON(for: RootOrchestrationWorkflow.name, arguments: [argument])
            }
            #expect(error?.description.contains(expected) == true, "\(argument): \(String(describing: error))")
        }
        _ = try WorkflowCatalog.inputJSON(for: RootOrchestrationWorkflow.name, arguments: ["page_size=10000", "snapshot=0"])
    }

    /// Keys of an input type that a client does not set: the pipeline passes them to its own
    /// children (`source`, `run_id` of a pipeline, a stage's `sequence`…). A new field of an
    /// input type must be added to the catalogue or here, so the two cannot drift apart.
    static let internalKeys: [String: Set<String>] = [
        RootOrchestrationWorkflow.name: ["source", "data_store", "sync_target"],
        ELTPipelineWorkflow.name: ["source", "run_id", "data_store", "sync_target"],
        ExtractAndLoadWorkflow.name: ["source", "data_store", "sync_target"],
        CDCDetectionWorkflow.name: ["sequence", "max_delete_fraction", "data_store", "sync_target"],
        ApplyToLatestWorkflow.name: ["sequence", "max_delete_fraction", "snapshot_complete", "data_store", "sync_target"],
        SyncToPostgresWorkflow.name: ["sequence", "max_delete_fraction", "snapshot_complete", "data_store", "sync_target"],
    ]

    /// A valid text for a parameter of `type`.
    static func sample(_ parameter: WorkflowCatalog.Parameter) -> String {
        switch parameter.type {
        case .integer: "7"
        case .number: "0.25"
        case .boolean: "true"
        case .string: "value-of-\(parameter.name)"
        }
    }

    /// Round-trips every parameter of `name`'s catalogue entry through `Input` and returns the
    /// snake_case names of `Input`'s stored properties.
    static func roundTrip<Input: Codable>(_ name: String, as type: Input.Type) throws -> (given: [String: Any], back: [String: Any], fields: Set<String>) {
        let entry = try WorkflowCatalog.entry(named: name)
        let json = try WorkflowCatalog.inputJSON(for: name, arguments: entry.parameters.map { "\($0.name)=\(sample($0))" })
        let given = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let decoded = try JSONDecoder().decode(Input.self, from: Data(json.utf8))
        let back = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(decoded)) as? [String: Any])
        let fields = Set(Mirror(reflecting: decoded).children.compactMap(\.label).map(snakeCase))
        return (given, back, fields)
    }

    /// `organizationID` → `organization_id`, as the input types' coding keys spell them.
    static func snakeCase(_ name: String) -> String {
        var result = ""
        let characters = Array(name)
        for (index, character) in characters.enumerated() {
            let previousIsLower = index > 0 && characters[index - 1].isLowercase
            if character.isUppercase && previousIsLower { result += "_" }
            result += character.lowercased()
        }
        return result
    }

    @Test("every catalogue parameter survives decoding into its workflow's input type, and every input field is catalogued or internal")
    func catalogueMatchesInputTypes() throws {
        let checks: [(String, () throws -> (given: [String: Any], back: [String: Any], fields: Set<String>))] = [
            (RootOrchestrationWorkflow.name, { try Self.roundTrip(RootOrchestrationWorkflow.name, as: RootInput.self) }),
            (ELTPipelineWorkflow.name, { try Self.roundTrip(ELTPipelineWorkflow.name, as: PipelineInput.self) }),
            (ExtractAndLoadWorkflow.name, { try Self.roundTrip(ExtractAndLoadWorkflow.name, as: PipelineInput.self) }),
            (CDCDetectionWorkflow.name, { try Self.roundTrip(CDCDetectionWorkflow.name, as: StageInput.self) }),
            (ApplyToLatestWorkflow.name, { try Self.roundTrip(ApplyToLatestWorkflow.name, as: StageInput.self) }),
            (SyncToPostgresWorkflow.name, { try Self.roundTrip(SyncToPostgresWorkflow.name, as: StageInput.self) }),
        ]
        #expect(Set(checks.map(\.0)) == Set(WorkflowCatalog.entries.map(\.name)), "every startable workflow is checked")
        for (name, check) in checks {
            let (given, back, fields) = try check()
            for (key, value) in given {
                #expect(back[key].map { "\($0)" } == "\(value)", "\(name): parameter \(key) does not survive decoding")
            }
            let catalogued = Set(given.keys)
            #expect(fields == catalogued.union(Self.internalKeys[name] ?? []),
                    "\(name): input fields \(fields.sorted()) vs catalogued \(catalogued.sorted()) + internal")
        }
    }
}
