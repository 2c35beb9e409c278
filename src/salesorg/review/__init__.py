"""The weekly pipeline review: changes since the last review, the bridge, exceptions by
materiality, KPIs and the review pack (see ``docs/review.md``)."""

from __future__ import annotations
