"""Named warnings the forecasters raise when data are thin or incomplete.

They are ordinary :class:`UserWarning` subclasses so a caller can filter them by name; the CLI
and the review pack show them next to the figures they qualify (STYLE.md habit 7).
"""

from __future__ import annotations

__all__ = [
    "ForecastWarning",
    "MissingStageProbabilityWarning",
    "NoJudgmentDataWarning",
    "ThinHistoryWarning",
]


class ForecastWarning(UserWarning):
    """Base class of every forecast warning."""


class MissingStageProbabilityWarning(ForecastWarning):
    """A stage has no ``default_probability`` in ``stages``; its deals count with 0."""


class ThinHistoryWarning(ForecastWarning):
    """Too little history to learn a parameter well; a simpler estimate or a default is used."""


class NoJudgmentDataWarning(ForecastWarning):
    """No open deal closing in the period carries a forecast category."""
