#!/usr/bin/env python3
"""featuremaps serve, measured as the page uses it (not a timed test).

  bench/.venv/bin/python bench/serve_bench.py [--binary .build/release/featuremaps] [--seconds 60] [--clients 50]

1. Edit latency in the page itself: headless Chromium (DevTools protocol over --remote-debugging-pipe) opens
   the page, takes a 640x480 photo (a crop of Tests/CommandTests/Pictures/retina.jpg) and edits one kernel
   cell at a time, 100 times; the page records, for each edit, the milliseconds from the edit to its maps
   drawn (featuremaps.latencies). Banks: 8 seeded 3x3x3 filters with ReLU, then resnet50-conv1 (64 filters
   7x7x3, stride 2).
2. Load: CLIENTS threads, each a page of its own (its own client id), send kernel edits of the 8-filter bank
   to /api/maps as the page does, one after the other, for SECONDS; every status counted, the latencies'
   percentiles and the server's peak RSS (VmHWM) printed.

Needs pillow (bench/.venv) and chromium."""
import argparse
import json
import os
import random
import re
import struct
import subprocess
import tempfile
import threading
import time
import urllib.request

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
parser = argparse.ArgumentParser()
parser.add_argument("--binary", default=os.path.join(root, ".build/release/featuremaps"))
parser.add_argument("--seconds", type=float, default=60)
parser.add_argument("--clients", type=int, default=50)
parser.add_argument("--edits", type=int, default=100)
args = parser.parse_args()
work = tempfile.mkdtemp(prefix="serve-bench-")

from PIL import Image

photo = os.path.join(work, "photo-640x480.jpg")
Image.open(os.path.join(root, "Tests/CommandTests/Pictures/retina.jpg")).convert("RGB").crop((1000, 800, 1640, 1280)).save(photo, quality=92)
rng = random.Random(28)
bank = {"format": "featuremaps-bank/1", "name": "eight", "description": "8 seeded 3x3x3 filters",
        "layers": [{"type": "conv", "padding": 1, "activation": "relu",
                    "filters": [{"name": f"f{i}", "bias": 0.0, "weights": [[[rng.uniform(-1, 1) for _ in range(3)] for _ in range(3)] for _ in range(3)]}
                                for i in range(8)]}]}
bank_file = os.path.join(work, "eight.json")
json.dump(bank, open(bank_file, "w"))

server = subprocess.Popen([args.binary, "serve", "--port", "0", photo, "--bank", bank_file], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
import atexit
atexit.register(lambda: server.poll() is None and server.kill())  # never left running, whatever happens below
port = int(re.search(r":(\d+)/ ", server.stdout.readline()).group(1))
url = f"http://127.0.0.1:{port}/"


def percentiles(values):
    values = sorted(values)
    pick = lambda p: values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]
    return f"n {len(values)}, p50 {pick(50):.1f} ms, p95 {pick(95):.1f} ms, p99 {pick(99):.1f} ms, max {values[-1]:.1f} ms"


class Browser:
    """Chromium over --remote-debugging-pipe: NUL-separated JSON on fds 3 (in) and 4 (out)."""

    def __init__(self):
        to_r, to_w = os.pipe()
        from_r, from_w = os.pipe()
        exe = next(p for p in ["/usr/lib/chromium/chromium", "/usr/bin/chromium"] if os.path.exists(p))
        argv = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--remote-debugging-pipe",
                f"--user-data-dir={work}/profile", "--window-size=1400,1000", "--proxy-server=127.0.0.1:9", "about:blank"]
        self.pid = os.posix_spawn(exe, argv, os.environ, file_actions=[
            (os.POSIX_SPAWN_DUP2, to_r, 3), (os.POSIX_SPAWN_DUP2, from_w, 4),
            (os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0), (os.POSIX_SPAWN_OPEN, 2, "/dev/null", os.O_WRONLY, 0)])
        os.close(to_r)
        os.close(from_w)
        self.out, self.inp, self.buffer, self.next, self.session = to_w, from_r, b"", 1, None

    def send(self, method, params=None, browser=False):
        message = {"id": self.next, "method": method, "params": params or {}}
        if self.session and not browser:
            message["sessionId"] = self.session
        self.next += 1
        os.write(self.out, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self.buffer:
                self.buffer += os.read(self.inp, 1 << 20)
            raw, self.buffer = self.buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == message["id"]:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:60]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait(self, condition, seconds=60):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.evaluate(f"Boolean({condition})"):
                return
            time.sleep(0.005)
        raise RuntimeError(f"timed out: {condition}")


