/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ABI between fsnotify.bpf.c and user space (src/bpf/abi.ts mirrors it; test/bpf/abi.test.ts
 * parses this file and fails when the two drift apart). Plain C types only, no kernel headers.
 */
#ifndef FSNOTIFY_EXPORTER_H
#define FSNOTIFY_EXPORTER_H

/* log2 histogram slots: durations in ns (slot 39 ends at 2^40 ns, ~18 min), counts (slot 31 ends at 2^32-1). */
#define DURATION_SLOTS 40
#define COUNT_SLOTS 32

#define PATH_LEN 256      /* resolved directory path, NUL-terminated, relative to the filesystem root */
#define PATH_DEPTH 16     /* name components followed up d_parent; deeper paths start with "..." */
#define PATH_NAME_MAX 64  /* bytes copied per component; longer names are cut */
#define COMM_LEN 16
/* Children a scan counts without bpf_loop (before 5.17): the verifier walks every iteration of the
 * bounded loop (~50 instructions each), so this keeps it well inside its 1M-instruction budget. */
#define SCAN_BOUNDED_MAX 8192
#define SCAN_BOUNDED_STEP 32 /* children between two checks for the list's end */
#define LOCK_NEST_MAX 4   /* qspinlock nests at most 4 deep per CPU: task, softirq, hardirq, NMI */

enum trigger {
	TRIGGER_WATCH_CHANGE = 0, /* a mark was added/changed/removed: fsnotify_recalc_mask() */
	TRIGGER_PARENT_EVENT = 1, /* __fsnotify_parent() found stale flags: the old kernels' herd */
	NR_TRIGGERS = 2,
};

enum lock_kind {
	LOCK_I_LOCK = 0, /* the walked directory inode's i_lock */
	LOCK_D_LOCK = 1, /* the d_lock of the directory's alias dentry */
	NR_LOCK_KINDS = 2,
};

enum child_kind {
	CHILD_POSITIVE = 0,
	CHILD_NEGATIVE = 1,
	NR_CHILD_KINDS = 2,
};

enum watch_syscall {
	SYSCALL_NONE = 0,
	SYSCALL_INOTIFY_ADD_WATCH = 1,
	SYSCALL_INOTIFY_RM_WATCH = 2,
	SYSCALL_FANOTIFY_MARK = 3,
};

/* Indices into the per-CPU `counters` array. */
enum counter {
	CNT_PARENT_CALLS = 0,
	CNT_WALKS_WATCH_CHANGE = 1,
	CNT_WALKS_PARENT_EVENT = 2,
	CNT_SCANS = 3,
	CNT_SCANS_CACHED = 4,
	CNT_SCANS_TRUNCATED = 5,
	CNT_SLOW_WALKS = 8,
	CNT_EVENTS_LOST = 9,          /* ring buffer full */
	CNT_LOCK_PROBE_CALLS = 10,    /* every run of the slow-path (or contention tracepoint) entry probe */
	CNT_LOCK_PROBE_MATCHED = 11,  /* ... whose lock belongs to a directory being walked */
	CNT_LOCK_NEST_OVERFLOW = 12,  /* nesting deeper than LOCK_NEST_MAX or unbalanced exits */
	CNT_WATCH_INOTIFY_ADD = 13,
	CNT_WATCH_INOTIFY_REMOVE = 14,
	CNT_WATCH_FANOTIFY_ADD = 15,
	CNT_WATCH_FANOTIFY_REMOVE = 16,
	CNT_DROP_WALKS_IN_FLIGHT = 17,
	CNT_DROP_WALKERS_BY_INODE = 18, /* unused since the walkers are counted in dir_stats */
	CNT_DROP_WATCHED_LOCKS = 19,
	CNT_DROP_WATCH_SYSCALLS = 20,
	CNT_DIR_STATS_INSERTS = 21,   /* dir_stats is an LRU: evictions = inserts - entries */
	/* exact sums for the histograms' _sum series */
	CNT_WALK_NS_WATCH_CHANGE = 23,
	CNT_WALK_NS_PARENT_EVENT = 24,
	CNT_CHILDREN_POSITIVE_SUM = 25,
	CNT_CHILDREN_NEGATIVE_SUM = 26,
	CNT_CONCURRENT_WALKERS_SUM = 27,
	CNT_LOCK_WAIT_NS_I_LOCK = 28,
	CNT_LOCK_WAIT_NS_D_LOCK = 29,
	/* the root-cause maps (issue 16) are LRUs: evictions = inserts - entries */
	CNT_DIR_CREATIONS_INSERTS = 30,
	CNT_DIR_CREATORS_INSERTS = 31,
	CNT_WATCH_CHURN_INSERTS = 32,
	CNT_CGROUP_WAITS_INSERTS = 33,
	CNT_DROP_MARK_ADDS = 34,      /* mark_adds_in_flight full */
	CNT_SCANS_BUDGET_CUT = 35,    /* scans cut by children_scan_budget in one run, resumed on a later walk */
	CNT_DROP_SCAN_CURSORS = 36,   /* scan_cursors full: a cut scan starts over instead */
	CNT_WALK_ENTRY_RUN_NS = 37,   /* sum for walk_entry_run_hist */
	NR_COUNTERS = 38,
};

