"""Fit a scenario's parameters to published figures with Optuna, then confirm the fit.

:func:`calibrate` runs an Optuna study (its TPE sampler, seeded) over the parameters of
a spec (:mod:`pushpull_sim.calibrate.space`), scoring each trial by the loss of
:mod:`pushpull_sim.calibrate.measure` against the fit targets of a targets file
(:mod:`pushpull_sim.calibrate.targets`). Trials run one after the other, each trial's
replications in parallel on local processes or a Dask cluster
(:mod:`pushpull_sim.executors`); a trial's result does not depend on the number of
workers.

Repeatability. Every trial runs replications ``0..R-1`` of the same seed (common random
numbers). The sampler is re-seeded before each trial from the calibration seed and the
trial's position, so the same inputs and seed give the same trials, and a study that was
interrupted and resumed gives the trials an uninterrupted one would have (a trial cut
short is marked failed, flagged ``interrupted``, and run again).

Storage. With an output directory, trials live in Optuna's SQLite storage there
(``study.db``); ``resume`` continues that study up to ``trials`` trials in all.

Confirmation. The best parameters, as written to the calibrated scenario, are run again
on a fresh seed with more replications, and every target's gap is measured again. A fit
target whose gap on fresh seeds is beyond :data:`CONFIRM_MISS_SE` combined standard
errors, having grown by more than :data:`CONFIRM_GROWTH_SE`, is flagged: the fit does not
hold. A fitted value within :data:`EDGE` of either end of its range (in its scale) is
flagged too: the range, not the data, may be deciding it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
import shutil
import sys
import time
import uuid
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pushpull_sim.calibrate.measure import (
    Measurement,
    TrialFailed,
    fit,
    measure_replication,
    request,
    summarise,
)
from pushpull_sim.calibrate.space import ParamSpace, load_param_space, space_from_dict
from pushpull_sim.calibrate.targets import (
    DEFAULT_FIT_MONTHS,
    CalibrationError,
    Targets,
    load_targets,
)
from pushpull_sim.calibrate.writer import header, set_values
from pushpull_sim.executors import Executor, ExecutorError, executor
from pushpull_sim.output import OutputError
from pushpull_sim.scenario import Scenario, ScenarioError, load_scenario, scenario_from_dict
from pushpull_sim.sweep import params as P

#: The study's name in its storage (one study per output directory).
STUDY_NAME = "pushpull-calibration"
#: Optuna's SQLite storage in the output directory.
STORAGE_FILE = "study.db"
#: What the calibration was asked, beside the study (read by ``--resume``).
MANIFEST_FILE = "calibration.json"
#: A fitted value within this share of its range (in its scale) of either end is flagged.
#: Assumption: 2 % of the range.
EDGE = 0.02
#: A fit target does not hold on fresh seeds when its gap there is beyond
#: :data:`CONFIRM_MISS_SE` combined standard errors (the model is no longer consistent
#: with the figure) and has grown by more than :data:`CONFIRM_GROWTH_SE` since the
#: calibration (so the calibration's own replications, not the parameters, made the fit).
#: Assumptions: about a 95 % interval, and one SE of growth; simulation noise is inside
#: the combined SE, so more replications make the test sharper, not stricter.
CONFIRM_MISS_SE = 2.0
CONFIRM_GROWTH_SE = 1.0
#: spawn_key of the per-trial sampler seeds and of the confirmation seed.
SAMPLER_KEY = 1
CONFIRM_KEY = 2
#: Trials the TPE sampler draws at random before it models the loss (Optuna's default).
STARTUP_TRIALS = 10


@dataclass
class CalibrationResult:
    """What :func:`calibrate` returns.

    Attributes:
        study: The Optuna study (``optuna.Study``).
        targets: The targets.
        space: The parameter spec.
        roles: ``{target: "fit" | "holdout"}``.
        best_trial: Number of the best trial.
        best_params: ``{dotted name: value}`` of the best trial (as written to the
            calibrated scenario).
        loss, holdout_loss: The best trial's loss over the fit targets and over the
            held-out ones (NaN without any).
        confirm_loss, confirm_holdout_loss: The same on fresh seeds.
        fit: One row per target: the figure, the model's value and SE and the gap in
            combined SEs in the calibration (``model``, ``model_se``, ``gap_se``) and on
            fresh seeds (``*_confirm``), and the flag (see :func:`fit_table`).
        trials: One row per trial (see :func:`trials_table`).
        edge: Fitted parameters within :data:`EDGE` of an end of their range.
        not_holding: Fit targets that do not hold on fresh seeds (see :func:`fit_table`).
        noisy: Fit targets whose simulation SE in the best trial exceeds the published
            SE: there the loss barely tells parameters from noise (more replications or
            households sharpen it), and a noisy trial can win by its wide SE alone.
        scenario: The calibrated scenario (base plus fitted values; without ``fixed``).
        scenario_text: Its TOML text.
        scenario_name: Its file name in ``out``.
        out: The output directory (None: nothing written).
        seed, replications: The calibration's seed and replications per trial.
        confirm_seed, confirm_replications: The confirmation's.
        fit_months: Months whose targets fit by default.
        seconds: Wall time of this call, s.
        date: The date written into the calibrated scenario's comments.
        scenario_source: The base scenario file (None for a Scenario object).
    """

    study: Any
    targets: Targets
    space: ParamSpace
    roles: dict[str, str]
    best_trial: int
    best_params: dict[str, Any]
    loss: float
    holdout_loss: float
    confirm_loss: float
    confirm_holdout_loss: float
    fit: pd.DataFrame
    trials: pd.DataFrame
    edge: list[str]
    not_holding: list[str]
    noisy: list[str]
    scenario: Scenario
    scenario_text: str
    scenario_name: str
    out: Path | None
    seed: int
    replications: int
    confirm_seed: int
    confirm_replications: int
    fit_months: tuple[int, ...]
    seconds: float
    date: str
    scenario_source: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        """Whether the report flags the fit (a value at its range's edge, or a fit that
        does not hold on fresh seeds)."""
        return bool(self.edge or self.not_holding)

    @property
    def trial_seconds(self) -> float:
        """Median wall time of a completed trial, s."""
        done = self.trials[self.trials["state"] == "COMPLETE"]["seconds"]
        return float(done.median()) if len(done) else math.nan


# ------------------------------------------------------------------------ helpers
def _seed_from(seed: int, *key: int) -> int:
    ss = np.random.SeedSequence(seed, spawn_key=key)
    return int(ss.generate_state(1, dtype=np.uint64)[0] & np.uint64(2**63 - 1))


def sampler_seed(seed: int, k: int) -> int:
    """Seed of the sampler for the ``k``-th counted trial (0-based)."""
    return _seed_from(seed, SAMPLER_KEY, k) & (2**32 - 1)


def confirmation_seed(seed: int) -> int:
    """The confirmation's default seed: fresh, and fixed by the calibration seed."""
    return _seed_from(seed, CONFIRM_KEY)


