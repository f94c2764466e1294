"""``make bench`` (``python -m bench``): run the ``main()`` of every ``bench/bench_*.py``, in name order.
Arguments after ``--`` go to each benchmark (e.g. ``python -m bench -- --affilies 100000``)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def principal() -> int:
    arguments = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else []
    code = 0
    for fichier in sorted(Path(__file__).parent.glob("bench_*.py")):
        module = importlib.import_module(f"bench.{fichier.stem}")
        print(f"=== {fichier.stem}", flush=True)
        code = max(code, module.main(arguments) or 0)
    return code


if __name__ == "__main__":
    sys.exit(principal())
