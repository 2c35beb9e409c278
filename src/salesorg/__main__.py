"""``python -m salesorg`` is the ``salesorg`` command."""

import sys

from salesorg.cli import main

sys.exit(main())
