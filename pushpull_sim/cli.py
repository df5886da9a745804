"""The ``pushpull`` command line.

``pushpull run SCENARIO [--seed S] [--replications R] [--months M] [--out DIR] [--force]``
``pushpull compare SCENARIO [--strategies NAME ...] [--levers] [--replications R] [--out DIR]``
``pushpull strategies`` (the lever settings of every strategy)
``pushpull dashboard [SCENARIO] [--port P] [--host H] [--show]`` (the workshop dashboard)
``pushpull calibrate SCENARIO --targets FILE --params SPEC [...]`` (fit to published figures)

Bad input (a scenario error, a bad option, an output directory that exists or cannot be
written, a sweep spec given to ``run`` or a scenario to ``sweep``) prints one line to
standard error and exits with status 2; nothing already written is touched. The output
directory is checked before the simulation starts.

Start-up loads only the argument parser's light declarations (the strategies' levers, the
story kinds): the model, numpy, pandas, scipy, numba, Mesa and matplotlib load only when
a command needs them, so ``--help``, a bad option and a missing scenario file answer at
once.

Output piped to a reader that stops early (``pushpull interventions | head -1``) ends
quietly: the rest of the output is dropped, a command that writes files still writes
them, and the exit status is 141 (128 + SIGPIPE, as a shell reports a writer whose
reader closed the pipe).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

EXIT_USAGE = 2
#: Exit status of a run whose arithmetic failed (a NaN or an infinity in the model).
EXIT_FAILED = 1
#: Exit status after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130
#: Exit status when standard output's reader closed the pipe (128 + SIGPIPE).
EXIT_PIPE_CLOSED = 141

#: Strategies ``compare`` runs by default, in report order.
STRATEGY_ORDER = ("none", "push_only", "pull_only", "siloed", "sequenced", "layered")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        message = re.sub(r"^argument (\S+?)(?:/\S+)?: = ", r"\1 = ", message)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _int_in(lo: int, hi: int):
    """argparse type: an integer in [lo, hi], with a one-line message naming the option."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"= {text}: must be an integer from {lo} to {hi}")
        return value

    return parse