def _with_months(data: dict[str, Any], months: Iterable[int]) -> dict[str, Any]:
    """Scenario data whose virtual trial also estimates ITT effects at ``months``."""
    data = dict(data)
    rct = dict(data.get("rct", {}))
    rct["itt_months"] = sorted(set(rct.get("itt_months", [])) | set(months))
    data["rct"] = rct
    return data


def _fingerprint(**parts: Any) -> str:
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _interrupted(t: Any) -> bool:
    """A trial cut short by a stop: failed without an error of its own."""
    return t.state.name == "FAIL" and "error" not in t.user_attrs


def _relative(path: str) -> str:
    p = Path(path)
    if p.is_absolute():
        try:
            return p.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return p.as_posix()
    return p.as_posix()


def _shown(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def prepare_dir(out: Path, resume: bool, force: bool) -> tuple[Path | None, bool]:
    """Check the output directory before any trial.

    Returns:
        tuple: ``(old directory moved aside by force, removed at the end, or None;
        whether an earlier study is resumed)``.

    Raises:
        OutputError: ``out`` is not a directory, exists and is not empty without
            ``resume`` or ``force``, holds no calibration to resume, or cannot be written.
    """
    if out.name in ("", ".", ".."):
        raise OutputError(f"--out {out}: must name a directory to create")
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out}: exists and is not a directory")
    nonempty = out.is_dir() and any(out.iterdir())
    old = None
    resuming = False
    if nonempty and resume:
        if not (out / STORAGE_FILE).is_file():
            raise OutputError(
                f"--out {out}: --resume: no calibration to resume here (no {STORAGE_FILE})"
            )
        resuming = True
    elif nonempty and not force:
        raise OutputError(
            f"--out {out}: directory exists and is not empty; pass --resume to continue the "
            "calibration in it or --force to replace it"
        )
    elif nonempty and force:
        old = out.with_name(f".{out.name}.old-{uuid.uuid4().hex[:12]}")
        out.rename(old)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"--out {out}: cannot write: {exc.strerror or exc}") from None
    return old, resuming


