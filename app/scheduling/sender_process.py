"""The clock's sender child: the concurrent sender runs in a process of its own that the clock
process starts, watches and stops, so the sweeps (queueing a wave, raising a burst's alerts)
and the sends (the twilio SDK, recording each outcome) run on separate cores instead of taking
turns at one interpreter's GIL.

The Procfile keeps one `clock` process; the child is its own business:

- `SenderChild` (in the clock): starts `flask --app wsgi scheduler send --parent <pid>` from a
  thread that lives as long as the clock, starts it again if it dies, and on SIGTERM of the clock
  sends it SIGTERM and waits for it to drain (it finishes the sends in flight and gives every
  claimed message it had not started back to the outbox), then SIGKILLs whatever is left.
- `die_with_parent` (in the child): the child must not outlive the clock, also when the clock is
  killed with -9 and cannot tell it. Linux's PR_SET_PDEATHSIG has the kernel send the child
  SIGTERM when the thread that started it ends (that thread lives as long as the clock), and a
  poll of os.getppid() covers what the kernel call does not: another system, or the clock dying
  before the child made the call.

Nothing here changes what a claim or a lease means: a child killed mid-send leaves its claims to
expire, as the clock's own threads did.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

log = logging.getLogger("vigil.clock")

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_POLL_SECONDS = 0.5
DRAIN_SECONDS = 20.0  # the child's sends in flight take at most the SDK's 10 s timeout
RESTART_SECONDS = 1.0


def child_command(parent_pid: int) -> list[str]:
    """The sender child's command line: the same interpreter and app as the clock."""
    app_target = os.environ.get("FLASK_APP", "wsgi")
    return [sys.executable, "-m", "flask", "--app", app_target, "scheduler", "send", "--parent", str(parent_pid)]


class SenderChild:
    """Keeps one sender child running while the clock runs (started again if it dies), and
    drains it when the clock stops."""

    def __init__(self, command: Callable[[int], list[str]] = child_command) -> None:
        self._command = command
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.process: subprocess.Popen | None = None
        self.started = threading.Event()
        self._thread = threading.Thread(target=self._keep_running, name="sender-child", daemon=True)

    def start(self) -> SenderChild:
        self._thread.start()
        self.started.wait(10)
        return self

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def _keep_running(self) -> None:
        # This thread starts every child and lives until the clock stops: PR_SET_PDEATHSIG fires
        # when the thread that forked the child ends, not only when the process does.
        while not self._stop.is_set():
            with self._lock:
                if self._stop.is_set():
                    break
                try:
                    # stdout and stderr are the clock's: the child's log lines go where the clock's go.
                    self.process = subprocess.Popen(self._command(os.getpid()))  # noqa: S603 - our own command line
                except OSError:
                    log.exception("the sender child could not be started; trying again")
                    self.process = None
            if self.process is None:
                self._stop.wait(RESTART_SECONDS)
                continue
            log.info("sender child %s started", self.process.pid)
            self.started.set()
            code = self.process.wait()
            if self._stop.is_set():
                break
            log.error("sender child %s exited with %s; starting another", self.process.pid, code)
            self._stop.wait(RESTART_SECONDS)

    def stop(self, timeout: float = DRAIN_SECONDS) -> None:
        """SIGTERM the child and wait for it to drain; SIGKILL it after `timeout`."""
        with self._lock:
            self._stop.set()
            process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.error("sender child %s did not drain in %.0f s: killed", process.pid, timeout)
            process.kill()
            process.wait(5)
        self._thread.join(2)


def die_with_parent(parent_pid: int, stop: threading.Event) -> None:
    """In the child: stop when the clock `parent_pid` is gone, however it went. The kernel sends
    SIGTERM when it dies (Linux); a thread also polls getppid (a child whose parent died is
    re-parented), which also catches a clock that died before the kernel call was made. Once told
    to stop, the child has DRAIN_SECONDS to finish its sends, then exits regardless."""
    _set_parent_death_signal(signal.SIGTERM)
    if os.getppid() != parent_pid:
        log.error("the clock %s is gone before its sender child started: exiting", parent_pid)
        os._exit(1)

    def watch() -> None:
        while not stop.wait(PARENT_POLL_SECONDS):
            if os.getppid() != parent_pid:
                log.error("the clock %s is gone: its sender child stops", parent_pid)
                stop.set()
        deadline = time.monotonic() + DRAIN_SECONDS
        while time.monotonic() < deadline:
            time.sleep(PARENT_POLL_SECONDS)
        log.error("sender child did not drain in %.0f s: exiting", DRAIN_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _set_parent_death_signal(signum: int) -> None:
    if not sys.platform.startswith("linux"):
        return  # the getppid poll alone
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0) != 0:
            log.warning("prctl(PR_SET_PDEATHSIG) failed (errno %s): polling for the clock only", ctypes.get_errno())
    except (OSError, AttributeError):
        log.warning("prctl is not available: polling for the clock only")
