"""Garbage collection that stops the service for milliseconds, not tens of them.

What exists once the application has started (modules, routes, schemas, the ORM's mappings) lives
as long as the process, yet every full collection would walk all of it again: tens of milliseconds
in which no request is served, about once a second under load. Frozen after startup, it is left
out of every later collection, which then walks only what requests made.
"""

import gc
from functools import cache


@cache  # once per process: the objects of startup are the same for every later lifespan
def freeze_startup_objects() -> None:
    gc.collect()  # startup's own garbage is freed, not kept forever
    gc.freeze()