# ------------------------------------------------------------------------ the study
@dataclass
class _Setup:
    base_text: str
    base_data: dict[str, Any]  # base + fixed + ITT months: what every trial runs
    targets: Targets
    space: ParamSpace
    roles: dict[str, str]
    seed: int
    replications: int
    fit_months: tuple[int, ...]
    startup_trials: int
    scenario_source: str | None
    scenario_stem: str

    def fingerprint(self) -> str:
        return _fingerprint(
            base=self.base_data,
            targets=self.targets.fingerprint(),
            roles=self.roles,
            params=self.space.fingerprint(),
            seed=self.seed,
            replications=self.replications,
            startup_trials=self.startup_trials,
        )


def _setup(
    scenario: str | Path | Scenario,
    targets: str | Path | Targets,
    params: str | Path | ParamSpace | dict,
    seed: int | None,
    replications: int,
    fit_months: Iterable[int],
    startup_trials: int,
) -> _Setup:
    if isinstance(scenario, Scenario):
        import tomli_w

        base = scenario
        base_text = tomli_w.dumps(scenario.to_dict())
        source, stem = None, scenario.name
    else:
        path = Path(scenario)
        base = load_scenario(path)
        base_text = path.read_text(encoding="utf-8-sig")
        source, stem = path.as_posix(), path.stem
    tg = targets if isinstance(targets, Targets) else load_targets(targets)
    if isinstance(params, ParamSpace):
        space = params
    elif isinstance(params, dict):
        space = space_from_dict(params)
    else:
        space = load_param_space(params)
    data = space.bind(base.to_dict())
    months = tg.months()
    sc = scenario_from_dict(data, source="<calibration>")
    start, horizon = sc.programme.start_month, sc.run.months
    for t in tg:
        if t.month is not None and start + t.month > horizon:
            raise CalibrationError(
                f"{tg.source}: target {t.name!r}: month = {t.month}: month "
                f"{start + t.month} of the run (programme start {start} + {t.month}) is "
                f"beyond the scenario's horizon, run.months = {horizon}"
            )
    fit_months = tuple(sorted(set(int(m) for m in fit_months)))
    roles = tg.roles(fit_months)
    if "fit" not in roles.values():
        raise CalibrationError(
            f"{tg.source}: no target to fit: none has role = 'fit' or a month among the fit "
            f"months {list(fit_months)}; allowed: set --fit-months or a target's role"
        )
    if replications < 2:
        raise CalibrationError(
            f"--replications {replications}: must be >= 2 (the loss needs the simulation's "
            "standard error, the spread across replications)"
        )
    return _Setup(
        base_text=base_text,
        base_data=_with_months(data, months),
        targets=tg,
        space=space,
        roles=roles,
        seed=int(base.run.seed if seed is None else seed),
        replications=int(replications),
        fit_months=fit_months,
        startup_trials=int(startup_trials),
        scenario_source=source,
        scenario_stem=stem,
    )


