"""Initiatives proven in the numbers: difference-in-differences, time-to-signal and rollout.

The public surface:

- :func:`add_initiative`, :func:`list_initiatives`, :func:`treatment` — initiatives in the store;
- :func:`outcome_panel`, :data:`METRICS`, :class:`Metric` — point-in-time person-week metrics;
- :func:`analyse` → :class:`ImpactResult`; :func:`to_json`, :func:`verdict`,
  :func:`to_document` — the report;
- :func:`estimate_effect`, :func:`did_2x2`, :func:`placebo_test`, :func:`match` — the estimators
  on a :class:`PanelArrays`;
- :func:`plan`, :func:`mde`, :func:`periods_to_signal` — time-to-signal;
- :func:`rollout` — where to roll out next;
- :func:`demo_verdict` — the demo company's initiative in a paragraph (``make demo``).
"""

from __future__ import annotations

from salesorg.impact.analysis import ImpactResult, analyse
from salesorg.impact.did import did_2x2
from salesorg.impact.estimate import EffectEstimate, estimate_effect
from salesorg.impact.initiatives import add_initiative, list_initiatives, treatment
from salesorg.impact.matching import match
from salesorg.impact.panel import METRICS, Metric, outcome_panel
from salesorg.impact.panel_arrays import PanelArrays
from salesorg.impact.placebo import placebo_test
from salesorg.impact.planning import plan
from salesorg.impact.power import mde, periods_to_signal
from salesorg.impact.report import to_document, to_json, verdict
from salesorg.impact.rollout import rollout

__all__ = [
    "METRICS",
    "EffectEstimate",
    "ImpactResult",
    "Metric",
    "PanelArrays",
    "add_initiative",
    "analyse",
    "demo_outputs",
    "demo_verdict",
    "did_2x2",
    "estimate_effect",
    "list_initiatives",
    "match",
    "mde",
    "outcome_panel",
    "periods_to_signal",
    "placebo_test",
    "plan",
    "rollout",
    "to_document",
    "to_json",
    "treatment",
    "verdict",
]

#: The metrics the demo verdict reports: the behaviour the programme teaches (solution deals)
#: and the result it should bring (win rate of deals begun after the start).
DEMO_METRICS = ("solution-share", "win-rate-created")


def demo_verdict(
    store, *, initiative_id: str | None = None, replicates: int = 999, seed: int = 0
) -> str:
    """The verdicts on the store's (first) initiative for :data:`DEMO_METRICS`, one per line.

    For ``make demo``: ``salesorg demo`` builds the company and prints this.
    """
    if initiative_id is None:
        ids = list_initiatives(store).initiative_id.tolist()
        if not ids:
            from salesorg.errors import NotFoundError

            raise NotFoundError(
                "the store has no initiative — add one with `salesorg initiative add`"
            )
        initiative_id = ids[0]
    return "\n\n".join(
        verdict(analyse(store, initiative_id, metric_name=m, replicates=replicates, seed=seed))
        for m in DEMO_METRICS
    )


def demo_outputs(store, out, *, replicates: int = 999, seed: int = 0) -> list[str]:
    """For the ``salesorg demo`` step: write ``OUT/impact-<metric>.html`` for each of
    :data:`DEMO_METRICS` and return summary lines (the verdicts, then the report paths)."""
    from pathlib import Path

    from salesorg.report import write

    ids = list_initiatives(store).initiative_id.tolist()
    if not ids:
        return ["impact: no initiative in the store"]
    out = Path(out)
    lines, paths = [], []
    for m in DEMO_METRICS:
        r = analyse(store, ids[0], metric_name=m, replicates=replicates, seed=seed)
        lines.append(verdict(r))
        paths.append(str(write(to_document(r), out / f"impact-{m}.html")))
    return lines + [f"impact report ({m}): {p}" for m, p in zip(DEMO_METRICS, paths, strict=True)]
