#!/usr/bin/env python3
"""Watch churn for the coexistence run: inotify_add_watch (a child-event mask, so each add walks
the directory's children) then inotify_rm_watch on DIR, again and again, until STOPFILE exists.
Prints "add <n>" after each completed add+remove pair, and a last JSON line with the totals, so
the walks the workload caused are counted on the workload's side. With PAUSE (seconds) it sleeps
after each pair: a thread that sleeps between its walks is one whose missed walk exit the daemon
can tell from /proc (npm run coexist -- --reverse).

  watch-churn.py DIR STOPFILE [PAUSE]
"""
import ctypes
import json
import os
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
IN_ALL_EVENTS = 0x00000FFF  # includes child events: the directory's children get flagged


def main(d, stopfile, pause):
    fd = libc.inotify_init1(0)
    if fd < 0:
        raise OSError(ctypes.get_errno(), 'inotify_init1')
    adds = removes = 0
    while not os.path.exists(stopfile):
        wd = libc.inotify_add_watch(fd, d.encode(), IN_ALL_EVENTS)
        if wd < 0:
            raise OSError(ctypes.get_errno(), 'inotify_add_watch ' + d)
        adds += 1
        if libc.inotify_rm_watch(fd, wd) < 0:
            raise OSError(ctypes.get_errno(), 'inotify_rm_watch ' + d)
        removes += 1
        print(f'add {adds}', flush=True)
        if pause:
            time.sleep(pause)
    os.close(fd)
    print(json.dumps({'adds': adds, 'removes': removes}), flush=True)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 0)