def measure(
    runs: Executor, data: dict[str, Any], seed: int, replications: int, targets: Targets
) -> Measurement:
    """Run replications ``0..R-1`` of ``seed`` and measure every target.

    Raises:
        TrialFailed: The model raised or gave a NaN (one line naming where).
    """
    req = request(list(targets))
    try:
        rows = runs.map(
            measure_replication,
            [data] * replications,
            [seed] * replications,
            range(replications),
            [req] * replications,
        )
    except Exception as exc:  # the model raised: a failed trial, in one line
        raise TrialFailed(" ".join(f"{type(exc).__name__}: {exc}".split())[:500]) from None
    return summarise(rows, list(targets))


def _objective(trial: Any, setup: _Setup, runs: Executor) -> tuple[float, dict[str, Any]]:
    """Evaluate one trial: its loss and the attributes stored with it."""
    t0 = time.perf_counter()
    params = {n: trial.params[n] for n in setup.space.names}
    try:
        data = P.apply(setup.base_data, params)
        scenario_from_dict(data, source="<trial>")  # a combination the scenario refuses
    except (ScenarioError, P.ParameterError) as exc:
        raise TrialFailed(str(exc).removeprefix("<trial>: ")) from None
    m = measure(runs, data, setup.seed, setup.replications, setup.targets)
    f = fit(m, list(setup.targets), setup.roles)
    if not math.isfinite(f.loss):
        raise TrialFailed(f"loss = {f.loss}: not a number")
    attrs = {
        "model": m.mean,
        "model_se": m.se,
        "z": f.z,
        "holdout_loss": f.holdout_loss if math.isfinite(f.holdout_loss) else None,
        "seconds": time.perf_counter() - t0,
    }
    return f.loss, attrs


def _best_text(loss: float) -> str:
    return f"best loss {loss:.4g}" if math.isfinite(loss) else "best loss -"


def _run_trials(study: Any, setup: _Setup, runs: Executor, trials: int, progress: bool) -> None:
    import optuna
    from tqdm.auto import tqdm

    dists = setup.space.distributions()
    # a trial left running by a stopped calibration: failed without an error, so counted
    # as interrupted, and run again
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study.tell(t.number, state=optuna.trial.TrialState.FAIL, skip_if_finished=True)

    def counted() -> list[Any]:
        return [t for t in study.get_trials(deepcopy=False) if not _interrupted(t)]

    def best() -> float:
        done = [t.value for t in counted() if t.value is not None]
        return min(done) if done else math.nan

    done = len(counted())
    bar = tqdm(
        total=max(trials, done),
        initial=done,
        unit="trial",
        file=sys.stderr,
        disable=not progress,
        dynamic_ncols=True,
    )
    bar.set_postfix_str(_best_text(best()))
    try:
        while done < trials:
            study.sampler = optuna.samplers.TPESampler(
                seed=sampler_seed(setup.seed, done), n_startup_trials=setup.startup_trials
            )
            trial = study.ask(dists)
            try:
                loss, attrs = _objective(trial, setup, runs)
            except TrialFailed as exc:
                trial.set_user_attr("error", str(exc))
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            except BaseException:  # Ctrl-C or SIGTERM: this trial is run again on resume
                try:
                    study.tell(trial, state=optuna.trial.TrialState.FAIL)
                except Exception:  # noqa: BLE001 - marked on resume instead
                    pass
                raise
            else:
                for k, v in attrs.items():
                    trial.set_user_attr(k, v)
                study.tell(trial, loss)
            done += 1
            bar.update(1)
            bar.set_postfix_str(_best_text(best()))
    finally:
        bar.close()


