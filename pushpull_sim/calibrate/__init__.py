"""Calibration: fit a scenario's parameters to published figures, openly and repeatably.

``pushpull calibrate SCENARIO --targets FILE --params SPEC`` (see
``docs/calibration.md``), or from Python::

    from pushpull_sim.calibrate import calibrate

    result = calibrate(
        "scenarios/bangladesh_tup.toml",
        "targets/six_country_pooled.toml",
        "params.toml",
        trials=100,
        replications=8,
        out="runs/calibration",
    )
    result.best_params, result.fit, result.flagged

Modules: :mod:`~pushpull_sim.calibrate.targets` (published figures as data),
:mod:`~pushpull_sim.calibrate.space` (the parameters and their ranges),
:mod:`~pushpull_sim.calibrate.measure` (the model's value of each target and the loss),
:mod:`~pushpull_sim.calibrate.study` (the Optuna study, resume, confirmation),
:mod:`~pushpull_sim.calibrate.writer` (the calibrated scenario file),
:mod:`~pushpull_sim.calibrate.report` (tables, report and figures) and
:mod:`~pushpull_sim.calibrate.command` (the subcommand). Importing this package loads
none of them (the command line stays quick); the names below load on first use.
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "calibrate": "pushpull_sim.calibrate.study",
    "CalibrationResult": "pushpull_sim.calibrate.study",
    "CalibrationError": "pushpull_sim.calibrate.targets",
    "TargetsError": "pushpull_sim.calibrate.targets",
    "Targets": "pushpull_sim.calibrate.targets",
    "load_targets": "pushpull_sim.calibrate.targets",
    "targets_from_dict": "pushpull_sim.calibrate.targets",
    "ParamSpecError": "pushpull_sim.calibrate.space",
    "ParamSpace": "pushpull_sim.calibrate.space",
    "load_param_space": "pushpull_sim.calibrate.space",
    "space_from_dict": "pushpull_sim.calibrate.space",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'pushpull_sim.calibrate' has no attribute {name!r}")
