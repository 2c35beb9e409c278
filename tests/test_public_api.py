"""The public API is chosen, not accidental: this test holds it."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import salesorg

EXPECTED = [
    "ConfigError", "DEMO_AS_OF", "DataError", "Document", "InputError", "JudgmentForecaster",
    "METRICS", "MarkovForecaster", "NotFoundError", "ReviewConfig", "RunRateForecaster",
    "SalesorgError", "Store", "StoreError", "WeightedForecaster", "add_initiative", "backtest",
    "build_demo", "build_org", "compare_plans", "compare_scenarios", "compute_metric",
    "copy_store", "create_app", "estimate_impact", "forecast", "import_files", "load_plan",
    "load_scenario", "opportunity_state", "payouts", "plan_cells", "propose_quotas",
    "reporting_hours", "reporting_line", "review_pack", "run_review", "time_to_signal",
    "write_report",
]  # fmt: skip


def test_all_is_frozen_and_sorted():
    assert salesorg.__all__ == sorted(EXPECTED)


def test_every_public_name_resolves():
    missing = [
        n
        for n in salesorg.__all__
        if n == "create_app" and importlib.util.find_spec("fastapi") is None
    ]
    for name in salesorg.__all__:
        if name not in missing:
            assert getattr(salesorg, name) is not None, name


def test_unknown_names_raise_attribute_error():
    import pytest

    with pytest.raises(AttributeError):
        salesorg.no_such_thing  # noqa: B018


def test_importing_salesorg_does_not_load_the_heavy_engines():
    code = "import sys, salesorg; print(any(m.startswith(('statsforecast', 'ortools', 'fastapi')) for m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={
            **__import__("os").environ,
            "PYTHONPATH": str(__import__("pathlib").Path(salesorg.__file__).parents[1]),
        },
    )
    assert out.stdout.strip() == "False"
