"""SIGTERM as an exception, for long management commands.

Python turns Ctrl-C into KeyboardInterrupt but lets SIGTERM (a deploy, `kill`, a container
stop) end the process at once, so a run row would stay "running". Inside `sigterm_raises()`
SIGTERM raises SystemExit instead: the service records the run as failed, then it exits.
"""

import contextlib
import signal
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may install signal handlers
        return

    def stop(signum, frame) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
