"""Run by bench/gc_pauses.py in a generated project's environment: the project's production
command, with every garbage collection after startup timed (startup ends where the template calls
`gc.freeze`); with --no-freeze, `gc.freeze` does nothing, as before the template froze what startup
made.

Usage: python gc_probe.py [--no-freeze] PACKAGE ARGS...   (as `python -m PACKAGE ARGS...`)
On SIGTERM, once the server has shut down, prints one JSON line to stderr: per generation, the
number of collections, their total and their longest milliseconds.
"""

import gc
import json
import runpy
import signal
import sys
import time
from types import FrameType
from typing import Any

collections = {generation: [0, 0.0, 0.0] for generation in range(3)}
started = time.perf_counter()


def timed(phase: str, info: dict[str, Any]) -> None:
    global started
    if phase == "start":
        started = time.perf_counter()
        return
    milliseconds = (time.perf_counter() - started) * 1000
    figures = collections[info["generation"]]
    figures[0] += 1
    figures[1] += milliseconds
    figures[2] = max(figures[2], milliseconds)


def end_of_startup(*, freeze: bool) -> None:
    """In place of `gc.freeze`: freeze or not, and count collections from here on."""
    if freeze:
        real_freeze()
    for figures in collections.values():
        figures[:] = [0, 0.0, 0.0]


def report(_signal: int, _frame: FrameType | None) -> None:
    print(json.dumps(collections), file=sys.stderr, flush=True)
    sys.exit(0)


if __name__ == "__main__":
    arguments = sys.argv[1:]
    freeze = arguments[0] != "--no-freeze"
    arguments = arguments[int(not freeze) :]
    real_freeze = gc.freeze
    gc.freeze = lambda: end_of_startup(freeze=freeze)
    package, *command = arguments
    gc.callbacks.append(timed)
    # Uvicorn restores this handler after its graceful shutdown, then raises the signal again.
    signal.signal(signal.SIGTERM, report)
    sys.argv = [package, *command]
    runpy.run_module(package, run_name="__main__", alter_sys=True)
