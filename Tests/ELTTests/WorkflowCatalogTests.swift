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
}
