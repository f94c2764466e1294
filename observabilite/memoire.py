"""The garbage collector of a long-running process (API, worker)."""

from __future__ import annotations

import gc


def figer_memoire() -> None:
    """Leave the objects built at start-up (modules, routes, schemas, workflow definitions: ~190,000 in the API)
    out of the collector's full passes, which otherwise scan them all while every request of the process waits
    (55 to 70 ms a pass for the API, measured on this machine). Called once a server process is built; never in
    tests, where applications come and go."""
    gc.collect()
    gc.freeze()
