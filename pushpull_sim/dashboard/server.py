"""Serve the workshop dashboard: ``pushpull dashboard``.

The page and every script, style sheet and font it uses come from the Python packages
(Panel and Bokeh serve their own files under ``/static``), so it works with no internet.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

#: Bokeh serves its JavaScript itself, never from a CDN, whatever the environment says.
os.environ["BOKEH_RESOURCES"] = "server"


def free_port(host: str) -> int:
    """A TCP port that is free on ``host`` now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def serve(
    scenario: str | Path | None = None,
    port: int = 5006,
    host: str = "127.0.0.1",
    show: bool = False,
) -> int:
    """Serve the dashboard until Ctrl-C (or SIGTERM).

    Every browser tab gets its own two models (a Panel session each).

    Args:
        scenario: Scenario file the page opens with (default: the disconnect demo).
        port: TCP port (0 = any free port).
        host: Address to bind: ``127.0.0.1`` (this machine only) or e.g. ``0.0.0.0`` for
            every network interface (a classroom network).
        show: Open the page in the default browser.

    Returns:
        int: Exit status (0 when stopped by Ctrl-C).

    Raises:
        ScenarioError: If the scenario cannot be loaded (before anything is served).
        OSError: If the port cannot be bound (e.g. in use).
    """
    from pushpull_sim.dashboard import session

    presets = session.presets(scenario)
    first = next(iter(presets.values()))
    try:  # a scenario the page cannot build fails here, once, as one line
        session.Pair(session.load_scenario(first.path), session.settings_for(first))
    except session.ScenarioError as exc:
        message = str(exc)
        if not message.startswith(str(first.path)):
            message = f"{first.path}: {message}"
        raise session.ScenarioError(message) from None

    import panel as pn

    from pushpull_sim.dashboard.app import create_app

    pn.extension(inline=False)
    if port == 0:
        port = free_port(host)
    local = host in ("127.0.0.1", "localhost", "::1")
    origins = [f"127.0.0.1:{port}", f"localhost:{port}"] if local else ["*"]
    server = pn.serve(
        {"/": lambda: create_app(scenario)},
        port=port,
        address=host,
        websocket_origin=origins,
        show=False,
        start=False,
        title="pushpull dashboard",
        verbose=False,
    )
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    if not local:
        print(
            f"warning: serving on {host}: anyone on this network can open the dashboard and "
            "run models on this machine; use --host 127.0.0.1 to keep it to this machine",
            file=sys.stderr,
        )
    print(f"pushpull dashboard: serving {url} (Ctrl-C to stop)", flush=True)
    if show:
        import webbrowser

        server.io_loop.add_callback(lambda: webbrowser.open(url))
    try:
        server.start()
        server.io_loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    print("pushpull dashboard: stopped", flush=True)
    return 0
