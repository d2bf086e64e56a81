#!/usr/bin/env python3
"""The soak's endless workloads (test/soak/soak-run.ts), each until it is killed; the soak pauses
them with SIGSTOP (a stopped process has no walk in flight) to read exact counts.

  soak_load.py negdents DIR RATE    look up RATE new names a second in DIR: new negative dentries
  soak_load.py churn DIR RATE       inotify_add_watch + inotify_rm_watch on DIR, RATE times a second
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'harness', 'workloads'))
from fsload import inotify_add, inotify_rm  # noqa: E402

def paced(rate, step):
    n = 0
    t0 = time.monotonic()
    while True:
        step(n)
        n += 1
        ahead = t0 + n / rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
        elif ahead < -1:  # after a pause (SIGSTOP): the same rate again, no burst to catch up
            t0 = time.monotonic() - n / rate


def negdents(d, rate):
    os.makedirs(d, exist_ok=True)

    def step(n):
        try:
            os.stat(f'{d}/soak-{n}')
        except FileNotFoundError:
            pass

    paced(rate, step)


def churn(d, rate):
    os.makedirs(d, exist_ok=True)

    def step(_n):
        fd, wd = inotify_add(d)
        inotify_rm(fd, wd)

    paced(rate, step)


if __name__ == '__main__':
    cmd, d, rate = sys.argv[1], sys.argv[2], float(sys.argv[3])
    {'negdents': negdents, 'churn': churn}[cmd](d, rate)