def calibrate(
    scenario: str | Path | Scenario,
    targets: str | Path | Targets,
    params: str | Path | ParamSpace | dict,
    *,
    trials: int = 50,
    replications: int = 4,
    seed: int | None = None,
    fit_months: Iterable[int] = DEFAULT_FIT_MONTHS,
    workers: int | None = None,
    scheduler: Any = None,
    out: str | Path | None = None,
    resume: bool = False,
    force: bool = False,
    confirm_replications: int | None = None,
    confirm_seed: int | None = None,
    startup_trials: int = STARTUP_TRIALS,
    progress: bool = True,
    figures: bool = True,
    date: str | None = None,
) -> CalibrationResult:
    """Fit parameters of a scenario to published figures, then confirm on fresh seeds.

    Args:
        scenario: The base scenario: a TOML file (its text, comments included, becomes
            the calibrated scenario's) or a :class:`~pushpull_sim.scenario.Scenario`.
        targets: A targets file (:func:`~pushpull_sim.calibrate.targets.load_targets`)
            or loaded targets.
        params: A parameter spec file, its plain data, or a loaded spec
            (:mod:`pushpull_sim.calibrate.space`).
        trials: Trials in the study in all (with ``resume``, those still missing run).
        replications: Replications per trial, R >= 2, on common random numbers.
        seed: Base seed of every trial (default: the scenario's ``run.seed``).
        fit_months: Months after the programme's start whose targets fit; targets at
            other months are held out (a target's ``role`` overrides this).
        workers: Local worker processes (default: one per core, at most R; 1 runs in
            this process).
        scheduler: A Dask scheduler address or ``dask.distributed.Client``: run there.
        out: Output directory (``study.db``, the calibrated scenario, ``fit.csv``,
            ``trials.parquet``, ``report.md``, figures); None writes nothing and keeps
            the study in memory.
        resume: Continue the study in ``out``.
        force: Replace an existing ``out`` (removed once this calibration finishes).
        confirm_replications: Replications of the confirmation run (default 2R).
        confirm_seed: Its seed (default: derived from ``seed``, never equal to it).
        startup_trials: Random trials before TPE models the loss.
        progress: Show a progress bar with the best loss on standard error.
        figures: Write the figures.
        date: Date in the calibrated scenario's comments (default: today, ISO).

    Returns:
        CalibrationResult: The best parameters, both fits, the flags and the files.

    Raises:
        TargetsError: A bad targets file (one line).
        ParamSpecError: A bad parameter spec (one line).
        CalibrationError: Bad options, a target beyond the horizon, no fit target,
            ``resume`` of a calibration whose inputs changed, or no trial completed.
        ScenarioError: A bad scenario (one line).
        OutputError: ``out`` cannot be used (exists without ``resume``/``force``, ...).
    """
    import optuna

    t0 = time.perf_counter()
    if trials < 1:
        raise CalibrationError(f"--trials {trials}: must be >= 1")
    setup = _setup(scenario, targets, params, seed, replications, fit_months, startup_trials)
    confirm_reps = int(confirm_replications or 2 * setup.replications)
    if confirm_reps < 2:
        raise CalibrationError(f"--confirm-replications {confirm_reps}: must be >= 2")
    c_seed = confirmation_seed(setup.seed) if confirm_seed is None else int(confirm_seed)
    if c_seed == setup.seed:
        raise CalibrationError(
            f"--confirm-seed {c_seed}: must differ from the calibration's seed (fresh seeds)"
        )
    if workers is None and scheduler is None:
        workers = min(setup.replications, os.cpu_count() or 1)
    try:  # before anything is written: a bad scheduler address costs nothing
        runs = executor(workers, scheduler)
    except ExecutorError as exc:
        raise OutputError(str(exc)) from None
    fingerprint = setup.fingerprint()
    out_path = Path(out) if out is not None else None
    if progress:
        n_fit = sum(r == "fit" for r in setup.roles.values())
        engine = f"Dask ({scheduler})" if scheduler is not None else f"{runs.workers} process(es)"
        print(
            f"calibrate {setup.scenario_stem}: {len(setup.space.names)} parameter(s), {n_fit} "
            f"fit and {len(setup.roles) - n_fit} held-out target(s), {trials} trials x "
            f"{setup.replications} replications, on {engine}",
            file=sys.stderr,
        )
    old = None
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        with runs, warnings.catch_warnings():
            warnings.simplefilter("ignore", category=optuna.exceptions.ExperimentalWarning)
            if out_path is not None:
                old, resuming = prepare_dir(out_path, resume, force)
                storage: Any = f"sqlite:///{(out_path / STORAGE_FILE).resolve().as_posix()}"
            else:
                resuming = False
                storage = optuna.storages.InMemoryStorage()
            study = optuna.create_study(
                storage=storage,
                study_name=STUDY_NAME,
                direction="minimize",
                load_if_exists=True,
            )
            stored = study.user_attrs.get("fingerprint")
            if resuming and stored is not None and stored != fingerprint:
                raise CalibrationError(
                    f"--resume {out_path}: the scenario, targets, parameters, seed, "
                    "replications or fit months changed since that calibration started; "
                    "calibrate to a new --out"
                )
            if stored is None:  # a new study (or one stopped before it was stamped)
                if study.trials:  # pragma: no cover - not a study this command made
                    raise CalibrationError(f"--resume {out_path}: not a calibration's study")
                study.set_user_attr("fingerprint", fingerprint)
            if out_path is not None and not (out_path / MANIFEST_FILE).exists():
                _write_manifest(out_path, setup, fingerprint)
            _run_trials(study, setup, runs, trials, progress)
            result = _finish(study, setup, runs, confirm_reps, c_seed, out_path, date, t0)
        if out_path is not None:
            from pushpull_sim.calibrate.report import write_outputs

            write_outputs(result, figures=figures)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        result.seconds = time.perf_counter() - t0
        return result
    finally:
        optuna.logging.set_verbosity(verbosity)


