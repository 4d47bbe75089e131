"""Garbage collection that walks only what requests made, not what lives as long as the process.

What exists once the application has started (modules, routes, schemas, the ORM's mappings) lives
as long as the process, yet every full collection would walk all of it again, and no request is
served while it does. Frozen after startup, it is left out of every later collection.
"""

import gc
from functools import cache


@cache  # once per process: the objects of startup are the same for every later lifespan
def freeze_startup_objects() -> None:
    gc.collect()  # startup's own garbage is freed, not kept forever
    gc.freeze()
