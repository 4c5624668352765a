"""Nothing a child started outlives it.

Every process that ran as the child's sandbox uid is killed by uid (a
helper that takes that uid and signals -1), then the child's session and
descendants, and whatever reparented to the grader (a subreaper). A process
whose leader thread exited shows as a zombie while its other threads run:
it counts as alive until every thread is gone.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import signal
import tempfile

PR_SET_CHILD_SUBREAPER = 36
_libc = ctypes.CDLL(None, use_errno=True)


def become_subreaper() -> None:
    """Orphans of a child reparent to the grader, so kill_all can still find them."""
    try:
        _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def kill_all(pid: int, uid: int | None) -> None:
    """Kill the child `pid`, its session, its descendants and, given a uid, every process of it."""
    for _ in range(50):
        doomed = _alive(os.getpid(), session=pid, uid=uid) | ({pid} if _running(pid) else set())
        if not doomed:
            break
        if uid is not None:
            _kill_as(uid)
        for target in doomed:
            try:
                os.kill(target, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        _reap()
    _reap()


def kill_uid(uid: int) -> None:
    """Every process of `uid`: what an earlier grader killed outright may have left."""
    for _ in range(50):
        if not leftovers(uid):
            return
        _kill_as(uid)
        _reap()


def remove_files(uid: int) -> None:
    """What `uid` left in the folders every user may write (its processes are dead by now).

    Namespaces give the child a private /dev/shm and no /tmp; Landlock lets
    it write /dev/shm (multiprocessing's semaphores); with file permissions
    alone it can write wherever every user can.
    """
    for folder in {tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm"}:
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for name in entries:
            path = os.path.join(folder, name)
            try:
                info = os.lstat(path)
                if info.st_uid != uid:
                    continue
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)  # fd-based on Linux: follows no link
                else:
                    os.unlink(path)
            except OSError:
                continue


def leftovers(uid: int) -> list[int]:
    """Processes still running as `uid` (tests and --doctor use it)."""
    return sorted(p for p, info in _table().items() if info[3] == uid and info[4])


def _kill_as(uid: int) -> None:
    """kill(-1) as `uid`: every process of that uid, whatever namespace or session it hides in."""
    helper = os.fork()
    if helper == 0:
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(helper, 0)


def _running(pid: int) -> bool:
    info = _table().get(pid)
    return bool(info and info[4])


def _alive(root: int, session: int, uid: int | None) -> set[int]:
    """Live processes below `root`, of `session`, or of `uid` (the grader itself excluded)."""
    table = _table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found = {p for p, (_, sid, _, owner, live) in table.items() if live and (sid == session or owner == uid)}
    stack = [root, *found]
    while stack:
        for pid in children.get(stack.pop(), []):
            if pid not in found:
                found.add(pid)
                stack.append(pid)
    return {p for p in found if table[p][4]} - {os.getpid()}


def _table() -> dict[int, tuple[int, int, str, int | None, bool]]:
    """{pid: (ppid, session, state, real uid, live)}; live counts any thread that is not a zombie."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
            uid = _real_uid(entry)
        except (OSError, ValueError):
            continue
        # The command name may hold spaces and parentheses: split after the last ')'.
        fields = stat[stat.rfind(b")") + 2:].split()
        state = fields[0].decode()
        live = state not in "ZX" or _live_thread(entry)
        table[int(entry)] = (int(fields[1]), int(fields[3]), state, uid, live)
    return table


def _real_uid(pid: str) -> int:
    # Not the owner of /proc/PID: that is root for a process that changed uid (not dumpable).
    with open(f"/proc/{pid}/status", "rb") as f:
        for line in f:
            if line.startswith(b"Uid:"):
                return int(line.split()[1])
    raise ValueError("no Uid line")


def _live_thread(pid: str) -> bool:
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        if stat[stat.rfind(b")") + 2:].split()[0] not in (b"Z", b"X"):
            return True
    return False


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