def _write_manifest(out: Path, setup: _Setup, fingerprint: str) -> None:
    manifest = {
        "fingerprint": fingerprint,
        "scenario": setup.scenario_source,
        "targets": setup.targets.source,
        "params": setup.space.source,
        "parameters": {n: setup.space.range_text(n) for n in setup.space.names},
        "fixed": setup.space.fixed,
        "seed": setup.seed,
        "replications": setup.replications,
        "fit_months": list(setup.fit_months),
        "roles": setup.roles,
        "study": STUDY_NAME,
        "storage": STORAGE_FILE,
    }
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, default=str) + "\n")


def _finish(
    study: Any,
    setup: _Setup,
    runs: Executor,
    confirm_reps: int,
    c_seed: int,
    out: Path | None,
    date: str | None,
    t0: float,
) -> CalibrationResult:
    import optuna

    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if not complete:
        errors = [
            t.user_attrs.get("error")
            for t in study.get_trials(deepcopy=False)
            if t.user_attrs.get("error")
        ]
        raise CalibrationError(
            "no trial completed" + (f"; the first failed with: {errors[0]}" if errors else "")
        )
    best = min(complete, key=lambda t: (t.value, t.number))
    values = {n: _shown(best.params[n]) for n in setup.space.names}
    date = date or _dt.date.today().isoformat()
    text = calibrated_scenario_text(setup, values, best.number, date, len(complete), best.value)
    try:
        calibrated = scenario_from_dict(_toml(text), source="<calibrated scenario>")
    except ScenarioError as exc:  # pragma: no cover - the values were validated per trial
        raise CalibrationError(f"the calibrated scenario does not load: {exc}") from None
    check = calibrated.to_dict()
    for n, v in values.items():
        _, _, written = P.resolve(check, n)
        if written != v:  # pragma: no cover - a writer defect, never a silent change
            raise CalibrationError(f"the calibrated scenario holds {n} = {written!r}, not {v!r}")
    # confirmation: the scenario as written (+ the fitting's fixed overrides), fresh seeds
    confirm_data = _with_months(
        P.apply(calibrated.to_dict(), dict(setup.space.fixed)), setup.targets.months()
    )
    key = f"{best.number}:{c_seed}:{confirm_reps}"
    cached = study.user_attrs.get("confirmation")
    if cached and cached.get("key") == key:
        cm = Measurement(cached["mean"], cached["se"], confirm_reps, {})
    else:
        try:
            cm = measure(runs, confirm_data, c_seed, confirm_reps, setup.targets)
        except TrialFailed as exc:
            raise CalibrationError(f"the confirmation run failed: {exc}") from None
        study.set_user_attr("confirmation", {"key": key, "mean": cm.mean, "se": cm.se})
    cal = Measurement(best.user_attrs["model"], best.user_attrs["model_se"], setup.replications, {})
    targets = list(setup.targets)
    cal_fit = fit(cal, targets, setup.roles)
    conf_fit = fit(cm, targets, setup.roles)
    table = fit_table(setup.targets, setup.roles, cal, cal_fit, cm, conf_fit)
    edge = [
        n
        for n in setup.space.names
        if math.isfinite(u := setup.space.position(n, values[n])) and (u <= EDGE or u >= 1 - EDGE)
    ]
    not_holding = table.loc[table["does_not_hold"], "target"].tolist()
    noisy = [
        t.name for t in targets if setup.roles[t.name] == "fit" and cal.se[t.name] > t.published_se
    ]
    return CalibrationResult(
        study=study,
        targets=setup.targets,
        space=setup.space,
        roles=setup.roles,
        best_trial=best.number,
        best_params=values,
        loss=float(best.value),
        holdout_loss=cal_fit.holdout_loss,
        confirm_loss=conf_fit.loss,
        confirm_holdout_loss=conf_fit.holdout_loss,
        fit=table,
        trials=trials_table(study, setup),
        edge=edge,
        not_holding=not_holding,
        noisy=noisy,
        scenario=calibrated,
        scenario_text=text,
        scenario_name=f"{setup.scenario_stem}_calibrated.toml",
        out=out,
        seed=setup.seed,
        replications=setup.replications,
        confirm_seed=c_seed,
        confirm_replications=confirm_reps,
        fit_months=setup.fit_months,
        seconds=time.perf_counter() - t0,
        date=date,
        scenario_source=setup.scenario_source,
    )


