#!/usr/bin/env python3
"""Workloads for the real-kernel tests: negative/positive dentries, inotify watches, lookup and
open storms. Runs inside the qemu guest (python3 from the host root over 9p). Each subcommand
prints one JSON line with what it did, for the test to check against the daemon's metrics.

  fsload.py negdents DIR N [PROCS]        N lookups of names that do not exist (negdentcreate)
  fsload.py negdents-as COMM DIR N         N lookups of missing names, one process named COMM
  fsload.py files DIR M                    M empty files
  fsload.py watch DIR [HOLD_S]             inotify_add_watch, hold, inotify_rm_watch
  fsload.py hold-watch DIR SECONDS         keep a watch for SECONDS (the "other mark" of the herd)
  fsload.py lookups DIR SECONDS [PROCS]    look up new names for SECONDS (takes the dir's d_lock)
  fsload.py many-dirs BASE COUNT N         COUNT directories of N negative dentries each (directory
                                           i gets N*(i+1), so walk times differ), one watch add each
  fsload.py access DIR FILES ROUNDS        FILES files, then ROUNDS times open+read+close each (watch
                                           DIR first to drive __fsnotify_parent); prints the seconds
  fsload.py watch-loop DIR SECONDS         inotify_add_watch + inotify_rm_watch on DIR for SECONDS
  fsload.py herd DIR OPENERS [ROUNDS]      ROUNDS times: watch add + remove, wait for the reaper, then
                                           OPENERS processes open existing files at the same instant
  fsload.py mask-toggle DIR PAIRS          one watch on DIR, its mask switched PAIRS times from a
                                           self-only event to a child event and back: each switch to
                                           the child event walks (old kernels also walk on the way back)
  fsload.py new-dirs BASE COUNT            COUNT new empty directories, a watch added to and removed
                                           from each: COUNT walks of COUNT different directories
  fsload.py watch-churn DIR PAIRS          one inotify instance adds a watch on DIR and removes it,
                                           PAIRS times (the mark add and detach paths); prints the seconds
"""
import ctypes
import json
import os
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
IN_ALL_EVENTS = 0x00000FFF
IN_ACCESS = 0x00000001       # an event on children: the directory watches its children
IN_DELETE_SELF = 0x00000400  # an event on the directory itself only


def emit(**kw):
    print(json.dumps(kw), flush=True)


def fork_each(n, fn):
    pids = []
    for i in range(n):
        pid = os.fork()
        if pid == 0:
            try:
                fn(i)
            finally:
                os._exit(0)
        pids.append(pid)
    for pid in pids:
        os.waitpid(pid, 0)


def inotify_add(path):
    fd = libc.inotify_init1(0)
    if fd < 0:
        raise OSError(ctypes.get_errno(), 'inotify_init1')
    wd = libc.inotify_add_watch(fd, path.encode(), IN_ALL_EVENTS)
    if wd < 0:
        raise OSError(ctypes.get_errno(), 'inotify_add_watch ' + path)
    return fd, wd


def inotify_rm(fd, wd):
    libc.inotify_rm_watch(fd, wd)
    os.close(fd)


def negdents(d, n, procs=4):
    os.makedirs(d, exist_ok=True)
    per = (n + procs - 1) // procs

    def work(i):
        # faccessat of one component from the directory's fd, no exception: a TCG guest's cost per
        # name is its instructions, and a full path's walk plus Python's raise/catch were most of them
        fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
        access = os.access
        for j in range(i * per, min(n, (i + 1) * per)):
            access(f'neg-{j}', os.F_OK, dir_fd=fd)
        os.close(fd)

    t0 = time.time()
    fork_each(procs, work)
    emit(workload='negdents', dir=d, n=n, procs=procs, seconds=round(time.time() - t0, 3))


