"""Benchmark of the workshop dashboard in headless Chromium (not a test: it prints figures).

Measures, at the disconnect demo's 1,000 households per side:

* page load: from navigation to the page showing month 0 with every plot drawn;
* Step to frame: from the Step button's click (in the page) to the first painted frame
  showing the new month (requestAnimationFrame), for 30 steps; median and 90th percentile;
* frames per second with Play at full speed (60 months a second asked): painted frames
  that show a new month, from month 0 to the horizon, 3 runs; median.

Run: ``.venv/bin/python benchmarks/dashboard.py [--json FILE]`` (needs Debian's chromium
and the ``test`` extra). Target (maintainers): at least 20 frames per second with Play.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from playwright.sync_api import sync_playwright

from pushpull_sim.dashboard.browser import (
    JS_FRAMES_INSTALL,
    JS_FRAMES_READ,
    DashboardServer,
    launch,
    month_shown,
    wait_until,
)

#: Click a button (by its css class) inside the page and return the time of the click.
JS_CLICK = """(cls) => {
  const stack = [document];
  while (stack.length) {
    const r = stack.pop();
    const hit = r.querySelector('.' + cls + ' button') || (r.host && r.host.classList.contains(cls) && r.querySelector('button'));
    if (hit) { const t = performance.now(); hit.click(); return t; }
    for (const e of r.querySelectorAll('*')) if (e.shadowRoot) stack.push(e.shadowRoot);
  }
  throw new Error('no button ' + cls);
}"""


def frames_after(page, t0: float, month: str) -> float | None:
    for t, text in page.evaluate(JS_FRAMES_READ):
        if text == month and t >= t0:
            return t - t0
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--plays", type=int, default=3)
    args = parser.parse_args()
    out: dict[str, float] = {}
    with DashboardServer() as server, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        t = time.perf_counter()
        page.goto(server.url)
        page.wait_for_selector(".pp-month-now")
        page.wait_for_function("() => window.Bokeh && Object.keys(Bokeh.index).length > 0")
        page.wait_for_function(
            "() => [...Object.values(Bokeh.index)].every(v => v.is_idle !== false)"
        )
        out["page_load_s"] = time.perf_counter() - t
        page.evaluate(JS_FRAMES_INSTALL)

        step_ms = []
        for _ in range(args.steps):
            before = month_shown(page)
            t0 = page.evaluate(JS_CLICK, "pp-step")
            want = str(before + 1)
            wait_until(lambda: frames_after(page, t0, want) is not None, timeout=10)
            step_ms.append(frames_after(page, t0, want))
        out["step_to_frame_ms_median"] = statistics.median(step_ms)
        out["step_to_frame_ms_p90"] = sorted(step_ms)[int(0.9 * len(step_ms)) - 1]

        # full speed: the slider's End key moves it to 60 months a second
        handle = page.locator(".pp-speed .noUi-handle")
        handle.focus()
        handle.press("End")
        page.wait_for_timeout(300)
        fps = []
        for _ in range(args.plays):
            page.evaluate(JS_CLICK, "pp-reset")
            wait_until(lambda: month_shown(page) == 0, timeout=20)
            page.wait_for_timeout(300)
            n0 = len(page.evaluate(JS_FRAMES_READ))
            page.evaluate(JS_CLICK, "pp-play")
            wait_until(
                lambda: (
                    "Play" in page.locator(".pp-play button").inner_text() and month_shown(page) > 0
                ),
                timeout=60,
            )
            frames = page.evaluate(JS_FRAMES_READ)[n0:]
            moving = [f for f in frames if f[1] not in ("0", None)]
            span = (moving[-1][0] - moving[0][0]) / 1000
            fps.append((len(moving) - 1) / span if span > 0 else float("nan"))
            out.setdefault("months_per_play", int(moving[-1][1]))
        out["play_frames_per_s_median"] = statistics.median(fps)
        out["play_frames_per_s_runs"] = fps
        browser.close()
    for k, v in out.items():
        print(f"{k}: {v if isinstance(v, int | list) else round(v, 3)}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
