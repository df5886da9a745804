"""Drive the dashboard in headless Chromium: for its tests, its benchmark and screenshots.

Uses Debian's ``chromium`` package through the Python ``playwright`` package (installed
with the ``test`` extra); it never downloads a browser (``playwright install`` is not
needed and not used). Chromium runs with a fresh temporary profile (Playwright's
default for ``launch``) and without background networking, so it sends nothing to the
network on its own.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

#: Chromium flags: no sandbox (root in CI), no GPU, and none of Chromium's own traffic
#: (component updates, sync, first-run pages, background networking).
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
)

#: Why the browser tests cannot run, when Chromium is missing.
MISSING_BROWSER = "chromium not found: apt install chromium (Debian's package)"


def find_chromium() -> str | None:
    """Path of the Chromium executable (``$PUSHPULL_CHROMIUM``, else on ``PATH``)."""
    env = os.environ.get("PUSHPULL_CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def launch(playwright: Any, executable: str | None = None) -> Any:
    """Launch headless Chromium with :data:`CHROMIUM_ARGS`.

    Args:
        playwright: The object ``sync_playwright()`` gives.
        executable: Chromium's path (default :func:`find_chromium`).

    Raises:
        RuntimeError: If Chromium is not installed.
    """
    executable = executable or find_chromium()
    if executable is None:
        raise RuntimeError(MISSING_BROWSER)
    return playwright.chromium.launch(
        executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
    )


class DashboardServer:
    """``pushpull dashboard`` in a subprocess on a free port of 127.0.0.1.

    Use as a context manager; on exit it sends Ctrl-C (SIGINT), as a user would, and
    waits for the server to stop.

    Args:
        *args: More command-line arguments (e.g. a scenario file).
        timeout: Seconds to wait for the server to print its address.

    Attributes:
        url: The page's address.
        output: Lines the server printed (stdout and stderr).
        returncode: The exit status after :meth:`stop`.
    """

    def __init__(self, *args: str, timeout: float = 60.0) -> None:
        self.args = args
        self.timeout = timeout
        self.url = ""
        self.output: list[str] = []
        self.returncode: int | None = None
        self._proc: subprocess.Popen | None = None

    def start(self) -> DashboardServer:
        cmd = [sys.executable, "-m", "pushpull_sim.cli", "dashboard", "--port", "0", *self.args]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            start_new_session=True,  # Ctrl-C in a terminal running the tests stays ours
        )
        found = threading.Event()

        def read() -> None:
            assert self._proc is not None and self._proc.stdout is not None
            for line in self._proc.stdout:
                self.output.append(line.rstrip("\n"))
                if "serving http" in line and not found.is_set():
                    self.url = line.split("serving ", 1)[1].split()[0]
                    found.set()
            found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(self.timeout) or not self.url:
            self.stop()
            raise RuntimeError("the dashboard did not start:\n" + "\n".join(self.output))
        return self

    def stop(self, timeout: float = 20.0) -> int | None:
        """Send Ctrl-C and wait; kill after ``timeout`` seconds."""
        proc = self._proc
        if proc is None or self.returncode is not None:
            return self.returncode
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.returncode = proc.returncode
        return self.returncode

    def __enter__(self) -> DashboardServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# JavaScript run in the page -------------------------------------------------------------

#: The network view's node ``k`` of side ``side`` (0 = A, 1 = B): page coordinates and
#: household id.
JS_NODE = """([k, side]) => {
  const views = [];
  const stack = Object.values(Bokeh.index);
  while (stack.length) {
    const v = stack.pop();
    if (v.renderer_views) {
      const r = [...v.renderer_views.values()].find(
        rv => rv.model.glyph && rv.model.glyph.type === 'Scatter'
              && rv.model.data_source.data.marker !== undefined);
      if (r) views.push([v, r]);
    }
    if (v.child_views) for (const c of v.child_views) stack.push(c);
  }
  views.sort((a, b) => a[0].el.getBoundingClientRect().left - b[0].el.getBoundingClientRect().left);
  const [v, r] = views[side];
  const d = r.model.data_source.data;
  const rect = v.el.getBoundingClientRect();
  return {x: rect.left + v.frame.x_scale.compute(d.x[k]),
          y: rect.top + v.frame.y_scale.compute(d.y[k]), id: Number(d.id[k]), n: d.id.length};
}"""

#: Install a counter of painted frames that show a new month (read with JS_FRAMES_READ).
JS_FRAMES_INSTALL = """() => {
  window.__pp = {frames: [], last: null, on: true, root: null};
  const search = () => {
    const stack = [document];
    while (stack.length) {
      const r = stack.pop();
      const hit = r.querySelector('.pp-month-now');
      if (hit) return hit;
      for (const e of r.querySelectorAll('*')) if (e.shadowRoot) stack.push(e.shadowRoot);
    }
    return null;
  };
  const find = () => {
    const pp = window.__pp;
    let hit = pp.root && pp.root.querySelector('.pp-month-now');
    if (!hit) { hit = search(); pp.root = hit ? hit.getRootNode() : null; }
    return hit;
  };
  const tick = (t) => {
    const node = find();
    const text = node ? node.textContent : null;
    if (text !== window.__pp.last) { window.__pp.frames.push([t, text]); window.__pp.last = text; }
    if (window.__pp.on) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


JS_FRAMES_READ = "() => window.__pp.frames"


def month_shown(page: Any) -> int:
    """The month the page's bar shows."""
    return int(page.locator(".pp-month-now").inner_text())


def side_months(page: Any) -> tuple[int, int]:
    """The months the two sides' headers show (each from its own model)."""
    a = page.locator(".pp-head-a .pp-month").inner_text()
    b = page.locator(".pp-head-b .pp-month").inner_text()
    return int(a), int(b)


def wait_until(predicate, timeout: float = 20.0, interval: float = 0.05) -> bool:
    """Poll ``predicate()`` until it is true or ``timeout`` seconds pass."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