def _ranked_outcome(text: str) -> str:
    """argparse type: a declared outcome with a better direction (one-line message)."""
    from pushpull_sim.outcomes import OUTCOMES

    ranked = [name for name, o in OUTCOMES.items() if o.better is not None]
    if text not in ranked:
        why = "neither higher nor lower is better" if text in OUTCOMES else "unknown outcome"
        raise argparse.ArgumentTypeError(f"= {text}: {why}; allowed: {', '.join(ranked)}")
    return text


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = _Parser(
        prog="pushpull",
        description="Agent-based model of graduation out of extreme poverty with push and "
        "pull support.",
    )
    from pushpull_sim import __version__

    parser.add_argument("--version", action="version", version=f"pushpull_sim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser(
        "run",
        help="run a scenario and write its outputs",
        description="Run a scenario's replications, print the summary table and write "
        "timeseries.parquet, households.parquet, survey.parquet, summary.json and run.png "
        "to DIR, and the household event log (events.parquet, paths.parquet; see "
        "`pushpull story`) unless output.events is false.",
    )
    run.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario TOML file")
    run.add_argument("--seed", type=_int_in(0, 2**63 - 1), help="base seed")
    run.add_argument(
        "--replications",
        type=_int_in(1, 10_000),
        help="number of replications",
    )
    run.add_argument("--months", type=_int_in(1, 1200), help="horizon, months")
    run.add_argument("--workers", type=_int_in(1, 1024), help="worker processes (default: cores)")
    run.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="output directory (default runs/<scenario>-<timestamp>)",
    )
    run.add_argument("--force", action="store_true", help="replace an existing output directory")
    listing = sub.add_parser(
        "interventions",
        help="list the interventions, pull actors and targeting rules a scenario can use",
        description="List every registered push intervention, pull actor type and targeting "
        "rule with its parameters, defaults, units and sources.",
    )
    listing.add_argument(
        "--markdown",
        action="store_true",
        help="print the whole reference (components, strategy levers, outcomes, timeseries "
        "columns) as Markdown: docs/reference.md",
    )
    from pushpull_sim.levers import STRATEGIES

    compare = sub.add_parser(
        "compare",
        help="compare integration strategies for the same budget",
        description="Run integration strategies on common random numbers for the scenario's "
        "budget; print the verdict (the best strategy, its paired difference from each "
        "other with a 95 % interval, and whether the replications can tell), the table "
        "and the paired differences, and write comparison.parquet/csv, differences.csv, "
        "runs.parquet, spending.csv, report.md and compare_*.png to DIR.",
    )
    compare.add_argument("scenario", type=Path, metavar="SCENARIO", help="scenario TOML file")
    compare.add_argument(
        "--strategies",
        nargs="+",
        choices=list(STRATEGIES),
        metavar="NAME",
        help=f"strategies to compare (default: all; allowed: {', '.join(STRATEGIES)})",
    )
    compare.add_argument(
        "--levers",
        action="store_true",
        help="lever attribution: switch one lever group at a time from siloed toward layered "
        "(and back from layered); runs those variants, plus --strategies if given",
    )
    compare.add_argument(
        "--verdict-on",
        type=_ranked_outcome,
        default=None,
        metavar="OUTCOME",
        help="the outcome the verdict ranks strategies by: a declared outcome where higher "
        "or lower is better (default: additional_sustained_graduates_per_100k_usd_ppp, "
        "sustained graduates beyond the control arm's rate per USD PPP 100,000 spent)",
    )
    compare.add_argument(
        "--replications", type=_int_in(1, 10_000), help="replications per strategy (default 20)"
    )
    compare.add_argument("--seed", type=_int_in(0, 2**63 - 1), help="base seed")
    compare.add_argument(
        "--workers", type=_int_in(1, 1024), help="worker processes (default: cores)"
    )
    compare.add_argument(
        "--out", type=Path, metavar="DIR", help="output directory (default runs/compare-...)"
    )
    compare.add_argument(
        "--force", action="store_true", help="replace an existing output directory"
    )
    sub.add_parser(
        "strategies",
        help="print every strategy's lever settings",
        description="Print the lever settings of every integration strategy (the data "
        "`compare` runs). Any lever can be overridden in a scenario's [strategy] table.",
    )
    bench = sub.add_parser(
        "bench",
        help="time the monthly step against Mesa's Boltzmann wealth example",
        description="Time Mesa's Boltzmann wealth example (10k or 100k agents) and this "
        "model's monthly step (full push and pull package, layered strategy, data "
        "collection on) in alternation at each size; print household-steps/s, the median "
        "ratio to Mesa, build time and peak memory, then complete default runs, the "
        "kernels' compile and cache-load time and the command line's start-up (see "
        "docs/performance.md).",
    )
    bench.add_argument(
        "--sizes",
        type=_int_in(100, 10_000_000),
        nargs="+",
        metavar="N",
        help="households (default 1000 10000 100000 1000000)",
    )
    bench.add_argument(
        "--months", type=_int_in(1, 1200), default=12, help="months per size (default 12)"
    )
    bench.add_argument("--json", type=Path, metavar="FILE", help="also write the rows as JSON")
    bench.add_argument(
        "--default-runs",
        type=_int_in(0, 10_000),
        default=10,
        metavar="R",
        help="complete runs of the default scenario to time (default 10; 0 = skip)",
    )
    bench.add_argument(
        "--rounds",
        type=_int_in(1, 100),
        default=3,
        metavar="R",
        help="rounds of Mesa then the model per size; the median ratio is reported, so a "
        "drift in the machine's speed cancels (default 3)",
    )
    dashboard = sub.add_parser(
        "dashboard",
        help="serve the workshop dashboard in a browser (works offline)",
        description="Serve the workshop dashboard: two strategies side by side on the same "
        "households and shocks, with the disconnect levers as switches. Every browser tab "
        "gets its own models. Stop with Ctrl-C. See docs/dashboard.md.",
    )
    dashboard.add_argument(
        "scenario",
        type=Path,
        nargs="?",
        metavar="SCENARIO",
        help="scenario TOML file (default: scenarios/disconnect_demo.toml)",
    )
    dashboard.add_argument(
        "--port", type=_int_in(0, 65535), default=5006, help="TCP port (default 5006; 0 = any free)"
    )
    dashboard.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to serve on (default 127.0.0.1, this machine only; 0.0.0.0 for a "
        "classroom network)",
    )
    dashboard.add_argument("--show", action="store_true", help="open the page in a browser")
    from pushpull_sim.picks import PICKS

    story = sub.add_parser(
        "story",
        help="tell one household's story from a run's event log",
        description="Print one household's story month by month in plain words (its "
        "productive assets, savings and consumption beside what happened) from a run "
        "directory's events.parquet and paths.parquet, and write a figure of the paths "
        "with the events marked. Give a HOUSEHOLD id, or --pick a typical household of a "
        "kind: " + "; ".join(f"{k}: {v}" for k, v in PICKS.items()) + ".",
    )
    story.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="run directory")
    story.add_argument(
        "household",
        type=_int_in(0, 2**31 - 1),
        nargs="?",
        metavar="HOUSEHOLD",
        help="household id (0 .. households - 1)",
    )
    story.add_argument(
        "--pick",
        choices=list(PICKS),
        metavar="KIND",
        help=f"a typical household of a kind instead ({', '.join(PICKS)})",
    )
    story.add_argument(
        "--replication",
        type=_int_in(0, 10_000),
        default=0,
        metavar="R",
        help="replication (default 0)",
    )
    story.add_argument(
        "--figure",
        type=Path,
        metavar="FILE",
        help="figure to write (default RUN_DIR/story_<household>_r<R>.png)",
    )
    from pushpull_sim.sweep.cli import add_sweep_parsers

    add_sweep_parsers(sub, _int_in)
    from pushpull_sim.calibrate.command import add_calibrate_parser

    add_calibrate_parser(sub, _int_in)
    return parser


