"""Benchmark of the workshop dashboard in headless Chromium (not a test: it prints figures).

Measures the disconnect demo (1,000 households per side), served by ``pushpull
dashboard`` on 127.0.0.1 and drawn by Debian's chromium:

* page load: from navigation until every plot has finished its first drawing;
* Step to frame: from the Step button's click (in the page) to the first animation frame
  that shows the new month, over ``--steps`` steps (every view is redrawn on Step);
* frames per second with Play at the fastest speed (60 months a second asked): animation
  frames showing a new month, from month 0 to the horizon, ``--plays`` runs.

Frames are counted in the page with ``requestAnimationFrame`` (a month shown in a frame
has been drawn in it). The machine's load average is printed too: the server and the
browser share its cores with whatever else runs.

Run: ``.venv/bin/python benchmarks/dashboard.py [--json FILE] [--screenshot FILE]`` (needs
Debian's chromium and the ``test`` extra). Target: at least 20 frames per second with Play.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

from playwright.sync_api import sync_playwright

from pushpull_sim.dashboard.browser import (
    JS_FRAMES_INSTALL,
    JS_FRAMES_READ,
    JS_NODE,
    DashboardServer,
    launch,
)

#: Click a button (by its css class) inside the page; return the time of the click.
JS_CLICK = """(cls) => {
  const stack = [document];
  while (stack.length) {
    const r = stack.pop();
    const host = r.host && r.host.classList.contains(cls);
    const hit = r.querySelector('.' + cls + ' button') || (host && r.querySelector('button'));
    if (hit) { const t = performance.now(); hit.click(); return t; }
    for (const e of r.querySelectorAll('*')) if (e.shadowRoot) stack.push(e.shadowRoot);
  }
  throw new Error('no button ' + cls);
}"""

JS_IDLE = """() => {
  const views = Object.values(window.Bokeh ? Bokeh.index : {});
  return views.length > 0 && views.every(v => v.has_finished());
}"""


def wait_month(page, month: int, timeout: float = 60.0) -> None:
    page.wait_for_function(
        f"() => window.__pp.last === '{month}'", timeout=timeout * 1000, polling="raf"
    )


def first_frame(page, month: int, after: float) -> float:
    for t, shown in page.evaluate(JS_FRAMES_READ):
        if shown == str(month) and t >= after:
            return t - after
    raise RuntimeError(f"month {month} never drawn")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--screenshot", help="write a screenshot (month 30, a household)")
    parser.add_argument("--settle", action="store_true", help="also time Settle it")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--plays", type=int, default=3)
    args = parser.parse_args()
    out: dict[str, object] = {"load_average_before": os.getloadavg()[0]}
    with DashboardServer() as server, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        t = time.perf_counter()
        page.goto(server.url)
        page.wait_for_function(JS_IDLE, timeout=60_000)
        out["page_load_s"] = time.perf_counter() - t
        page.evaluate(JS_FRAMES_INSTALL)
        wait_month(page, 0)

        step_ms = []
        for m in range(1, args.steps + 1):
            t0 = page.evaluate(JS_CLICK, "pp-step")
            wait_month(page, m)
            step_ms.append(first_frame(page, m, t0))
            page.wait_for_timeout(50)
        out["step_to_frame_ms_median"] = statistics.median(step_ms)
        out["step_to_frame_ms_p90"] = sorted(step_ms)[int(0.9 * len(step_ms)) - 1]

        if args.plays:
            page.locator(".pp-speed .noUi-handle").first.press("End")  # 60 months a second
        horizon = 96
        fps = []
        for _ in range(args.plays):
            page.evaluate(JS_CLICK, "pp-reset")
            wait_month(page, 0)
            page.wait_for_timeout(300)
            n0 = len(page.evaluate(JS_FRAMES_READ))
            page.evaluate(JS_CLICK, "pp-play")
            wait_month(page, horizon, timeout=120)
            frames = [f for f in page.evaluate(JS_FRAMES_READ)[n0:] if f[1] != "0"]
            span = (frames[-1][0] - frames[0][0]) / 1000
            fps.append((len(frames) - 1) / span)
            out["frames_per_play"] = len(frames)
        if fps:
            out["play_frames_per_s_median"] = statistics.median(fps)
            out["play_frames_per_s_runs"] = fps

        if args.settle or args.screenshot:
            page.evaluate(JS_CLICK, "pp-reset")
            wait_month(page, 0)
        if args.settle:
            # Settle it runs in background processes: Step stays quick meanwhile
            t = time.perf_counter()
            page.evaluate(JS_CLICK, "pp-settle-button")
            page.locator(".pp-settle-progress").first.wait_for()
            during = []
            for m in range(1, 11):
                t0 = page.evaluate(JS_CLICK, "pp-step")
                wait_month(page, m)
                during.append(first_frame(page, m, t0))
            out["step_to_frame_ms_during_settle_median"] = statistics.median(during)
            page.locator(".pp-settle-text b").filter(has_text="Settled").wait_for(timeout=600_000)
            out["settle_s"] = time.perf_counter() - t
            out["settle_text"] = page.locator(".pp-settle-text .pp-settle").inner_text()
        if args.screenshot:
            start = int(page.evaluate("() => window.__pp.last"))
            for m in range(start + 1, 31):
                page.evaluate(JS_CLICK, "pp-step")
                wait_month(page, m)
            node = page.evaluate(JS_NODE, [12, 1])
            page.mouse.click(node["x"], node["y"])
            page.locator(".pp-household").wait_for()
            page.mouse.move(5, 5)  # no tooltip on the picture
            page.wait_for_timeout(1000)
            page.screenshot(path=args.screenshot, full_page=True)
        browser.close()
    out["load_average_after"] = os.getloadavg()[0]
    for k, v in out.items():
        shown = [round(x, 1) for x in v] if isinstance(v, list) else v
        print(f"{k}: {round(shown, 3) if isinstance(shown, float) else shown}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