def negdents_as(comm, d, n):
    # the comm the kernel reports (bpf_get_current_comm), 15 bytes at most
    libc.prctl(15, ctypes.c_char_p(comm.encode()[:15]), 0, 0, 0)  # PR_SET_NAME
    os.makedirs(d, exist_ok=True)
    t0 = time.time()
    for j in range(n):
        try:
            os.stat(f'{d}/miss-{j}')
        except FileNotFoundError:
            pass
    emit(workload='negdents-as', comm=comm, dir=d, n=n, pid=os.getpid(), seconds=round(time.time() - t0, 3))


def files(d, m):
    os.makedirs(d, exist_ok=True)
    t0 = time.time()
    for j in range(m):
        os.close(os.open(f'{d}/f-{j}', os.O_CREAT | os.O_WRONLY, 0o644))
    emit(workload='files', dir=d, m=m, seconds=round(time.time() - t0, 3))


def watch(d, hold=0.0):
    t0 = time.time()
    fd, wd = inotify_add(d)
    added = time.time()
    if hold:
        time.sleep(hold)
    inotify_rm(fd, wd)
    emit(workload='watch', dir=d, add_seconds=round(added - t0, 6), pid=os.getpid())


def hold_watch(d, seconds):
    os.makedirs(d, exist_ok=True)
    fd, wd = inotify_add(d)
    emit(workload='hold-watch', dir=d, seconds=seconds)
    time.sleep(seconds)
    inotify_rm(fd, wd)


def lookups(d, seconds, procs=2, run_flag=None):
    """Stats of missing names in d for `seconds`; with run_flag, each worker first creates
    run_flag.started-<i>, then stops as soon as run_flag is gone (seconds is then only the cap)."""
    def work(i):
        end = time.time() + seconds
        if run_flag:
            open(f'{run_flag}.started-{i}', 'w').close()
        j = 0
        while time.time() < end:
            try:
                os.stat(f'{d}/lookup-{i}-{j}')
            except FileNotFoundError:
                pass
            j += 1
            if run_flag and j % 32 == 0 and not os.path.exists(run_flag):
                break

    fork_each(procs, work)
    emit(workload='lookups', dir=d, seconds=seconds, procs=procs)


def herd(d, openers, rounds=1):
    names = [f'{d}/herd-{i}' for i in range(openers)]
    for name in names:
        os.close(os.open(name, os.O_CREAT | os.O_WRONLY, 0o644))
    for _ in range(rounds):
        fd, wd = inotify_add(d)  # flags every positive child PARENT_WATCHED
        inotify_rm(fd, wd)       # old kernels leave the flags; __fsnotify_parent clears them with a full walk
        time.sleep(1.0)          # the last mark is detached by a delayed reaper
        start = time.time() + 0.5

        def work(i):
            while time.time() < start:
                pass
            os.close(os.open(names[i], os.O_RDONLY))

        fork_each(openers, work)
    emit(workload='herd', dir=d, openers=openers, rounds=rounds)


def many_dirs(base, count, n):
    t0 = time.time()
    for i in range(count):
        d = f'{base}/d{i:03d}'
        os.makedirs(d, exist_ok=True)
        for j in range(n * (i + 1)):
            try:
                os.stat(f'{d}/neg-{j}')
            except FileNotFoundError:
                pass
        fd, wd = inotify_add(d)
        inotify_rm(fd, wd)
    emit(workload='many-dirs', base=base, count=count, n=n, seconds=round(time.time() - t0, 3))


def access(d, nfiles, rounds):
    os.makedirs(d, exist_ok=True)
    names = [f'{d}/f-{i}' for i in range(nfiles)]
    for name in names:
        if not os.path.exists(name):
            with open(name, 'wb') as f:
                f.write(b'x' * 64)
    t0 = time.perf_counter()
    for _ in range(rounds):
        for name in names:
            fd = os.open(name, os.O_RDONLY)
            os.read(fd, 64)
            os.close(fd)
    emit(workload='access', dir=d, files=nfiles, rounds=rounds, ops=nfiles * rounds, seconds=round(time.perf_counter() - t0, 6))


