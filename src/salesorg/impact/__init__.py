"""Initiatives proven in the numbers: difference-in-differences, time-to-signal and rollout."""

from __future__ import annotations
