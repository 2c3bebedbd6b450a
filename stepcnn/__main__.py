"""``python -m stepcnn``."""

from stepcnn.cli import main

raise SystemExit(main())
