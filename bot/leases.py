"""Who holds a lease on a row, for workers that may run in more than one process.

The relay, the nudge sender and the inbox dispatcher lease the rows they work on
(`claimed_by`, `claimed_until`): another process skips a leased row until the lease runs out,
so two processes never send the same message, and a process that dies mid-send leaves a
lease that expires instead of a row stuck forever.
"""

from __future__ import annotations

import functools
import os
import socket
import uuid


@functools.cache
def instance_name() -> str:
    """Host, process and a per-start suffix: a restarted process is a new holder."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:128]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def dead_here(holder: str) -> bool:
    """True for a holder that ran on this host and whose process is gone (a crash).

    A restart on the same machine then takes over at once instead of waiting for the lease
    to run out; holders on other hosts are left to their lease.
    """
    host, _, rest = holder.partition(":")
    pid, _, _suffix = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit() or holder == instance_name():
        return False
    return int(pid) == os.getpid() or not _alive(int(pid))