def _toml(text: str) -> dict[str, Any]:
    import tomllib

    return tomllib.loads(text)


def calibrated_scenario_text(
    setup: _Setup, values: dict[str, Any], trial: int, date: str, n_trials: int, loss: float
) -> str:
    """The base scenario's text with the fitted values set, each commented
    ``calibrated to <targets>, trial N, <date>``, under a header saying how and listing
    them (a value inside an inline table cannot carry its own comment)."""
    import textwrap

    where = _relative(setup.targets.source)
    note = f"calibrated to {where}, trial {trial}, {date}"
    text = set_values(setup.base_text, values, {n: note for n in values})
    data = _toml(setup.base_text)
    if "name" not in data:  # keep the name the base had (its file's stem)
        text = f'name = "{setup.scenario_stem}"\n' + text
    n_fit = sum(r == "fit" for r in setup.roles.values())
    prose = (
        f"Calibrated by `pushpull calibrate` on {date} against {where}: the best of "
        f"{n_trials} completed trials (trial {trial}, loss {loss:.4g} over {n_fit} fit "
        f"target{'s' if n_fit != 1 else ''}), {setup.replications} replications per trial, "
        f"seed {setup.seed}."
    )
    if setup.space.fixed:
        fixed = ", ".join(f"{k} = {v!r}" for k, v in setup.space.fixed.items())
        prose += f" Fitted with {fixed} ([fixed], not written here)."
    prose += " The calibration's report.md has the fit. Fitted values:"
    lines = textwrap.wrap(prose, 86)
    for n, v in values.items():
        lines.append(f"  {n} = {v!r}")
    return header(lines) + "\n" + text


