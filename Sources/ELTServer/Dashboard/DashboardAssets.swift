import Hummingbird
import NIOCore

/// The dashboard's one script and one stylesheet, served from memory at `/assets/…` with a
/// day's caching; pages link them with `?v=` and ``version``, so a new build is fetched anew.
enum DashboardAssets {
    /// A digest of both files, for the pages' links.
    static let version: String = {
        // FNV-1a: a cache key, not a security property.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (script + stylesheet).utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }()

    static func add(to router: Router<ServerRequestContext>) {
        router.get("assets/dashboard.js") { _, _ in response(script, type: "text/javascript; charset=utf-8") }
        router.get("assets/dashboard.css") { _, _ in response(stylesheet, type: "text/css; charset=utf-8") }
    }

    static func response(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=86400", .init("X-Content-Type-Options")!: "nosniff"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// The actions of a workflow page and the live refresh of the workflows list. Data is only
    /// ever put into the page with `textContent`; the list's refresh swaps in the server's
    /// rendered (escaped) rows.
    static let script = #"""
        "use strict";
        (function () {
          function showMessage(text) {
            var element = document.getElementById("action-message");
            if (!element) { return; }
            element.textContent = text;
            element.hidden = false;
          }

          async function post(url, body) {
            var options = { method: "POST", credentials: "same-origin", headers: { "Accept": "application/json", "X-ELT-Dashboard": "1" } };
            if (body !== undefined) {
              options.headers["Content-Type"] = "application/json";
              options.body = JSON.stringify(body);
            }
            var response = await fetch(url, options);
            var json = null;
            try { json = await response.json(); } catch (ignored) { json = null; }
            if (!response.ok) {
              var message = json && json.error && json.error.message ? json.error.message : "the server answered " + response.status;
              throw new Error(message);
            }
            return json;
          }

          function action(id, question, run) {
            var button = document.getElementById(id);
            if (!button) { return; }
            button.addEventListener("click", async function () {
              if (!window.confirm(question(button))) { return; }
              button.disabled = true;
              try {
                await run(button);
              } catch (error) {
                showMessage(error.message);
                button.disabled = false;
              }
            });
          }

          action("cancel", function (button) {
            return "Cancel workflow " + button.dataset.workflowId + " and its unfinished children?";
          }, async function (button) {
            await post(button.dataset.api + "/cancel");
            window.location.reload();
          });

          action("resume", function (button) {
            return "Resume workflow " + button.dataset.workflowId + " from its checkpoints?";
          }, async function (button) {
            await post(button.dataset.api + "/resume");
            window.location.reload();
          });

          action("fork", function (button) {
            return "Fork workflow " + button.dataset.workflowId + " from step " + document.getElementById("fork-step").value + "?";
          }, async function (button) {
            var step = Number(document.getElementById("fork-step").value);
            var forked = await post(button.dataset.api + "/fork", { step: step });
            window.location.assign("/workflows/" + encodeURIComponent(forked.workflow_id));
          });

          // The workflows list: while a listed workflow waits or runs, fetch the same list's rows
          // about once a second and swap them in; stop once nothing listed runs.
          function rowsAreLive() {
            var rows = document.getElementById("workflow-rows");
            return rows !== null && rows.dataset.live === "true";
          }

          async function refreshRows() {
            var url = new URL(window.location.href);
            url.searchParams.set("fragment", "rows");
            var response = await fetch(url.toString(), { credentials: "same-origin", headers: { "Accept": "text/html" } });
            if (!response.ok) { return false; }
            var parsed = new DOMParser().parseFromString("<table>" + await response.text() + "</table>", "text/html");
            var fresh = parsed.querySelector("tbody#workflow-rows");
            var current = document.getElementById("workflow-rows");
            if (!fresh || !current) { return false; }
            current.replaceWith(document.importNode(fresh, true));
            return true;
          }

          async function poll() {
            while (rowsAreLive()) {
              await new Promise(function (resolve) { setTimeout(resolve, 1000); });
              try {
                if (!(await refreshRows())) { return; }
              } catch (ignored) {
                return;
              }
            }
          }

          if (rowsAreLive()) { poll(); }
        })();
        """#

    static let stylesheet = """
        :root { --fg: #1d2330; --muted: #667085; --line: #e4e7ec; --bg: #f7f8fa; --accent: #2f5bd3; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
        header.top { display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: #1d2330; }
        header.top a { color: #d0d5dd; text-decoration: none; }
        header.top a.brand { color: #fff; font-weight: 700; font-size: 16px; }
        header.top nav { display: flex; gap: 18px; flex: 1; }
        header.top nav a.current { color: #fff; border-bottom: 2px solid #7aa2ff; }
        header.top .logout button { background: transparent; color: #d0d5dd; border: 1px solid #475467; border-radius: 4px; padding: 3px 10px; }
        main { padding: 16px 24px 40px; }
        h1 { font-size: 20px; margin: 4px 0 14px; word-break: break-all; }
        h2 { font-size: 15px; margin: 22px 0 8px; }
        a { color: var(--accent); }
        table.list { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
        table.list th, table.list td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
        table.list th { background: #f2f4f7; font-weight: 600; font-size: 12px; color: var(--muted); text-transform: uppercase; }
        table.list td.id { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr.empty td { color: var(--muted); font-style: italic; }
        .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 11px; font-weight: 600; background: #eaecf0; color: #344054; }
        .status-success, .state-live { background: #d1fadf; color: #05603a; }
        .status-pending { background: #d1e9ff; color: #1849a9; }
        .status-enqueued { background: #fef0c7; color: #93370d; }
        .status-error, .status-max_recovery_attempts_exceeded, .state-expired { background: #fee4e2; color: #912018; }
        .status-cancelled, .state-released { background: #eaecf0; color: #475467; }
        form.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; margin-bottom: 12px; }
        form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
        input, select, button { font: inherit; padding: 4px 8px; border: 1px solid #d0d5dd; border-radius: 4px; background: #fff; }
        button { cursor: pointer; }
        button:disabled { opacity: .5; cursor: default; }
        nav.paging { display: flex; gap: 16px; margin-top: 10px; color: var(--muted); }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; background: #fff; border: 1px solid var(--line); padding: 12px 16px; margin: 0; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; word-break: break-all; }
        .actions { display: flex; gap: 10px; align-items: center; margin: 12px 0; }
        #cancel { border-color: #fda29b; color: #b42318; }
        pre.json { background: #fff; border: 1px solid var(--line); padding: 10px; overflow: auto; max-height: 320px; font-size: 12px; }
        .error { color: #b42318; }
        .note { color: var(--muted); font-size: 12px; }
        ul.tree, ul.tree ul { list-style: none; padding-left: 18px; margin: 2px 0; }
        ul.tree { padding-left: 0; }
        ul.tree li { margin: 2px 0; }
        ul.tree a { font-family: ui-monospace, monospace; font-size: 12px; }
        ul.tree .name { color: var(--muted); }
        svg#timeline { background: #fff; border: 1px solid var(--line); max-width: 100%; height: auto; }
        svg#timeline .tick { stroke: var(--line); }
        svg#timeline .tick-label, svg#timeline .bar-label { font-size: 11px; fill: var(--muted); }
        svg#timeline rect { fill: #98a2b3; }
        svg#timeline rect.status-ok, svg#timeline rect.status-success { fill: #32d583; }
        svg#timeline rect.status-failed, svg#timeline rect.status-error, svg#timeline rect.status-max_recovery_attempts_exceeded { fill: #f97066; }
        svg#timeline rect.status-pending { fill: #53b1fd; }
        svg#timeline rect.status-enqueued { fill: #fdb022; }
        svg#timeline rect.status-cancelled { fill: #98a2b3; }
        svg#timeline g.child rect { opacity: .75; }
        form.login { display: flex; gap: 10px; align-items: end; }
        form.login label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
        ul.quarantine { margin: 4px 0; padding-left: 16px; font-size: 12px; }
        """
}
