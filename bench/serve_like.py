"""Serve another ASGI app exactly as a generated project's `serve` command serves its own.

Usage: python bench/serve_like.py PACKAGE APP [serve's options...]
(run by the project's Python). The project's `serve` builds uvicorn's options from its settings
(protocol, limits, graceful shutdown, headers); this runs that command with uvicorn.run pointed at
APP (`baselines:items`, ...), so a baseline differs from the project by its app alone.
"""

import importlib
import sys

import uvicorn


def main() -> None:
    package, app, *options = sys.argv[1:]
    run = uvicorn.run

    def run_other_app(_: object, **server_options: object) -> None:
        run(app, **server_options)  # type: ignore[arg-type]

    uvicorn.run = run_other_app
    sys.argv = [package, "serve", *options]
    importlib.import_module(f"{package}.cli").cli()


if __name__ == "__main__":
    main()