def page_latencies():
    browser = Browser()
    target = browser.send("Target.createTarget", {"url": "about:blank"}, browser=True)
    browser.session = browser.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, browser=True)["sessionId"]
    browser.send("Runtime.enable")
    browser.send("Page.navigate", {"url": url})
    browser.wait("window.featuremaps && featuremaps.updates >= 1 && !featuremaps.busy")
    results = {}
    for name in ["eight", "resnet50-conv1"]:
        if name != "eight":
            before = browser.evaluate("featuremaps.updates")
            browser.evaluate(f"(() => {{ const s = document.getElementById('bank-name'); s.value = '{name}'; s.dispatchEvent(new Event('change')); }})()")
            browser.wait(f"featuremaps.updates > {before} && !featuremaps.busy")
        size = browser.evaluate("featuremaps.layers[0].width + 'x' + featuremaps.layers[0].height + ', ' + featuremaps.layers[0].maps.length + ' maps'")
        # The editor shows filter 0 (as a click on its map would).
        # A click in the middle of map 0, as a student's: the editor shows filter 0 and the explain panel that pixel
        # (recomputed after every edit, as the page does).
        browser.evaluate("""(() => { const c = document.querySelector('#layers canvas'); const r = c.getBoundingClientRect();
            c.dispatchEvent(new MouseEvent('click', {clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, bubbles: true})); })()""")
        browser.wait("document.querySelector('#editor input[data-channel]') && document.querySelector('#explain img') && !featuremaps.busy")
        browser.evaluate("featuremaps.latencies.length = 0")
        for i in range(args.edits):
            before = browser.evaluate("featuremaps.updates")
            browser.evaluate(f"""(() => {{ const cells = document.querySelectorAll('#editor input[data-channel]');
                const cell = cells[{i} % cells.length]; cell.value = ({rng.uniform(-1, 1):.4f}).toString(); cell.dispatchEvent(new Event('input')); }})()""")
            browser.wait(f"featuremaps.updates > {before} && !featuremaps.busy")
        results[name] = (size, browser.evaluate("featuremaps.latencies"))
        print(name, "last edit: request and response", browser.evaluate("JSON.stringify(featuremaps.timing)"))
    os.kill(browser.pid, 15)
    os.waitpid(browser.pid, 0)
    return results


def load():
    state = json.load(urllib.request.urlopen(url + "api/state"))
    picture = state["pictures"][0]["id"]
    statuses, latencies, lock = {}, [], threading.Lock()
    deadline = time.time() + args.seconds

    def client(k):
        my = json.loads(json.dumps(state["bank"]))
        local = random.Random(k)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while time.time() < deadline:
            f = my["layers"][0]["filters"][local.randrange(8)]
            f["weights"][local.randrange(3)][local.randrange(3)][local.randrange(3)] = local.uniform(-1, 1)
            body = json.dumps({"client": f"load-{k}", "picture": picture, "bank": my, "normalize": "auto", "shift": [0, 0]}).encode()
            started = time.perf_counter()
            try:
                response = opener.open(urllib.request.Request(url + "api/maps", data=body, method="POST",
                                                              headers={"Content-Type": "application/json"}), timeout=120)
                data = response.read()
                n = struct.unpack("<I", data[:4])[0]
                json.loads(data[4:4 + n])
                status = response.status
            except urllib.error.HTTPError as e:
                status = e.code
            except Exception as e:
                status = type(e).__name__
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                latencies.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses, latencies


cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {cpu}, {os.cpu_count()} cores, {args.binary}")
for name, (size, values) in page_latencies().items():
    print(f"page, edit to maps drawn, {name} ({size}): {percentiles(values)}")
statuses, latencies = load()
alive = server.poll() is None
peak = next((l.split()[1] for l in open(f"/proc/{server.pid}/status") if l.startswith("VmHWM")), "?") if alive else "?"
print(f"load, {args.clients} clients for {args.seconds:.0f} s: statuses {statuses}; {percentiles(latencies)}; "
      f"server alive: {alive}; server peak RSS {int(peak) // 1024 if peak != '?' else '?'} MiB")
server.send_signal(2)
print("server:", server.communicate(timeout=30)[0].strip().splitlines()[-1])
