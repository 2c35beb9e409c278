"""salesorg's performance suite (``make bench``); not part of ``make test``."""
