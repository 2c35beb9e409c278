"""Cluster bootstrap weights as one matrix, so every replicate is a matrix product.

Each replicate draws clusters (teams) with replacement *within* the treated and the
comparison group separately (a stratified cluster bootstrap, Cameron, Gelbach & Miller 2008),
and gives every unit the number of times its cluster was drawn. A statistic that is a ratio
of weighted sums over units is then ``(W @ a) / (W @ b)`` for all replicates at once.

With very few treated teams a team-level bootstrap cannot separate a team's own shocks from
the effect (the interval degenerates). When a group has fewer than ``min_clusters`` teams its
units are resampled individually instead and the result carries the warning
``few_treated_clusters``; the placebo test then is the better guide (Conley & Taber 2011).

References:
    Cameron, A. C., Gelbach, J. B. & Miller, D. L. (2008), "Bootstrap-Based Improvements for
    Inference with Clustered Errors", *Review of Economics and Statistics* 90(3): 414–427.
    Conley, T. G. & Taber, C. R. (2011), "Inference with 'Difference in Differences' with a
    Small Number of Policy Changes", *Review of Economics and Statistics* 93(1): 113–125.
"""

from __future__ import annotations

import numpy as np

from salesorg.impact.panel_arrays import PanelArrays

__all__ = ["cluster_weights", "resampled_groups"]


def cluster_weights(
    panel: PanelArrays, *, replicates: int, rng: np.random.Generator, min_clusters: int = 6
) -> tuple[np.ndarray, list[str]]:
    """``(1 + replicates) × N`` unit weights: row 0 all ones (the estimate), then replicates.

    Returns the matrix and the names of warnings raised (``few_treated_clusters``,
    ``few_comparison_clusters``).
    """
    n = panel.n_units
    w = np.ones((1 + replicates, n))
    warnings: list[str] = []
    for label, mask in (("treated", panel.treated), ("comparison", ~panel.treated)):
        idx = np.flatnonzero(mask)
        if len(idx) == 0 or replicates == 0:
            continue
        codes, inv = np.unique(panel.cluster[idx], return_inverse=True)
        if len(codes) >= min_clusters:
            counts = rng.multinomial(
                len(codes), np.full(len(codes), 1 / len(codes)), size=replicates
            )
            w[1:, idx] = counts[:, inv]
        else:
            warnings.append(f"few_{label}_clusters")
            w[1:, idx] = rng.multinomial(len(idx), np.full(len(idx), 1 / len(idx)), size=replicates)
    return w, warnings


def resampled_groups(panel: PanelArrays, *, min_clusters: int = 6) -> int:
    """The number of independent units resampled in the smaller group (teams, or people).

    Drives the small-sample correction of the interval: the bootstrap variance is scaled by
    ``G / (G − 1)`` and critical values come from Student's t with ``G − 1`` degrees of
    freedom (Cameron, Gelbach & Miller 2008; Cameron & Miller 2015, "A Practitioner's Guide
    to Cluster-Robust Inference", *J. Human Resources* 50(2): 317–372).
    """
    sizes = []
    for mask in (panel.treated, ~panel.treated):
        if mask.any():
            n_clusters = len(np.unique(panel.cluster[mask]))
            sizes.append(n_clusters if n_clusters >= min_clusters else int(mask.sum()))
    return min(sizes) if sizes else 0