def watch_loop(d, seconds):
    os.makedirs(d, exist_ok=True)
    end = time.time() + seconds
    n = 0
    while time.time() < end:
        fd, wd = inotify_add(d)
        inotify_rm(fd, wd)
        n += 1
    emit(workload='watch-loop', dir=d, cycles=n, seconds=seconds)


def mask_toggle(d, pairs):
    # an existing watch's new mask goes through fsnotify_recalc_mask() at once: no mark reaper
    # between the walks, unlike a remove and a new add
    fd = libc.inotify_init1(0)
    t0 = time.perf_counter()
    for _ in range(pairs):
        for mask in (IN_ACCESS, IN_DELETE_SELF):
            if libc.inotify_add_watch(fd, d.encode(), mask) < 0:
                raise OSError(ctypes.get_errno(), 'inotify_add_watch ' + d)
    seconds = time.perf_counter() - t0
    os.close(fd)
    emit(workload='mask-toggle', dir=d, pairs=pairs, seconds=round(seconds, 6))


def new_dirs(base, count):
    os.makedirs(base, exist_ok=True)
    fd = libc.inotify_init1(0)  # one instance: closing one per directory would wait for SRCU each time
    t0 = time.time()
    for i in range(count):
        d = f'{base}/{i}'
        os.mkdir(d)
        wd = libc.inotify_add_watch(fd, d.encode(), IN_ALL_EVENTS)
        if wd < 0:
            raise OSError(ctypes.get_errno(), 'inotify_add_watch ' + d)
        libc.inotify_rm_watch(fd, wd)
    os.close(fd)
    emit(workload='new-dirs', base=base, count=count, seconds=round(time.time() - t0, 3))


def watch_churn(d, pairs):
    os.makedirs(d, exist_ok=True)
    fd = libc.inotify_init1(0)  # one instance: a close per pair would wait for SRCU each time
    t0 = time.perf_counter()
    for _ in range(pairs):
        wd = libc.inotify_add_watch(fd, d.encode(), IN_ALL_EVENTS)
        if wd < 0:
            raise OSError(ctypes.get_errno(), 'inotify_add_watch ' + d)
        libc.inotify_rm_watch(fd, wd)
    seconds = time.perf_counter() - t0
    os.close(fd)
    emit(workload='watch-churn', dir=d, pairs=pairs, seconds=round(seconds, 6))


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == 'negdents':
        negdents(args[0], int(args[1]), int(args[2]) if len(args) > 2 else 4)
    elif cmd == 'negdents-as':
        negdents_as(args[0], args[1], int(args[2]))
    elif cmd == 'watch-churn':
        watch_churn(args[0], int(args[1]))
    elif cmd == 'files':
        files(args[0], int(args[1]))
    elif cmd == 'watch':
        watch(args[0], float(args[1]) if len(args) > 1 else 0.0)
    elif cmd == 'hold-watch':
        hold_watch(args[0], float(args[1]))
    elif cmd == 'lookups':
        lookups(args[0], float(args[1]), int(args[2]) if len(args) > 2 else 2, args[3] if len(args) > 3 else None)
    elif cmd == 'many-dirs':
        many_dirs(args[0], int(args[1]), int(args[2]))
    elif cmd == 'access':
        access(args[0], int(args[1]), int(args[2]))
    elif cmd == 'watch-loop':
        watch_loop(args[0], float(args[1]))
    elif cmd == 'herd':
        herd(args[0], int(args[1]), int(args[2]) if len(args) > 2 else 1)
    elif cmd == 'mask-toggle':
        mask_toggle(args[0], int(args[1]))
    elif cmd == 'new-dirs':
        new_dirs(args[0], int(args[1]))
    else:
        sys.exit(f'unknown workload {cmd}')


if __name__ == '__main__':
    main(sys.argv)