struct dir_key {
	unsigned long long ino;
	unsigned int dev; /* kernel dev_t: major << 20 | minor */
	unsigned int pad;
};

struct dir_stats {
	unsigned long long walks;
	unsigned long long walk_ns;
	unsigned long long lock_wait_ns[NR_LOCK_KINDS];
	unsigned long long children[NR_CHILD_KINDS]; /* at the last scan */
	unsigned long long last_scan_ns;             /* 0: never scanned */
	unsigned int truncated;                      /* last scan stopped at the cap */
	unsigned int scan_cut;                       /* 1: a scan cut by the budget waits in scan_cursors */
	char path[PATH_LEN];
	unsigned int walkers;                        /* walks of this directory running now */
	unsigned int pad;
	unsigned long long locks_at;                 /* the i_lock address its locks are in watched_locks for */
};

/* Dentries created under one directory (key: dir_key), walked or not. */
struct dir_creations {
	unsigned long long created[NR_CHILD_KINDS]; /* positive, negative */
	char path[PATH_LEN];
};

/* Who created dentries in a directory, or changed its watches, or waited on its locks. */
struct dir_actor_key {
	struct dir_key dir;
	unsigned long long cgroup_id;
	char comm[COMM_LEN]; /* all zero in cgroup_waits */
};

struct dir_creator {
	unsigned long long created[NR_CHILD_KINDS];
	unsigned int tgid; /* the last one */
	unsigned int pad;
};

struct watch_churn {
	unsigned long long adds;
	unsigned long long removes;
};

/* Where a child scan cut by the per-run budget resumes (key: dir_key). */
struct scan_cursor {
	unsigned long long pos;                      /* the next child's list node */
	unsigned long long children[NR_CHILD_KINDS]; /* counted so far */
	unsigned long long scanned;                  /* children visited so far, for the cap */
};

/* One walk in progress, keyed by thread id in `walks_in_flight`. */
struct walk_state {
	unsigned long long start_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	unsigned long long inode;    /* kernel address of the directory inode */
	struct dir_key dir;
	unsigned long long children[NR_CHILD_KINDS];
	unsigned long long lock_wait_ns_at_start[NR_LOCK_KINDS];
	unsigned long long locks[NR_LOCK_KINDS]; /* addresses of i_lock and the alias's d_lock (0: none) */
	unsigned int concurrent_walkers;
	unsigned char trigger;
	unsigned char syscall;
	unsigned char truncated;
	unsigned char exiting; /* set first by the exit probe: from here on the walk has ended */
};

struct watched_lock {
	struct dir_key dir;
	unsigned int kind;
	unsigned int pad;
};

/* Ring-buffer record for a walk longer than slow_walk_threshold_ns. */
struct slow_walk_event {
	unsigned long long start_ns;
	unsigned long long duration_ns;
	unsigned long long cgroup_id;
	unsigned long long children[NR_CHILD_KINDS];
	unsigned long long lock_wait_ns[NR_LOCK_KINDS]; /* waits on this directory's locks during the walk */
	struct dir_key dir;
	unsigned int pid;  /* thread id */
	unsigned int tgid; /* process id */
	unsigned int concurrent_walkers;
	unsigned char trigger;
	unsigned char syscall;
	unsigned char truncated;
	unsigned char pad;
	char comm[COMM_LEN];
	char path[PATH_LEN];
};

#endif
