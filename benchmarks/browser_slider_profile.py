"""Where a live slider's move spends its time in a real browser (chromium + JupyterLab on
loopback); not part of `make bench` (it needs chromium and a few minutes).

For each key press on the slider: the websocket send (in the page), the view's render in the
kernel (start and end, on the same clock), the websocket receive of the image message, the
image's ``src`` set, decoded, and the animation frame after it (the browser test's figure,
tests/browser/test_live_views.py). Also the CPU per move of the kernel, the Jupyter server and
chromium's processes (from /proc, minus their idle rate over the same span): unlike the wall
times these hardly change with the machine's load.

Usage (repository root): python -m benchmarks.browser_slider_profile NOTEBOOK SLIDER [MOVES]
       e.g. 01_gaussian_mle mu, or 03_vae "z[0]"
Prints one JSON line (medians, in ms after the key press) and stores it in
benchmarks/browser_sliders.json as "profile_<NOTEBOOK>".
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil
from playwright.sync_api import sync_playwright

from tests.browser.lab_server import Lab, free_port
from tests.browser.test_jupyterlab import find_live_view, open_and_run_all

ROOT = Path(__file__).resolve().parents[1]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic", "--disable-dev-shm-usage"]  # those of the browser tests

# Before the page's scripts: time stamp every websocket send and receive of the kernel channels.
WEBSOCKET_STAMPS = """
window.genzooWs = {sent: [], recv: []};
const OrigWS = window.WebSocket;
const size = d => typeof d === 'string' ? d.length : (d.byteLength || d.size || 0);
const now = () => performance.timeOrigin + performance.now();
const origSend = OrigWS.prototype.send;
OrigWS.prototype.send = function (d) {
  if (this.url.includes('/channels')) genzooWs.sent.push([now(), size(d)]);
  return origSend.call(this, d);
};
window.WebSocket = function (...args) {
  const ws = new OrigWS(...args);
  if (String(args[0]).includes('/channels')) {
    ws.addEventListener('message', e => genzooWs.recv.push([now(), size(e.data)]));
  }
  return ws;
};
window.WebSocket.prototype = OrigWS.prototype;
for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) window.WebSocket[k] = OrigWS[k];
"""
# The browser test's probe, with the src and decode stamps kept (epoch ms, as the kernel's).
PROBE = """([img, handle]) => {
  const now = () => performance.timeOrigin + performance.now();
  const probe = {presses: [], src: [], decoded: [], painted: []};
  window.genzooProbe = probe;
  handle.addEventListener('keydown',
                          e => probe.presses.push(performance.timeOrigin + e.timeStamp), true);
  new MutationObserver(() => {
    probe.src.push(now());
    img.decode().then(() => {
      probe.decoded.push(now());
      requestAnimationFrame(() => probe.painted.push(now()));
    }).catch(() => {});
  }).observe(img, {attributes: true, attributeFilter: ['src']});
}"""
EXECUTE = """async (code) => {
  const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const f = k.requestExecute({code, silent: false, store_history: false});
  let out = '';
  f.onIOPub = m => { if (m.header.msg_type === 'stream') out += m.content.text; };
  await f.done;
  return out;
}"""
# In the kernel: stamp every render of every live view (epoch ms, CPU ms, PNG bytes).
RENDER_STAMPS = r"""
import time as _t, json as _j
from genzoo_lite.views.live_view import LiveView as _LiveView
_genzoo_renders = []
def _genzoo_stamped(view, render):
    def stamped():
        t0, c0 = _t.time() * 1000, _t.process_time()
        render()
        _genzoo_renders.append([t0, _t.time() * 1000, 1000 * (_t.process_time() - c0),
                                len(view.image.value)])
    return stamped
for _view in [v for v in list(globals().values()) if isinstance(v, _LiveView)]:
    _view.render = _genzoo_stamped(_view, _view.render)
    _view._throttle.fn = _view.render
