"""The line each benchmark prints first: where its figures come from."""

import os
import platform


def description() -> str:
    return (
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
