"""Network isolation of query workers: whatever a query says, the worker cannot reach a network.

``isolate_network()`` moves the calling process into a network namespace of its own (Linux
``unshare(CLONE_NEWNET)``; as an unprivileged user inside a new user namespace as well), where
no interface is up, not even loopback: a connect fails at once. Remote SERVICE calls are made by
the front process (``kgbuild.federation``); workers also refuse any text that still holds a
SERVICE (``federation.holds_service``).

>>> isinstance(network_namespace(), str)
True
"""

from __future__ import annotations

import ctypes
import os

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000


def _unshare(flags: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(flags) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


def isolate_network() -> str:
    """Leave every network: a new, empty network namespace for this process (call it before
    the process starts threads). Returns how it was done; ``OSError`` when the kernel refuses.
    """
    try:
        _unshare(CLONE_NEWNET)  # root, or CAP_SYS_ADMIN
        return "network namespace"
    except OSError:
        uid, gid = os.getuid(), os.getgid()
        _unshare(CLONE_NEWUSER | CLONE_NEWNET)  # unprivileged user namespaces
        try:
            with open("/proc/self/setgroups", "w") as f:
                f.write("deny")
            with open("/proc/self/uid_map", "w") as f:
                f.write(f"{uid} {uid} 1")
            with open("/proc/self/gid_map", "w") as f:
                f.write(f"{gid} {gid} 1")
        except OSError:
            pass  # the namespace holds either way; ids show as nobody inside
        return "user and network namespace"


def network_namespace(pid: int | str = "self") -> str:
    """The network namespace a process is in (``net:[4026531840]``): tests compare them."""
    return os.readlink(f"/proc/{pid}/ns/net")
