import Mustache

/// The dashboard's mustache templates, parsed once into one library. Data is only ever
/// rendered with `{{ }}`, which HTML-escapes it; the one `{{{ }}}` is the layout's `body`, the
/// page that was rendered (and escaped) by these templates first.
enum DashboardTemplates {
    /// Every template, by name.
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in templates {
            // The templates are constants of this file: one that does not parse is a programming error.
            do { library.register(try MustacheTemplate(string: text), named: name) } catch {
                preconditionFailure("dashboard template \(name) does not parse: \(error)")
            }
        }
        return library
    }()

    /// Renders template `name` with `object`.
    static func render(_ object: Any, _ name: String) -> String {
        library.render(object, withTemplate: name) ?? ""
    }

    static let templates: [(String, String)] = [
        ("layout", layout), ("workflows", workflows), ("rows", rows), ("workflow", workflow), ("tree", tree),
        ("timeline", timeline), ("queues", queues), ("executors", executors), ("tenants", tenants), ("login", login),
        ("message", message), ("badge", badge),
    ]

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · elt</title>
        <link rel="stylesheet" href="/assets/dashboard.css?v={{assetVersion}}">
        <script src="/assets/dashboard.js?v={{assetVersion}}" defer></script>
        </head>
        <body>
        <header class="top">
        <a class="brand" href="/workflows">elt</a>
        <nav>
        <a href="/workflows"{{#navWorkflows}} class="current"{{/navWorkflows}}>Workflows</a>
        <a href="/queues"{{#navQueues}} class="current"{{/navQueues}}>Queues</a>
        <a href="/executors"{{#navExecutors}} class="current"{{/navExecutors}}>Executors</a>
        <a href="/tenants"{{#navTenants}} class="current"{{/navTenants}}>Tenants</a>
        </nav>
        {{#loggedIn}}<form method="post" action="/logout" class="logout"><button type="submit">Log out</button></form>{{/loggedIn}}
        </header>
        <main>
        {{{body}}}
        </main>
        </body>
        </html>
        """

    static let badge = #"<span class="badge status-{{statusClass}}">{{status}}</span>"#

    static let workflows = """
        <h1>Workflows</h1>
        <form class="filters" method="get" action="/workflows">
        <label>Status <select name="status">
        {{#statusOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statusOptions}}
        </select></label>
        <label>Name <input name="name" value="{{filterName}}" placeholder="elt_pipeline_workflow"></label>
        <label>Queue <input name="queue" value="{{filterQueue}}" placeholder="elt_queue"></label>
        <label><input type="checkbox" name="all" value="true"{{#filterAll}} checked{{/filterAll}}> include children</label>
        <button type="submit">Filter</button>
        </form>
        <table id="workflows" class="list">
        <thead><tr><th>ID</th><th>Name</th><th>Status</th><th>Queue</th><th>Created</th><th>Updated</th><th>Executor</th></tr></thead>
        {{> rows}}
        </table>
        <nav class="paging">
        {{#previousHref}}<a id="previous" href="{{previousHref}}">← newer</a>{{/previousHref}}
        <span>page {{page}}</span>
        {{#nextHref}}<a id="next" href="{{nextHref}}">older →</a>{{/nextHref}}
        </nav>
        """

    static let rows = """
        <tbody id="workflow-rows" data-live="{{live}}">
        {{#rows}}
        <tr data-workflow-id="{{id}}"><td class="id"><a href="/workflows/{{idPath}}">{{id}}</a></td><td>{{name}}</td><td class="status">{{> badge}}</td><td>{{queue}}</td><td>{{created}}</td><td>{{updated}}</td><td>{{executor}}</td></tr>
        {{/rows}}
        {{^rows}}<tr class="empty"><td colspan="7">No workflows match.</td></tr>{{/rows}}
        </tbody>
        """

    static let workflow = """
        <h1 class="workflow-id">{{id}}</h1>
        <p id="action-message" class="error" hidden></p>
        <dl class="facts">
        <dt>Name</dt><dd>{{name}}</dd>
        <dt>Status</dt><dd id="status">{{> badge}}</dd>
        <dt>Queue</dt><dd>{{queue}}</dd>
        <dt>Executor</dt><dd>{{executor}}</dd>
        <dt>Created</dt><dd>{{created}}</dd>
        <dt>Updated</dt><dd>{{updated}}</dd>
        <dt>Recovery attempts</dt><dd>{{recoveryAttempts}}</dd>
        {{#parent}}<dt>Parent</dt><dd><a id="parent" href="/workflows/{{parentPath}}">{{parentID}}</a></dd>{{/parent}}
        </dl>
        <div class="actions">
        {{#canCancel}}<button id="cancel" data-api="{{apiPath}}" data-workflow-id="{{id}}">Cancel</button>{{/canCancel}}
        {{#canResume}}<button id="resume" data-api="{{apiPath}}" data-workflow-id="{{id}}">Resume</button>{{/canResume}}
        {{#canFork}}<label>from step <select id="fork-step">{{#steps}}<option value="{{number}}">{{number}} · {{name}}</option>{{/steps}}</select></label>
        <button id="fork" data-api="{{apiPath}}" data-workflow-id="{{id}}">Fork</button>{{/canFork}}
        </div>
        <h2>Input</h2>
        <pre class="json" id="input">{{input}}</pre>
        {{#hasOutput}}<h2>Output</h2><pre class="json" id="output">{{output}}</pre>{{/hasOutput}}
        {{#hasError}}<h2>Error</h2><pre class="json error" id="error">{{error}}</pre>{{/hasError}}
        <h2>Timeline</h2>
        {{#timeline}}{{> timeline}}{{/timeline}}
        <h2>Steps</h2>
        <table id="steps" class="list">
        <thead><tr><th>#</th><th>Name</th><th>Child</th><th>Duration (ms)</th><th>Attempts</th><th>Outcome</th></tr></thead>
        <tbody>
        {{#steps}}
        <tr data-step="{{number}}"><td>{{number}}</td><td>{{name}}</td><td>{{#childPath}}<a href="/workflows/{{childPath}}">{{childID}}</a>{{/childPath}}</td><td class="num">{{durationMs}}</td><td class="num">{{attempts}}</td><td class="{{outcomeClass}}">{{outcome}}</td></tr>
        {{/steps}}
        {{^steps}}<tr class="empty"><td colspan="6">No steps recorded yet.</td></tr>{{/steps}}
        </tbody>
        </table>
        <h2>Children</h2>
        {{^hasChildren}}<p>None.</p>{{/hasChildren}}
        {{#hasChildren}}<ul class="tree" id="children">{{#children}}{{> tree}}{{/children}}</ul>{{/hasChildren}}
        {{#treeTruncated}}<p class="note">Only the first {{treeLimit}} descendants (to depth {{treeDepth}}) are shown.</p>{{/treeTruncated}}
        """

    /// One node of the children tree, and its own children (recursively).
    static let tree = """
        <li data-workflow-id="{{nodeID}}"><a href="/workflows/{{nodePath}}">{{nodeID}}</a> <span class="name">{{nodeName}}</span> {{> badge}}{{#nodeHasChildren}}<ul>{{#nodeChildren}}{{> tree}}{{/nodeChildren}}</ul>{{/nodeHasChildren}}</li>
        """

    static let timeline = """
        <svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="{{width}}" height="{{height}}" viewBox="0 0 {{width}} {{height}}" role="img" aria-label="timeline of the steps and children">
        {{#ticks}}<line class="tick" x1="{{x}}" y1="0" x2="{{x}}" y2="{{axisY}}"></line><text class="tick-label" x="{{x}}" y="{{labelY}}" text-anchor="{{anchor}}">{{label}}</text>{{/ticks}}
        {{#bars}}<g class="bar {{kind}}"><title>{{tooltip}}</title><text class="bar-label" x="4" y="{{textY}}">{{label}}</text><rect class="status-{{statusClass}}" x="{{x}}" y="{{y}}" width="{{barWidth}}" height="{{barHeight}}" rx="2"></rect></g>{{/bars}}
        </svg>
        {{#truncated}}<p class="note">Only the first {{shown}} of {{total}} bars are drawn.</p>{{/truncated}}
        """

    static let queues = """
        <h1>Queues</h1>
        <table id="queues" class="list">
        <thead><tr><th>Queue</th><th>Global limit</th><th>Per-executor limit</th><th>ENQUEUED</th><th>PENDING</th><th>Oldest waiting</th><th>Waiting for</th></tr></thead>
        <tbody>
        {{#queues}}
        <tr data-queue="{{name}}"><td>{{name}}</td><td class="num">{{globalLimit}}</td><td class="num">{{workerLimit}}</td><td class="num">{{enqueued}}</td><td class="num">{{pending}}</td><td>{{#oldestPath}}<a href="/workflows/{{oldestPath}}">{{oldestID}}</a> {{oldestName}}{{/oldestPath}}{{^oldestPath}}—{{/oldestPath}}</td><td>{{waited}}</td></tr>
        {{/queues}}
        </tbody>
        </table>
        """

    static let executors = """
        <h1>Executors</h1>
        <table id="executors" class="list">
        <thead><tr><th>Executor</th><th>State</th><th>Host</th><th>PID</th><th>Version</th><th>Started</th><th>Lease expires</th><th>Running</th></tr></thead>
        <tbody>
        {{#executors}}
        <tr data-executor-id="{{executorID}}"><td>{{executorID}}</td><td><span class="badge state-{{state}}">{{state}}</span></td><td>{{host}}</td><td class="num">{{pid}}</td><td>{{version}}</td><td>{{started}}</td><td>{{leaseExpiry}}</td>
        <td>{{#running}}<a href="/workflows/{{runningPath}}">{{runningID}}</a> {{/running}}{{#moreRunning}}<span class="note">and {{moreRunning}} more</span>{{/moreRunning}}{{^running}}—{{/running}}</td></tr>
        {{/executors}}
        {{^executors}}<tr class="empty"><td colspan="8">No executor has registered.</td></tr>{{/executors}}
        </tbody>
        </table>
        """

    static let tenants = """
        <h1>Tenants</h1>
        {{^hasStore}}<p class="note" id="no-store">This server has no data store: there are no tenants to show.</p>{{/hasStore}}
        {{#hasStore}}
        <table id="tenants" class="list">
        <thead><tr><th>Organization</th><th>Provider</th><th>Integration</th><th>Latest users</th><th>Last run</th><th>When</th><th>Inserts</th><th>Updates</th><th>Deletes</th><th>Quarantined</th></tr></thead>
        <tbody>
        {{#tenants}}
        <tr data-integration-id="{{integrationID}}"><td>{{organization}}</td><td>{{provider}}</td><td>{{integrationID}}</td><td class="num">{{latestUsers}}</td>
        <td>{{#runPath}}<a href="/workflows/{{runPath}}">{{runID}}</a> {{> badge}}{{/runPath}}{{^runPath}}never run{{/runPath}}</td><td>{{runWhen}}</td>
        <td class="num">{{inserts}}</td><td class="num">{{updates}}</td><td class="num">{{deletes}}</td>
        <td>{{#quarantine}}<details><summary>{{quarantineCount}}</summary><ul class="quarantine">{{#records}}<li><code>{{where}}</code> {{reason}}</li>{{/records}}</ul></details>{{/quarantine}}{{^quarantine}}0{{/quarantine}}</td></tr>
        {{/tenants}}
        {{^tenants}}<tr class="empty"><td colspan="10">No connected integrations.</td></tr>{{/tenants}}
        </tbody>
        </table>
        {{#tenantsTruncated}}<p class="note">Only the first {{tenantLimit}} integrations are shown.</p>{{/tenantsTruncated}}
        {{/hasStore}}
        """

    static let login = """
        <h1>Log in</h1>
        {{#failed}}<p class="error" id="login-error">That is not the admin token.</p>{{/failed}}
        <form method="post" action="/login" class="login">
        <label>Admin token <input type="password" name="token" autocomplete="current-password" autofocus></label>
        <button type="submit">Log in</button>
        </form>
        """

    static let message = """
        <h1>{{heading}}</h1>
        <p class="message">{{text}}</p>
        <p><a href="/workflows">Back to the workflows</a></p>
        """
}