# ------------------------------------------------------------------------ tables
def fit_table(
    targets: Targets,
    roles: dict[str, str],
    cal: Measurement,
    cal_fit: Any,
    conf: Measurement,
    conf_fit: Any,
) -> pd.DataFrame:
    """One row per target: the figure, both fits and the flag.

    Columns: ``target``, ``role``, ``outcome``, ``statistic``, ``month``, ``unit``,
    ``published`` (value, or NaN for a range), ``published_se`` (SE, or the range's
    scale), ``min``, ``max``, ``model``, ``model_se``, ``gap_se`` (calibration),
    ``model_confirm``, ``model_se_confirm``, ``gap_se_confirm`` (fresh seeds),
    ``does_not_hold`` (a fit target whose ``|gap_se|`` on fresh seeds is beyond
    :data:`CONFIRM_MISS_SE` and grew by more than :data:`CONFIRM_GROWTH_SE`),
    ``citation``.
    """
    rows = []
    for t in targets:
        z, zc = cal_fit.z[t.name], conf_fit.z[t.name]
        rows.append(
            {
                "target": t.name,
                "role": roles[t.name],
                "outcome": t.outcome,
                "statistic": t.statistic,
                "month": t.month,
                "unit": t.unit,
                "published": t.value if not t.is_range else math.nan,
                "published_se": t.published_se,
                "min": t.min if t.is_range else math.nan,
                "max": t.max if t.is_range else math.nan,
                "model": cal.mean[t.name],
                "model_se": cal.se[t.name],
                "gap_se": z,
                "model_confirm": conf.mean[t.name],
                "model_se_confirm": conf.se[t.name],
                "gap_se_confirm": zc,
                "does_not_hold": roles[t.name] == "fit"
                and abs(zc) > CONFIRM_MISS_SE
                and abs(zc) > abs(z) + CONFIRM_GROWTH_SE,
                "citation": t.citation,
            }
        )
    df = pd.DataFrame(rows)
    df["month"] = df["month"].astype("Int64")
    return df


def trials_table(study: Any, setup: _Setup) -> pd.DataFrame:
    """One row per trial: ``trial``, ``state`` (COMPLETE, FAIL), ``interrupted``,
    ``loss``, ``holdout_loss``, ``seconds``, ``error``, each parameter (by its dotted
    name), and per target ``model:<t>``, ``model_se:<t>``, ``gap_se:<t>``."""
    rows = []
    names = setup.targets.names()
    for t in study.get_trials(deepcopy=False):
        a = t.user_attrs
        row: dict[str, Any] = {
            "trial": t.number,
            "state": t.state.name,
            "interrupted": _interrupted(t),
            "loss": t.value if t.value is not None else math.nan,
            "holdout_loss": a.get("holdout_loss")
            if a.get("holdout_loss") is not None
            else math.nan,
            "seconds": a.get("seconds", math.nan),
            "error": a.get("error"),
        }
        for n in setup.space.names:
            row[n] = _shown(t.params.get(n)) if n in t.params else None
        for k in names:
            row[f"model:{k}"] = a.get("model", {}).get(k, math.nan)
            row[f"model_se:{k}"] = a.get("model_se", {}).get(k, math.nan)
            row[f"gap_se:{k}"] = a.get("z", {}).get(k, math.nan)
        rows.append(row)
    return pd.DataFrame(rows)
