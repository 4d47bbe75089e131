"""The one error type the CLI turns into a one-line message."""


class StarterError(Exception):
    """A failure the user can act on; its message is shown as it is, without a traceback."""
