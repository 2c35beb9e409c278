"""salesorg: run a sales organisation on its own numbers.

The public API is what this module exports (``__all__``, held by a test); everything else is
internal. Names load lazily (PEP 562), so ``import salesorg`` stays fast and optional extras
(the web app) are imported only when used.

>>> import salesorg
>>> with salesorg.Store.open(":memory:") as store:          # doctest: +SKIP
...     salesorg.build_demo(store)
...     review = salesorg.run_review(store, salesorg.DEMO_AS_OF)
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> "module:attribute"
_EXPORTS: dict[str, str] = {
    # store, errors, data
    "Store": "salesorg.store:Store",
    "SalesorgError": "salesorg.errors:SalesorgError",
    "InputError": "salesorg.errors:InputError",
    "NotFoundError": "salesorg.errors:NotFoundError",
    "ConfigError": "salesorg.errors:ConfigError",
    "DataError": "salesorg.errors:DataError",
    "StoreError": "salesorg.errors:StoreError",
    "import_files": "salesorg.ingest:import_files",
    "copy_store": "salesorg.backends:copy_store",
    "build_demo": "salesorg.demo:build_demo",
    "DEMO_AS_OF": "salesorg.demo:DEMO_AS_OF",
    # metrics
    "opportunity_state": "salesorg.metrics.pit:opportunity_state",
    "reporting_line": "salesorg.metrics.pit:reporting_line",
    "compute_metric": "salesorg.metrics.run:compute",
    "METRICS": "salesorg.metrics.run:METRICS",
    # review
    "run_review": "salesorg.review:run_review",
    "review_pack": "salesorg.review:review_pack",
    "ReviewConfig": "salesorg.review:ReviewConfig",
    # forecast
    "forecast": "salesorg.forecast:forecast",
    "backtest": "salesorg.forecast:backtest",
    "MarkovForecaster": "salesorg.forecast:MarkovForecaster",
    "WeightedForecaster": "salesorg.forecast:WeightedForecaster",
    "RunRateForecaster": "salesorg.forecast:RunRateForecaster",
    "JudgmentForecaster": "salesorg.forecast:JudgmentForecaster",
    # org design
    "build_org": "salesorg.orgdesign:build_org",
    "load_scenario": "salesorg.orgdesign:load_scenario",
    "compare_scenarios": "salesorg.orgdesign:compare_scenarios",
    "reporting_hours": "salesorg.orgdesign:reporting_hours",
    "plan_cells": "salesorg.orgdesign.cells:plan_cells",
    # impact
    "add_initiative": "salesorg.impact:add_initiative",
    "estimate_impact": "salesorg.impact:analyse",
    "time_to_signal": "salesorg.impact:plan",
    # comp
    "load_plan": "salesorg.comp:load_plan",
    "payouts": "salesorg.comp:payouts",
    "propose_quotas": "salesorg.comp:propose_quotas",
    "compare_plans": "salesorg.comp:compare_plans",
    # reports and web
    "Document": "salesorg.report:Document",
    "write_report": "salesorg.report:write",
    "create_app": "salesorg.web:create_app",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module 'salesorg' has no attribute {name!r}")
    module, attr = target.split(":")
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