def _cmd_interventions(args: argparse.Namespace) -> int:
    from pushpull_sim.catalog import format_components, reference_markdown

    _emit(reference_markdown() if args.markdown else format_components(), end="")
    return 0


def _compile_kernels() -> None:
    """On a machine without the kernels' cache, compile them now and say so (about
    30 s, once), rather than leave the first run silent that long."""
    from pushpull_sim.kernels.warmup import compile_kernels

    compile_kernels()


def _cmd_run(args: argparse.Namespace) -> int:
    from pushpull_sim.output import OutputError, prepare_output, write_run

    scenario = _load_scenario(args.scenario, "run")
    out = args.out or Path("runs") / f"{scenario.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    tmp = prepare_output(out, args.force)  # before any work: a bad --out costs nothing
    try:
        with _signals_after_imports():  # the model: loaded once input is good
            from pushpull_sim.runner import run_experiment
            from pushpull_sim.summary import build_summary, format_summary

        _compile_kernels()
        result = run_experiment(
            scenario,
            seed=args.seed,
            replications=args.replications,
            months=args.months,
            workers=args.workers,
        )
        summary = build_summary(result)
        _emit(format_summary(summary))
        with _signals_after_imports():  # matplotlib, for the figures
            import pushpull_sim.plots  # noqa: F401
        write_run(result, summary, out, force=args.force, tmp=tmp)
    except OSError as exc:
        raise OutputError(f"{{out}}: cannot write: {exc.strerror or exc}", out) from None
    finally:
        if tmp.exists() and not _kept(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    _emit_written(out)
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from pushpull_sim.output import OutputError, prepare_output
    from pushpull_sim.scenario.errors import ScenarioError

    scenario = _load_scenario(args.scenario, "compare")
    if scenario.programme.budget_usd_ppp is None:
        raise ScenarioError(
            f"{args.scenario}: programme.budget_usd_ppp = (missing): compare needs a budget, "
            "the same for every strategy; set it in [programme]"
        )
    variants = None
    if args.levers:
        from pushpull_sim.compare import lever_variants

        variants = {name: {"name": name} for name in args.strategies or []}
        variants.update(lever_variants())
    elif args.strategies:
        variants = {name: {"name": name} for name in dict.fromkeys(args.strategies)}
    else:
        variants = {name: {"name": name} for name in STRATEGY_ORDER}
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = args.out or Path("runs") / f"compare-{scenario.name}-{stamp}"
    tmp = prepare_output(out, args.force)  # before any work: a bad --out costs nothing
    try:
        with _signals_after_imports():  # the model: loaded once input is good
            from pushpull_sim.compare import (
                DEFAULT,
                compare,
                format_attribution,
                format_differences,
                format_table,
                format_verdict,
                lever_attribution,
                verdict,
                write_comparison,
            )

        verdict_on = args.verdict_on or DEFAULT
        _compile_kernels()
        try:
            result = compare(
                scenario,
                replications=args.replications or 20,
                seed=args.seed,
                workers=args.workers,
                variants=variants,
                outcomes=[verdict_on],
            )
        except ScenarioError as exc:  # a strategy the scenario cannot run: name the file
            raise ScenarioError(f"{args.scenario}: {exc}") from None
        attribution = lever_attribution(result) if args.levers else None
        if len(result.variants) > 1:
            _emit(format_verdict(verdict(result, verdict_on), result))
            _emit()
        _emit(format_table(result))
        if len(result.variants) > 1 and not args.levers:
            _emit()
            _emit(format_differences(result))
        if attribution is not None:
            _emit("\nThe disconnect, lever by lever (paired differences, mean [95 % CI]):\n")
            _emit(format_attribution(attribution))
        with _signals_after_imports():  # matplotlib, for the figures
            import pushpull_sim.plots  # noqa: F401
        write_comparison(
            result,
            out,
            force=args.force,
            tmp=tmp,
            attribution=attribution,
            verdict_on=verdict_on,
        )
    except OSError as exc:
        raise OutputError(f"{{out}}: cannot write: {exc.strerror or exc}", out) from None
    finally:
        if tmp.exists() and not (tmp / "report.md").exists():
            shutil.rmtree(tmp, ignore_errors=True)
    _emit_written(out)
    return 0


@contextmanager
def _signals_after_imports() -> Iterator[None]:
    """Hold a Ctrl-C or SIGTERM that arrives while a command loads the model until the
    imports are done, then deliver it: Python's import machinery can lose an exception
    raised inside it, or be left locked, and the command would then run on as if no
    signal had come."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in held}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    for signum in dict.fromkeys(caught):
        signal.raise_signal(signum)  # now handled as usual: KeyboardInterrupt, SystemExit


def _cmd_dashboard(args: argparse.Namespace) -> int:
    if args.scenario is not None:
        _load_scenario(args.scenario, "dashboard")  # bad input: one line, before Panel
    from pushpull_sim.dashboard.server import serve  # Panel and Bokeh: only for this command

    _compile_kernels()
    try:
        return serve(args.scenario, port=args.port, host=args.host, show=args.show)
    except OSError as exc:  # port in use, address not on this machine: one line, exit 2
        print(
            f"pushpull dashboard: error: --port {args.port} --host {args.host}: cannot serve "
            f"there: {exc.strerror or exc}; choose another --port (0 = any free port)",
            file=sys.stderr,
        )
        return EXIT_USAGE


def _cmd_story(args: argparse.Namespace) -> int:
    from pushpull_sim.story import StoryError, open_run, pick, story

    if (args.household is None) == (args.pick is None):
        raise StoryError("give either HOUSEHOLD or --pick KIND (one of them)")
    run = open_run(args.run_dir)
    i = args.household
    if args.pick is not None:
        i = pick(run, args.pick, args.replication)
    told = story(run, i, args.replication)
    figure = args.figure or run.path / f"story_{i}_r{args.replication}.png"
    if args.pick is not None:
        _emit(f"A typical household of the kind '{args.pick}': {i}")
    for line in told.lines():
        _emit(line)
    try:
        told.figure(figure)
    except OSError as exc:
        why = exc.strerror or exc
        raise StoryError(f"--figure = {str(figure)!r}: cannot write: {why}") from None
    _emit(f"wrote {figure}")
    return 0


def _emit_written(out: Path) -> None:
    """The files written, wrapped at 100 columns."""
    import textwrap

    files = ", ".join(sorted(p.name for p in out.iterdir()))
    _emit()
    _emit("\n".join(textwrap.wrap(f"wrote {out}/: {files}", 100, subsequent_indent="  ")))


#: Whether standard output's reader has closed the pipe (the rest is dropped).
_stdout_closed = False


def _emit(text: str = "", end: str = "\n") -> None:
    """Print to standard output; if its reader has gone (a closed pipe), drop this and
    all later output and let the command finish its work (its files are still written)."""
    global _stdout_closed
    if _stdout_closed:
        return
    try:
        print(text, end=end, flush=True)
    except BrokenPipeError:
        _drop_stdout()


def _drop_stdout() -> None:
    """Point standard output at the null device, so that nothing more (not even Python's
    final flush at exit) fails on the closed pipe."""
    global _stdout_closed
    _stdout_closed = True
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file behind sys.stdout
        pass


def _toml_table(path: Path) -> dict | None:
    """The TOML file's top-level table, or None if it cannot be read as TOML (the
    loaders then report why)."""
    import tomllib

    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (OSError, ValueError):
        return None


def _is_file(path: Path) -> bool:
    """``path`` is a file; False where the file system cannot look it up (a name too long,
    a loop of links): the loader then says why in one line."""
    try:
        return Path(path).is_file()
    except OSError:
        return False


def _load_scenario(path: Path, command: str):
    """Load a scenario; a sweep spec given instead gets a one-line hint to the right
    command.

    Raises:
        ScenarioError: The file is a sweep spec (it has a ``[sweep]`` table), or as
            :func:`pushpull_sim.scenario.load_scenario`.
    """
    from pushpull_sim.scenario.errors import ScenarioError, check_scenario_file

    check_scenario_file(path)  # a missing file: one line, before the model's modules load
    data = _toml_table(path)
    if data is not None and isinstance(data.get("sweep"), dict):
        raise ScenarioError(
            f"{path}: this is a sweep spec (it has a [sweep] table), not a scenario: run it "
            f"with `pushpull sweep {path}`"
            + ("" if command == "run" else f"; `pushpull {command}` takes a scenario file")
        )
    from pushpull_sim.scenario import load_scenario

    return load_scenario(path)


def _refuse_scenario_as_spec(path: Path) -> None:
    """A scenario given to ``pushpull sweep`` gets a one-line hint to the right command.

    Raises:
        ScenarioError: The file has no ``[sweep]`` table and every top-level key is a
            scenario's.
    """
    from pushpull_sim.scenario import Scenario, ScenarioError

    data = _toml_table(path) if _is_file(path) else None
    if data is None or "sweep" in data:
        return
    if set(data) <= set(Scenario.model_fields):
        raise ScenarioError(
            f"{path}: this is a scenario, not a sweep spec (a sweep spec has a [sweep] "
            f"table; see docs/sweeps.md): run it with `pushpull run {path}`, or compare "
            f"strategies on it with `pushpull compare {path}`"
        )


def _refuse_missing_sweep_dir(path: Path) -> None:
    """``pushpull analyze`` on a directory that does not exist, or on a file.

    Raises:
        ScenarioError: With a one-line message saying which.
    """
    from pushpull_sim.scenario.errors import ScenarioError

    if not path.exists():
        raise ScenarioError(f"{path}: no such directory; give the --out of a pushpull sweep")
    if not path.is_dir():
        raise ScenarioError(f"{path}: is a file, not a sweep directory")


def _kept(tmp: Path) -> bool:
    """A finished temporary directory is kept when its target appeared meanwhile."""
    return all((tmp / name).exists() for name in ("summary.json", "run.png"))


def _terminate(signum, frame) -> None:  # SIGTERM: unwind so temporary files are removed
    raise SystemExit(128 + signum)


#: Errors ``main`` reports in one line with exit status 2 (bad input), as (module, class).
_USAGE_ERRORS = (
    ("pushpull_sim.scenario.errors", "ScenarioError"),
    ("pushpull_sim.output", "OutputError"),
    ("pushpull_sim.story", "StoryError"),
)
#: Errors ``main`` reports in one line with exit status 1 (a NaN or an infinity).
_NUMERICAL_ERRORS = (("pushpull_sim.households", "NumericalError"),)


def _loaded(errors: tuple[tuple[str, str], ...]) -> tuple[type[BaseException], ...]:
    """The classes of ``errors`` whose modules are loaded. An error of a module that was
    never loaded cannot have been raised, so ``main`` catches them without importing the
    model's modules (numpy, pandas) at start-up; the tuple is built only when an
    exception reaches the ``except`` clause."""
    found = (getattr(sys.modules.get(module), name, None) for module, name in errors)
    return tuple(cls for cls in found if cls is not None)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pushpull`` console script.

    Returns:
        int: Exit status (0 success, 1 a numerical failure in the model, 2 bad input,
        130 interrupted, 141 standard output's reader closed the pipe).
    """
    from pushpull_sim.output import OutputError

    global _stdout_closed
    _stdout_closed = False
    args = build_parser().parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    try:
        code = _dispatch(args)
        if not _stdout_closed:
            sys.stdout.flush()  # a reader that closed the pipe shows here, not at exit
    except BrokenPipeError:  # from a command's own print: its reader has gone
        _drop_stdout()
    except _loaded(_USAGE_ERRORS) as exc:
        message = exc.for_cli() if isinstance(exc, OutputError) else str(exc)
        print(f"pushpull {args.command}: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except _loaded(_NUMERICAL_ERRORS) as exc:  # never a result: one line, and nothing is written
        print(f"pushpull {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:  # Ctrl-C: the commands have removed their unfinished output
        print(f"pushpull {args.command}: interrupted; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:  # a path the system refuses (too long, a loop, no permission)
        from pushpull_sim.validation import one_line, show

        where = f"{show(str(exc.filename))}: " if exc.filename is not None else ""
        print(
            f"pushpull {args.command}: error: {where}{one_line(exc.strerror or str(exc))}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return EXIT_PIPE_CLOSED if _stdout_closed else code


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":
        return _cmd_run(args)
    if args.command == "interventions":
        return _cmd_interventions(args)
    if args.command == "compare":
        return _cmd_compare(args)
    if args.command == "strategies":
        from pushpull_sim.strategies import format_strategies

        _emit(format_strategies())
        return 0
    if args.command == "bench":
        from pushpull_sim.bench import cmd_bench

        return cmd_bench(args)
    if args.command == "dashboard":
        return _cmd_dashboard(args)
    if args.command == "story":
        return _cmd_story(args)
    if args.command in ("sweep", "analyze"):
        from pushpull_sim.sweep.cli import run_command

        if args.command == "sweep":
            _refuse_scenario_as_spec(args.spec)
        else:
            _refuse_missing_sweep_dir(args.dir)
        return run_command(args)
    if args.command == "calibrate":
        from pushpull_sim.calibrate.command import run_command as run_calibrate

        return run_calibrate(args)
    return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
