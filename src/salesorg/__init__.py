"""salesorg: run a sales organisation on its own numbers.

The public API is what this module re-exports (``__all__``); everything else is internal.
"""

from salesorg.errors import (
    ConfigError,
    DataError,
    InputError,
    NotFoundError,
    SalesorgError,
    StoreError,
)
from salesorg.metrics.pit import opportunity_state, reporting_line
from salesorg.store import Store

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DataError",
    "InputError",
    "NotFoundError",
    "SalesorgError",
    "Store",
    "StoreError",
    "opportunity_state",
    "reporting_line",
]
