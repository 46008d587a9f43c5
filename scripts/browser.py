#!/usr/bin/env python3
"""Drive a headless Chromium through the DevTools protocol, for tests (standard library only).

usage: scripts/browser.py [OPTIONS] STEP...

Options (before the steps):
  --timeout S          overall limit in seconds, launch included (default 60)
  --window WxH         viewport size (default 1280x900)
  --header 'N: V'      extra HTTP header on every request (repeatable)
  --chromium PATH      browser binary (default $ELT_TEST_CHROMIUM, else `chromium` on PATH)

Steps, run in order against one tab:
  goto URL                    navigate and wait for the load event
  wait-for CSS [SECONDS]      poll until document.querySelector(CSS) exists (default 10 s)
  wait-text CSS TEXT [SECONDS]  poll until that element's textContent contains TEXT
  click CSS                   scroll the element into view and element.click() it
  dom                         print document.documentElement.outerHTML, then '--- end dom ---'
  text CSS                    print the textContent of the first match
  screenshot PATH             write a full-page PNG
  eval JS                     print the JSON value of the expression (promises are awaited)

Every JavaScript dialog (alert, confirm, prompt, beforeunload) is accepted and recorded. The last
line on stdout is always one JSON object:
  {"dialogs": [{"type": "confirm", "message": "..."}], "console_errors": [...], "ok": true, "error": null}
console_errors holds console.error() calls and uncaught exceptions. Progress goes to stderr.
Exit status: 0 all steps passed, 1 a step (or the browser) failed, 2 bad usage.

Example: scripts/browser.py goto http://127.0.0.1:8080/ click '#cancel' wait-for '#done' dom
"""
import base64, glob, hashlib, json, os, shutil, signal, socket, struct, subprocess, sys, tempfile, time
import urllib.parse, urllib.request

STEPS = {  # name: (required arguments, takes an optional SECONDS)
    "goto": (1, False), "wait-for": (1, True), "wait-text": (2, True), "click": (1, False),
    "dom": (0, False), "text": (1, False), "screenshot": (1, False), "eval": (1, False)}
DEFAULT_WAIT = 10.0


class UsageError(Exception): pass
class StepError(Exception): pass


def parse_args(argv):
    opts = {"timeout": 60.0, "window": (1280, 900), "headers": {},
            "chromium": os.environ.get("ELT_TEST_CHROMIUM") or "chromium"}
    i = 0
    while i < len(argv) and argv[i].startswith("-"):
        arg = argv[i]
        if arg in ("-h", "--help"): print(__doc__.strip()); sys.exit(0)
        if arg == "--": i += 1; break
        name, eq, value = arg.partition("=")
        if name not in ("--timeout", "--window", "--header", "--chromium"):
            raise UsageError(f"unknown option {arg}")
        if not eq:
            if i + 1 >= len(argv): raise UsageError(f"{name} needs a value")
            i += 1; value = argv[i]
        try:
            if name == "--timeout":
                opts["timeout"] = float(value)
                if not opts["timeout"] > 0: raise ValueError
            elif name == "--window":
                w, h = value.lower().split("x"); opts["window"] = (int(w), int(h))
            elif name == "--chromium": opts["chromium"] = value
            else:
                key, colon, val = value.partition(":")
                if not (colon and key.strip()): raise ValueError
                opts["headers"][key.strip()] = val.strip()
        except ValueError:
            raise UsageError(f"bad value for {name}: {value!r}")
        i += 1
    steps = []
    while i < len(argv):
        name = argv[i]; i += 1
        if name not in STEPS: raise UsageError(f"unknown step {name!r} (steps: {', '.join(STEPS)})")
        need, optional_seconds = STEPS[name]
        if i + need > len(argv): raise UsageError(f"step {name} needs {need} argument(s)")
        args = argv[i:i + need]; i += need
        seconds = DEFAULT_WAIT
        if optional_seconds and i < len(argv) and argv[i] not in STEPS:
            try: seconds = float(argv[i]); i += 1
            except ValueError: raise UsageError(f"step {name}: SECONDS must be a number, not {argv[i]!r}")
        steps.append((name, args, seconds))
    if not steps: raise UsageError("no steps given")
    return opts, steps


