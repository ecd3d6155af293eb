"""``python3 -m gwapi``: the command-line tool (see gwapi.cli)."""

from __future__ import annotations

import sys

from gwapi.cli import main

if __name__ == "__main__":
    sys.exit(main())