print("stamped")
"""


def process_groups(lab: Lab) -> dict[str, list[psutil.Process]]:
    """The kernel (the server's children), the server, and chromium's processes by type."""
    server = psutil.Process(lab.process.pid)
    groups = {"kernel": server.children(recursive=True), "server": [server], "chromium": []}
    for proc in psutil.Process().children(recursive=True):
        try:
            cmdline = proc.cmdline()
        except psutil.Error:
            continue
        if "chrom" not in proc.name() and not any("chrom" in a for a in cmdline[:1]):
            continue
        flags = dict(a[2:].split("=", 1) for a in cmdline if a.startswith("--") and "=" in a)
        kind = flags.get("type", "browser")
        if kind == "utility":
            kind = flags.get("utility-sub-type", "utility").split(".")[0]
        groups["chromium"].append(proc)
        groups.setdefault(f"chromium {kind}", []).append(proc)
    return groups


def cpu_seconds(groups: dict[str, list[psutil.Process]]) -> dict[str, float]:
    out = {}
    for name, procs in groups.items():
        total = 0.0
        for proc in procs:
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except psutil.Error:
                pass
        out[name] = total
    return out


def profile(notebook: str, slider_name: str, moves: int = 15) -> dict:
    root = Path(tempfile.mkdtemp(prefix="genzoo-profile-")) / "notebooks"
    root.mkdir()
    shutil.copy(ROOT / "notebooks" / f"{notebook}.ipynb", root)
    lab = Lab(root, free_port())
    lab.start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                 headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.add_init_script(WEBSOCKET_STAMPS)
            page = context.new_page()
            page.set_default_timeout(60_000)
            open_and_run_all(page, lab, notebook, timeout_s=420)
            page.evaluate(EXECUTE, RENDER_STAMPS)
            view, slider = find_live_view(page, notebook, slider_name)
            img = view.locator("img.genzoo-live-image").first
            handle = slider.locator("[role=slider]").first
            page.evaluate(PROBE, [img.element_handle(), handle.element_handle()])
            handle.focus()
            groups = process_groups(lab)
            idle0, t_idle = cpu_seconds(groups), time.perf_counter()
            page.wait_for_timeout(4000)
            idle1 = cpu_seconds(groups)
            idle_rate = {k: (idle1[k] - idle0[k]) / (time.perf_counter() - t_idle) for k in idle0}
            page.evaluate("() => { genzooWs.sent.length = 0; genzooWs.recv.length = 0; }")
            load_before, cpu0, t0 = os.getloadavg(), cpu_seconds(groups), time.perf_counter()
            for i in range(moves):
                page.keyboard.press("ArrowRight" if i < moves // 2 + 1 else "ArrowLeft")
                page.wait_for_function("(n) => window.genzooProbe.painted.length >= n",
                                       arg=i + 1, timeout=10_000, polling=25)
                page.wait_for_timeout(150)
            cpu1, span, load_after = cpu_seconds(groups), time.perf_counter() - t0, os.getloadavg()
            probe = page.evaluate("() => window.genzooProbe")
            stamps = page.evaluate("() => window.genzooWs")
            renders = json.loads(page.evaluate(EXECUTE, "print(_j.dumps(_genzoo_renders))"))
            browser.close()
    finally:
        lab.stop()
    rows = []
    presses = probe["presses"]
    for i, press in enumerate(presses):
        end = presses[i + 1] if i + 1 < len(presses) else float("inf")
        sent = [t for t, _ in stamps["sent"] if press <= t < end]
        render = [r for r in renders if press <= r[0] < end]
        received = [(t, n) for t, n in stamps["recv"] if press <= t < end]
        image = max(received, key=lambda r: r[1]) if received else (float("nan"), 0)
        src = [t for t in probe["src"] if press <= t < end]
        rows.append({
            "send": sent[0] - press if sent else None,
            "render_start": render[0][0] - press if render else None,
            "render_ms": render[0][1] - render[0][0] if render else None,
            "render_cpu_ms": render[0][2] if render else None,
            "png_bytes": render[0][3] if render else None,
            "image_received": image[0] - press, "image_message_bytes": image[1],
            "render_end_to_image_received": image[0] - render[0][1] if render else None,
            "src_set": src[0] - press if src else None,
            "decoded": probe["decoded"][i] - press, "painted": probe["painted"][i] - press,
            "messages_received": len(received)})

    def median(key: str) -> float | None:
        values = [row[key] for row in rows if row[key] is not None]
        return round(statistics.median(values), 1) if values else None

    return {
        "notebook": notebook, "slider": slider_name, "moves": len(rows),
        "median_from_keydown_ms": {key: median(key) for key in rows[0]},
        "cpu_ms_per_move": {k: round(1000 * (cpu1[k] - cpu0[k] - idle_rate[k] * span) / moves, 1)
                            for k in cpu0},
        "idle_cpu_ms_per_s": {k: round(1000 * v, 1) for k, v in idle_rate.items()},
        "load_average": [[round(x, 2) for x in load_before], [round(x, 2) for x in load_after]],
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def main(argv: list[str]) -> dict:
    result = profile(argv[0], argv[1], int(argv[2]) if len(argv) > 2 else 15)
    path = ROOT / "benchmarks" / "browser_sliders.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[f"profile_{result['notebook']}"] = result
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    return result


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