class WebSocket:
    """A minimal RFC 6455 client: masked text frames out, any (fragmented, large) frames in."""

    def __init__(self, url, deadline):
        u = urllib.parse.urlparse(url)
        self.deadline, self.buf = deadline, bytearray()
        self.sock = socket.create_connection((u.hostname, u.port or 80), timeout=self.remaining())
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {u.path or '/'} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\n"
                           "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        while b"\r\n\r\n" not in self.buf: self._fill()
        head, _, rest = bytes(self.buf).partition(b"\r\n\r\n")
        self.buf = bytearray(rest)
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
        accept = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        if " 101 " not in lines[0] + " " or headers.get("sec-websocket-accept") != accept:
            raise StepError(f"WebSocket handshake refused: {lines[0]}")

    def remaining(self):
        left = self.deadline - time.monotonic()
        if left <= 0: raise TimeoutError
        return left

    def _fill(self, limit=None):
        self.sock.settimeout(min(self.remaining(), limit) if limit else self.remaining())
        chunk = self.sock.recv(1 << 20)
        if not chunk: raise StepError("the browser closed the DevTools connection")
        self.buf += chunk

    def _send_frame(self, opcode, payload):
        n, mask = len(payload), os.urandom(4)
        head = bytes([0x80 | opcode])
        if n < 126: head += bytes([0x80 | n])
        elif n < 1 << 16: head += bytes([0x80 | 126]) + struct.pack(">H", n)
        else: head += bytes([0x80 | 127]) + struct.pack(">Q", n)
        keystream = (mask * (n // 4 + 1))[:n]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(keystream, "big")).to_bytes(n, "big")
        self.sock.settimeout(self.remaining())
        self.sock.sendall(head + mask + masked)

    def send_text(self, text): self._send_frame(0x1, text.encode())

    def _take_frame(self):
        """One complete frame from the buffer, or None; never consumes a partial frame."""
        b = self.buf
        if len(b) < 2: return None
        n, pos = b[1] & 0x7F, 2
        if n == 126:
            if len(b) < 4: return None
            n, pos = struct.unpack(">H", b[2:4])[0], 4
        elif n == 127:
            if len(b) < 10: return None
            n, pos = struct.unpack(">Q", b[2:10])[0], 10
        mask = None
        if b[1] & 0x80:
            if len(b) < pos + 4: return None
            mask, pos = bytes(b[pos:pos + 4]), pos + 4
        if len(b) < pos + n: return None
        fin, opcode, payload = b[0] & 0x80, b[0] & 0x0F, bytes(b[pos:pos + n])
        del b[:pos + n]
        if mask: payload = bytes(c ^ mask[j % 4] for j, c in enumerate(payload))
        return fin, opcode, payload

    def recv_text(self, limit=None):
        """The next whole text message; socket.timeout if none arrives within `limit` seconds."""
        parts = []
        while True:
            frame = self._take_frame()
            if frame is None: self._fill(limit); continue
            fin, opcode, payload = frame
            if opcode == 0x9: self._send_frame(0xA, payload); continue
            if opcode == 0xA: continue
            if opcode == 0x8:
                try: self._send_frame(0x8, payload[:2])
                except OSError: pass
                raise StepError("the browser closed the DevTools connection")
            parts.append(payload)
            if fin: return b"".join(parts).decode("utf-8", "replace")


def die_with_parent():
    """In the child: have Linux SIGKILL the browser if this script dies without cleaning up."""
    try: import ctypes; ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception: pass


def sweep_stale_dirs():
    """Remove the temp dirs of earlier runs that were SIGKILLed (their pid is in the name, and gone)."""
    for path in glob.glob(os.path.join(tempfile.gettempdir(), "elt-browser-*-*")):
        try: os.kill(int(os.path.basename(path).split("-")[2]), 0)
        except ProcessLookupError: shutil.rmtree(path, ignore_errors=True)
        except (ValueError, IndexError, PermissionError): pass


class Browser:
    def __init__(self, opts, deadline):
        self.opts, self.deadline = opts, deadline
        self.proc, self.ws, self.next_id = None, None, 0
        self.dialogs, self.console_errors, self.events = [], [], []
        sweep_stale_dirs()
        self.tmp = tempfile.mkdtemp(prefix=f"elt-browser-{os.getpid()}-")

    def launch(self):
        binary = shutil.which(self.opts["chromium"])
        if not binary:
            raise StepError(f"browser not found: {self.opts['chromium']!r} (install chromium, "
                            "or set ELT_TEST_CHROMIUM or --chromium to its path)")
        w, h = self.opts["window"]
        args = [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--remote-debugging-port=0", f"--user-data-dir={self.tmp}/profile", f"--window-size={w},{h}",
                "--no-first-run", "--no-default-browser-check", "--mute-audio", "about:blank"]
        self.log = open(os.path.join(self.tmp, "chromium.log"), "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                     start_new_session=True, preexec_fn=die_with_parent)
        port_file = os.path.join(self.tmp, "profile", "DevToolsActivePort")
        while True:
            if self.proc.poll() is not None:
                raise StepError(f"chromium exited with status {self.proc.returncode}:\n{self.log_tail()}")
            try:
                lines = open(port_file).read().split("\n")
                if len(lines) >= 2 and lines[0].strip(): port = int(lines[0]); break
            except (FileNotFoundError, ValueError): pass
            if time.monotonic() > self.deadline: raise TimeoutError
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        targets = json.load(urllib.request.urlopen(base + "/json/list", timeout=self.remaining()))
        pages = [t for t in targets if t.get("type") == "page" and t.get("webSocketDebuggerUrl")]
        if not pages:
            req = urllib.request.Request(base + "/json/new?about:blank", method="PUT")
            pages = [json.load(urllib.request.urlopen(req, timeout=self.remaining()))]
        self.ws = WebSocket(pages[0]["webSocketDebuggerUrl"], self.deadline)
        for domain in ("Page", "Runtime", "Network"): self.call(f"{domain}.enable")
        if self.opts["headers"]: self.call("Network.setExtraHTTPHeaders", {"headers": self.opts["headers"]})
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": False})

    def log_tail(self):
        try: return open(os.path.join(self.tmp, "chromium.log"), errors="replace").read()[-2000:]
        except OSError: return ""

    def remaining(self):
        left = self.deadline - time.monotonic()
        if left <= 0: raise TimeoutError
        return left

    def close(self):
        if self.ws:
            try: self.ws.sock.close()
            except OSError: pass
        if self.proc and self.proc.poll() is None:
            try: os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError: pass
        if self.proc:
            try: self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired: pass
        if getattr(self, "log", None): self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def send(self, method, params=None):
        self.next_id += 1
        self.ws.send_text(json.dumps({"id": self.next_id, "method": method, "params": params or {}}))
        return self.next_id

    def call(self, method, params=None):
        """Send a command and wait for its answer, handling the events that arrive meanwhile."""
        want = self.send(method, params)
        while True:
            msg = json.loads(self.ws.recv_text())
            if msg.get("id") == want:
                if "error" in msg: raise StepError(f"{method}: {msg['error'].get('message')}")
                return msg.get("result", {})
            if "method" in msg: self.on_event(msg["method"], msg.get("params", {}))

    def pump(self, seconds, until=lambda: False):
        """Handle events for up to `seconds`, or until `until()`; used instead of sleeping, so that
        a dialog opened meanwhile is answered at once."""
        end = min(time.monotonic() + seconds, self.deadline)
        while not until() and (left := end - time.monotonic()) > 0:
            try: msg = json.loads(self.ws.recv_text(limit=left))
            except socket.timeout: break
            if "method" in msg: self.on_event(msg["method"], msg.get("params", {}))

    def on_event(self, method, p):
        self.events.append((method, p))
        if method == "Page.javascriptDialogOpening":
            self.dialogs.append({"type": p.get("type"), "message": p.get("message")})
            self.send("Page.handleJavaScriptDialog", {"accept": True})  # its answer is ignored
        elif method == "Runtime.consoleAPICalled" and p.get("type") == "error":
            self.console_errors.append(" ".join(
                str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            self.console_errors.append(d.get("exception", {}).get("description") or d.get("text", ""))

    def evaluate(self, expression):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": True, "userGesture": True})
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            raise StepError(d.get("exception", {}).get("description") or d.get("text", "exception"))
        return r.get("result", {}).get("value")

    def poll(self, expression, seconds, what):
        end = min(time.monotonic() + seconds, self.deadline)
        while True:
            if self.evaluate(expression): return
            if time.monotonic() >= end: raise StepError(f"{what} within {seconds:g} s")
            self.pump(0.1)

    def step(self, name, args, seconds):
        q = json.dumps(args[0]) if args else None
        if name == "goto":
            self.events.clear()
            r = self.call("Page.navigate", {"url": args[0]})
            if r.get("errorText"): raise StepError(r["errorText"])
            if r.get("loaderId"):  # a same-document navigation has no load event
                loaded = lambda: any(m == "Page.loadEventFired" for m, _ in self.events)
                self.pump(self.remaining(), until=loaded)
                if not loaded(): raise TimeoutError
            status = [p["response"]["status"] for m, p in self.events if m == "Network.responseReceived"
                      and p.get("type") == "Document" and p.get("loaderId") == r.get("loaderId")]
            return f"status {status[-1]}" if status else ""
        if name == "wait-for":
            self.poll(f"!!document.querySelector({q})", seconds, f"no element matches {args[0]!r}")
        elif name == "wait-text":
            self.poll(f"(document.querySelector({q})?.textContent ?? '').includes({json.dumps(args[1])})",
                      seconds, f"element {args[0]!r} does not contain {args[1]!r}")
        elif name == "click":
            if not self.evaluate(f"(() => {{ const e = document.querySelector({q}); if (!e) return false;"
                                 " e.scrollIntoView({block: 'center'}); e.click(); return true; })()"):
                raise StepError(f"no element matches {args[0]!r}")
        elif name == "dom":
            print(self.evaluate("document.documentElement.outerHTML")); print("--- end dom ---")
        elif name == "text":
            text = self.evaluate(f"document.querySelector({q})?.textContent ?? null")
            if text is None: raise StepError(f"no element matches {args[0]!r}")
            print(text)
        elif name == "screenshot":
            size = self.call("Page.getLayoutMetrics").get("cssContentSize", {})
            w, h = self.opts["window"]
            clip = {"x": 0, "y": 0, "scale": 1, "width": max(w, int(size.get("width", w))),
                    "height": max(1, min(int(size.get("height", h)), 16384))}
            r = self.call("Page.captureScreenshot",
                          {"format": "png", "clip": clip, "captureBeyondViewport": True})
            with open(args[0], "wb") as f: f.write(base64.b64decode(r["data"]))
            return f"{clip['width']}x{clip['height']}"
        elif name == "eval":
            print(json.dumps(self.evaluate(args[0])))
        return ""


def main(argv):
    try: opts, steps = parse_args(argv)
    except UsageError as e:
        print(f"browser.py: {e}\n(scripts/browser.py --help for usage)", file=sys.stderr)
        print(json.dumps({"dialogs": [], "console_errors": [], "ok": False, "error": str(e)}))
        return 2

    sys.stdout.reconfigure(encoding="utf-8", errors="replace")
    def terminate(signum, _frame): raise SystemExit(128 + signum)  # so `finally` still runs
    signal.signal(signal.SIGTERM, terminate)
    start = time.monotonic()
    browser, error, current = Browser(opts, start + opts["timeout"]), None, "launch"
    try:
        browser.launch()
        print(f"browser: launched in {time.monotonic() - start:.2f} s", file=sys.stderr)
        for name, args, seconds in steps:
            current, t = " ".join([name, *args]), time.monotonic()
            note = browser.step(name, args, seconds)
            sys.stdout.flush()
            note = f" {note}" if note else ""
            print(f"browser: {current[:120]} ok{note} ({time.monotonic() - t:.2f} s)", file=sys.stderr)
    except (TimeoutError, socket.timeout):
        error = f"{current[:200]}: timed out (--timeout {opts['timeout']:g} s)"
    except StepError as e:
        error = f"{current[:200]}: {e}"
    except (OSError, ValueError, KeyError) as e:
        error = f"{current[:200]}: {type(e).__name__}: {e}"
    except KeyboardInterrupt:
        error = f"{current[:200]}: interrupted"
    except SystemExit as e:
        error = f"{current[:200]}: terminated by signal {e.code - 128}"
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # let the cleanup finish
        browser.close()
    if error: print(f"browser.py: error: {error}", file=sys.stderr)
    print(json.dumps({"dialogs": browser.dialogs, "console_errors": browser.console_errors,
                      "ok": error is None, "error": error}), flush=True)
    return 0 if error is None else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
