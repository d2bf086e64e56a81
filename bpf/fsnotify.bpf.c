// SPDX-License-Identifier: GPL-2.0
/*
 * fsnotify-exporter's kernel side: probes on the fsnotify child-dentry flag walk
 * (fsnotify_set_children_dentry_flags() / __fsnotify_update_child_dentry_flags()), on
 * __fsnotify_parent(), and on the qspinlock slow path filtered to the locks of directories
 * being walked. Everything is aggregated in maps; only slow walks go through the ring buffer.
 *
 * User space picks one mechanism per probe before load (set_autoload + set_attach_target):
 * fentry/fexit where the kernel allows it, kprobe/kretprobe otherwise, and the
 * lock:contention_* tracepoints only where the slow path cannot be probed.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "fsnotify.h"
#include "bits.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Tunables, written into .rodata by user space before load. */
const volatile __u32 children_scan_cap = 1 << 20;
/* Children one program run scans at most (bpf_loop scan); the rest of the list on later walks. */
const volatile __u32 children_scan_budget = 1 << 12;
/* 1: the watch-syscall probes keep watch_syscalls for the walk (the bounded programs, before 5.17);
 * 0: the walk reads the syscall number from the task's registers and the exit probes stay off. */
const volatile __u32 watch_syscalls_map_on = 1;
const volatile __u64 children_scan_interval_ns = 10000000000ULL;
const volatile __u64 slow_walk_threshold_ns = 50000000ULL;
/* [start, end) of __fsnotify_parent from kallsyms; a walk with it on the stack is a parent_event walk. */
const volatile __u64 parent_func_start = 0;
const volatile __u64 parent_func_end = 0;
/* 1: the lock-wait programs also add each watched wait to cgroup_waits (--creators=on). */
const volatile __u32 cgroup_waits_on = 0;

/* The dentry child list before and after 6.8 ("dcache: convert dentry child list to hlist"). */
struct dentry___old {
	struct list_head d_child;
	struct list_head d_subdirs;
} __attribute__((preserve_access_index));

struct dentry___new {
	struct hlist_node d_sib;
	struct hlist_head d_children;
} __attribute__((preserve_access_index));

/* 7.x: d_alias left the d_u union for an anonymous one (CO-RE matches through anonymous members). */
struct dentry___anon_alias {
	struct hlist_node d_alias;
} __attribute__((preserve_access_index));

#define SCAN_WINDOW_WORDS 32

/* The watch syscalls' numbers, for a walk that reads the current syscall from pt_regs. */
#if defined(__TARGET_ARCH_x86)
#define NR_INOTIFY_ADD_WATCH 254
#define NR_INOTIFY_RM_WATCH 255
#define NR_FANOTIFY_MARK 301
#define SYSCALL_NR(regs) ((long)(regs)->orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define NR_INOTIFY_ADD_WATCH 27
#define NR_INOTIFY_RM_WATCH 28
#define NR_FANOTIFY_MARK 263
#define SYSCALL_NR(regs) ((long)(regs)->syscallno)
#endif

#define LCB_F_SPIN (1U << 0) /* lock:contention_begin flag for spinlocks */
#define FAN_MARK_ADD 0x1
#define FAN_MARK_REMOVE 0x2
#define FAN_MARK_FLUSH 0x80

/* ---- maps ------------------------------------------------------------------------------- */

#define PERCPU_ARRAY(_name, _n, _value)                  \
	struct {                                         \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); \
		__uint(max_entries, _n);                 \
		__type(key, __u32);                      \
		__type(value, _value);                   \
	} _name SEC(".maps")

/* All counters in one value: a program that adds to several looks them up once (counters_get). */
struct counter_block {
	__u64 c[NR_COUNTERS];
};
PERCPU_ARRAY(counters, 1, struct counter_block);
PERCPU_ARRAY(walk_duration_hist, NR_TRIGGERS * DURATION_SLOTS, __u64);
PERCPU_ARRAY(walk_children_hist, NR_CHILD_KINDS * COUNT_SLOTS, __u64);
PERCPU_ARRAY(walk_concurrency_hist, COUNT_SLOTS, __u64);
PERCPU_ARRAY(lock_wait_hist, NR_LOCK_KINDS * DURATION_SLOTS, __u64);
/* walk_entry's own run time per walk (its child scan runs with preemption off before the walk). */
PERCPU_ARRAY(walk_entry_run_hist, DURATION_SLOTS, __u64);

struct lock_slot {
	__u64 lock;
	__u64 ts;
	struct dir_key dir;
	__u32 kind;
	__u32 watched;
};

/* Per-CPU stack of slow-path entries: spinlock waits nest (irq while spinning), never migrate. */
struct lock_nest {
	__u32 depth;
	__u32 pad;
	struct lock_slot slots[LOCK_NEST_MAX];
};
PERCPU_ARRAY(lock_nest, 1, struct lock_nest);

/* Scratch space for building a dir_stats value: it is too large for the BPF stack. */
PERCPU_ARRAY(scratch_dir_stats, 1, struct dir_stats);

/*
 * A thread's entry stays after its walk ends (exiting = 1) and its next walk writes it in place:
 * a lookup instead of an insert and a delete per walk. User space drops ended entries when the map
 * fills up (src/collect/stale-walks.ts). Preallocated (PREEMPT_RT before 6.1 refuses run-time
 * allocated hash maps in tracing programs): an entry user space deletes while its thread's next
 * walk entry runs can be reused by another thread's insert during that run (docs/reliability.md).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32); /* thread id */
	__type(value, struct walk_state);
} walks_in_flight SEC(".maps");


/* The locks of walked directories, left in place between walks: an LRU, so the stale ones of
 * directories no longer walked give way (the lock probe checks that a walk runs). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 2048);
	__type(key, __u64); /* lock address */
	__type(value, struct watched_lock);
} watched_locks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, struct dir_key);
	__type(value, struct dir_stats);
} dir_stats SEC(".maps");

/* An LRU: a cursor whose directory left dir_stats must not hold its slot forever. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct dir_key);
	__type(value, struct scan_cursor);
} scan_cursors SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32); /* thread id inside a watch syscall */
	__type(value, __u8); /* enum watch_syscall */
} watch_syscalls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* ---- root-cause maps (issue 16): who fills a directory, who churns its watches, who waits ---- */

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct dir_key);
	__type(value, struct dir_creations);
} dir_creations SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct dir_actor_key);
	__type(value, struct dir_creator);
} dir_creators SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct dir_actor_key);
	__type(value, struct watch_churn);
} watch_churn SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct dir_actor_key); /* comm all zero */
	__type(value, __u64);              /* ns waited */
} cgroup_waits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32); /* thread id inside fsnotify_add_mark_locked() */
	__type(value, __u64); /* the mark */
} mark_adds_in_flight SEC(".maps");

PERCPU_ARRAY(scratch_dir_creations, 1, struct dir_creations);

/* Keeps the record type in the object's BTF, where the ABI test reads its layout. */
const struct slow_walk_event *unused_slow_walk_event __attribute__((unused));
const struct scan_cursor *unused_scan_cursor __attribute__((unused));

/* ---- helpers ---------------------------------------------------------------------------- */

static __always_inline __u64 *counters_get(void)
{
	__u32 zero = 0;
	struct counter_block *b = bpf_map_lookup_elem(&counters, &zero);

	return b ? b->c : NULL;
}

/* Adds to counter idx of a block from counters_get() (NULL: nothing). */
static __always_inline void count_in(__u64 *c, __u32 idx, __u64 n)
{
	if (c && idx < NR_COUNTERS)
		__sync_fetch_and_add(&c[idx], n);
}

static __always_inline void count(__u32 idx, __u64 n)
{
	count_in(counters_get(), idx, n);
}

static __always_inline void hist_add(void *map, __u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(map, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);
}

struct scan_ctx {
	__u64 head;      /* list: address of the list head; hlist: unused */
	__u64 pos;       /* current node: &child->d_child or &child->d_sib */
	__u64 child_off; /* offset of that node inside struct dentry */
	__u64 inode_off; /* offset of d_inode */
	__u64 children[NR_CHILD_KINDS];
	__u32 hlist;
	__u32 done;
};

/*
 * One child per bpf_loop iteration. Runs without the directory's locks, so the list can change
 * under it: every read is a fault-tolerant probe read, and a failed read ends the scan.
 */
static long scan_child(__u32 i, void *arg)
{
	struct scan_ctx *c = arg;
	__u64 next = 0, inode = 0;

	if (!c->pos || (!c->hlist && c->pos == c->head)) {
		c->done = 1;
		return 1;
	}
	bpf_probe_read_kernel(&inode, sizeof(inode), (void *)(c->pos - c->child_off + c->inode_off));
	c->children[inode ? CHILD_POSITIVE : CHILD_NEGATIVE]++;
	/* list_head.next and hlist_node.next are both the first member */
	if (bpf_probe_read_kernel(&next, sizeof(next), (void *)c->pos))
		next = 0;
	c->pos = next;
	return 0;
}

/* 1 when v != 0, without a branch: the verifier then walks a bounded loop once per iteration, not per path. */
static __always_inline __u64 nonzero(__u64 v)
{
	__u64 neg = -v;

	asm volatile("" : "+r"(neg)); /* keeps clang from turning this back into a compare and branch */
	return (neg | v) >> 63;
}

/* What one probe read of a child brings: d_inode up to the list node (d_child), in one copy. */
struct scan_window {
	__u64 w[SCAN_WINDOW_WORDS];
};
PERCPU_ARRAY(scan_window, 1, struct scan_window);

/*
 * The scan for kernels without bpf_loop: a bounded loop, SCAN_BOUNDED_STEP children a round, each
 * without a branch (counted while alive, alive until the list's end), and one probe read per child.
 * A read that fails zeroes the window, which ends the list.
 */
static __always_inline void scan_bounded(struct scan_ctx *c)
{
	struct scan_window *win;
	__u64 alive = 1, pos = c->pos, head = c->head, span, positive;
	__u32 zero = 0, limit = children_scan_cap;

	win = bpf_map_lookup_elem(&scan_window, &zero);
	/* the layouts of 5.8-5.16 put d_inode before d_child; others never take this path */
	if (!win || c->child_off <= c->inode_off || c->child_off - c->inode_off > sizeof(win->w) - 8)
		return;
	span = c->child_off - c->inode_off;
#pragma clang loop unroll(disable)
	for (__u32 i = 0; i < SCAN_BOUNDED_MAX; i++) {
		/* i is a constant to the verifier: only every STEP-th child leaves a branch to explore */
		if (i % SCAN_BOUNDED_STEP == 0 && (!alive || i >= limit))
			break;
		alive &= nonzero(pos) & nonzero(pos ^ head);
		bpf_probe_read_kernel(win->w, span + 8, (void *)(pos - span));
		positive = nonzero(win->w[0]);
		c->children[CHILD_POSITIVE] += alive & positive;
		c->children[CHILD_NEGATIVE] += alive & (positive ^ 1);
		pos = *(__u64 *)((void *)win->w + span);
	}
	/* still alive: the list goes on past the cap; a list that ends exactly at it reads as done */
	c->done = !(alive & nonzero(pos) & nonzero(pos ^ head));
}

/* A whole scan's counts: the ones the walks report until the next scan. */
static __always_inline void scan_publish(struct dir_stats *ds, __u64 *children, bool truncated)
{
	ds->children[CHILD_POSITIVE] = children[CHILD_POSITIVE];
	ds->children[CHILD_NEGATIVE] = children[CHILD_NEGATIVE];
	ds->truncated = truncated;
	count(CNT_SCANS, 1);
	if (truncated)
		count(CNT_SCANS_TRUNCATED, 1);
}

/*
 * Count the children of `alias`, exactly up to children_scan_cap (bounded: the cap rounded up to
 * SCAN_BOUNDED_STEP, at most SCAN_BOUNDED_MAX). With bpf_loop one run scans at most
 * children_scan_budget of them and leaves a cursor in scan_cursors; `cur` is that cursor when this
 * run resumes one. A resumed scan reads a list that may have changed between the runs, like any
 * unlocked scan; every read is a probe read and the cap bounds the total.
 */
static __always_inline void scan_children(struct dentry *alias, struct dir_key *dir, struct dir_stats *ds, bool bounded,
					  struct scan_cursor *cur)
{
	struct scan_ctx c = {};
	struct scan_cursor next;
	__u64 scanned = 0;
	__u32 budget;

	c.inode_off = bpf_core_field_offset(struct dentry, d_inode);
	if (bpf_core_field_exists(struct dentry___new, d_children)) {
		struct dentry___new *d = (void *)alias;

		c.hlist = 1;
		c.child_off = bpf_core_field_offset(struct dentry___new, d_sib);
		c.pos = (__u64)BPF_CORE_READ(d, d_children.first);
	} else {
		struct dentry___old *d = (void *)alias;

		c.child_off = bpf_core_field_offset(struct dentry___old, d_child);
		c.head = (__u64)&d->d_subdirs;
		c.pos = (__u64)BPF_CORE_READ(d, d_subdirs.next);
	}
	if (bounded) {
		scan_bounded(&c);
		scan_publish(ds, c.children, !c.done);
		return;
	}
	if (cur) { /* a scan cut on an earlier walk goes on where it stopped */
		c.pos = cur->pos;
		c.children[CHILD_POSITIVE] = cur->children[CHILD_POSITIVE];
		c.children[CHILD_NEGATIVE] = cur->children[CHILD_NEGATIVE];
		scanned = cur->scanned;
	}
	budget = children_scan_cap - scanned;
	if (budget > children_scan_budget)
		budget = children_scan_budget;
	/* a loop that did not end visited `budget` children (no branch on the callback's counts: the
	 * verifier would then tell every iteration's state apart) */
	bpf_loop(budget, scan_child, &c, 0);
	scanned += budget;
	if (c.done || scanned >= children_scan_cap) {
		scan_publish(ds, c.children, !c.done);
		return;
	}
	count(CNT_SCANS_BUDGET_CUT, 1);
	/* until the scan ends, a partial count above the last whole one is the better lower bound
	 * (a directory's first scan) */
	if (c.children[CHILD_POSITIVE] + c.children[CHILD_NEGATIVE] > ds->children[CHILD_POSITIVE] + ds->children[CHILD_NEGATIVE]) {
		ds->children[CHILD_POSITIVE] = c.children[CHILD_POSITIVE];
		ds->children[CHILD_NEGATIVE] = c.children[CHILD_NEGATIVE];
	}
	next.pos = c.pos;
	next.children[CHILD_POSITIVE] = c.children[CHILD_POSITIVE];
	next.children[CHILD_NEGATIVE] = c.children[CHILD_NEGATIVE];
	next.scanned = scanned;
	if (bpf_map_update_elem(&scan_cursors, dir, &next, BPF_ANY)) {
		count(CNT_DROP_SCAN_CURSORS, 1); /* starts over at the next interval */
		return;
	}
	ds->scan_cut = 1;
}

/* The directory's path relative to its filesystem root, from the d_parent chain. */
static __always_inline void resolve_path(struct dentry *d, char *buf)
{
	const unsigned char *names[PATH_DEPTH] = {};
	__u32 n = 0, off = 0, complete = 0;
	long r;

	for (int i = 0; i < PATH_DEPTH; i++) {
		struct dentry *parent = BPF_CORE_READ(d, d_parent);

		if (!parent || parent == d) {
			complete = 1;
			break;
		}
		names[i] = BPF_CORE_READ(d, d_name.name);
		n++;
		d = parent;
	}
	if (!complete) {
		struct dentry *parent = BPF_CORE_READ(d, d_parent);

		complete = !parent || parent == d;
	}
	if (!complete) {
		buf[0] = '.';
		buf[1] = '.';
		buf[2] = '.';
		off = 3;
	}
	if (n == 0) {
		buf[off & 3] = '/';
		return;
	}
	for (int i = PATH_DEPTH - 1; i >= 0; i--) {
		if (i >= n)
			continue;
		if (off > PATH_LEN - PATH_NAME_MAX - 2)
			break;
		buf[off++] = '/';
		r = bpf_probe_read_kernel_str(&buf[off], PATH_NAME_MAX, names[i]);
		if (r > 0 && r <= PATH_NAME_MAX)
			off += r - 1;
	}
}

static __always_inline struct dir_stats *dir_stats_get(struct dir_key *key, struct dentry *alias)
{
	struct dir_stats *ds = bpf_map_lookup_elem(&dir_stats, key);
	__u32 zero = 0;

	if (ds)
		return ds;
	ds = bpf_map_lookup_elem(&scratch_dir_stats, &zero);
	if (!ds)
		return NULL;
	__builtin_memset(ds, 0, sizeof(*ds));
	if (alias)
		resolve_path(alias, ds->path);
	if (bpf_map_update_elem(&dir_stats, key, ds, BPF_NOEXIST) == 0)
		count(CNT_DIR_STATS_INSERTS, 1);
	return bpf_map_lookup_elem(&dir_stats, key);
}

/* parent_event when __fsnotify_parent() is on the stack: no exit probe needed on that hot path. */
static __always_inline __u8 walk_trigger(void *ctx)
{
	__u64 ips[8] = {};

	if (!parent_func_end)
		return TRIGGER_WATCH_CHANGE;
	bpf_get_stack(ctx, ips, sizeof(ips), 0);
	for (int i = 0; i < 8; i++)
		if (ips[i] >= parent_func_start && ips[i] < parent_func_end)
			return TRIGGER_PARENT_EVENT;
	return TRIGGER_WATCH_CHANGE;
}

/*
 * Adds one to a counter and returns the new value. Atomic fetch-and-add is 5.12+; before it (the
 * bounded programs' kernels) the add is atomic but the read after it may see a concurrent add too.
 */
static __always_inline __u32 add_and_read(__u32 *v, __s32 n, bool no_fetch)
{
	if (no_fetch) {
		__sync_fetch_and_add(v, n);
		return *(volatile __u32 *)v;
	}
	return __sync_fetch_and_add(v, n) + n;
}

/*
 * Walks running on the host, of any directory: the lock probes skip their watched_locks lookup
 * while none is, which is when most contended spinlocks happen. A walk whose exit is never seen
 * (its walks_in_flight entry lost) leaves it high: the lookup is then done, no wait is missed.
 */
__u32 walks_running = 0;

/* The directory's walkers, this one included: counted in its dir_stats entry (no map of their own). */
static __always_inline __u32 walkers_inc(struct dir_stats *ds, bool no_fetch)
{
	return ds ? add_and_read(&ds->walkers, 1, no_fetch) : 1;
}

static __always_inline void walkers_dec(struct dir_stats *ds)
{
	if (!ds)
		return;
	/* the exit programs serve every kernel: no fetch; below 0: the entry was evicted mid-walk */
	if (add_and_read(&ds->walkers, -1, true) > 1u << 30)
		ds->walkers = 0;
}

static __always_inline void watch_locks(struct walk_state *w)
{
	struct watched_lock wl = { .dir = w->dir };

	for (int kind = 0; kind < NR_LOCK_KINDS; kind++) {
		if (!w->locks[kind])
			continue;
		wl.kind = kind;
		if (bpf_map_update_elem(&watched_locks, &w->locks[kind], &wl, BPF_ANY))
			count(CNT_DROP_WATCHED_LOCKS, 1);
	}
}

/* ---- the walk --------------------------------------------------------------------------- */

/* Whether the directory's children are due for a scan (never scanned, or the interval passed). */
static __always_inline bool scan_due(struct dir_stats *ds, __u64 now)
{
	return !ds->last_scan_ns || now - ds->last_scan_ns >= children_scan_interval_ns;
}

/*
 * Counts this walker in the directory's dir_stats and returns the walkers, this one included. The
 * directory's locks are registered once per directory inode, and again at each scan in case the
 * LRU evicted them; left in place after the walk (no update and delete per walk): the lock probe
 * checks that a walk of the directory is running.
 */
static __always_inline __u32 walk_register(struct walk_state *w, struct dir_stats *ds, bool no_fetch, bool scanned)
{
	__u32 walkers = walkers_inc(ds, no_fetch);

	__sync_fetch_and_add(&walks_running, 1);

	if (ds && (ds->locks_at != w->locks[LOCK_I_LOCK] || scanned)) {
		watch_locks(w);
		ds->locks_at = w->locks[LOCK_I_LOCK];
	}
	return walkers;
}

/*
 * A field of a kernel object. btf: the pointer is a BTF-typed fentry/fexit argument, so a direct
 * load (CO-RE relocated like BPF_CORE_READ, no helper call); otherwise a probe read.
 */
#define KREAD(btf, src, a) ((btf) ? (src)->a : BPF_CORE_READ(src, a))
#define KREAD2(btf, src, a, b) ((btf) ? (src)->a->b : BPF_CORE_READ(src, a, b))

/* The directory's alias dentry: d_alias is in the d_u union before 7.x, in an anonymous one after. */
static __always_inline struct dentry *dir_alias(struct inode *inode, bool btf)
{
	struct hlist_node *first = KREAD(btf, inode, i_dentry.first);

	if (!first)
		return NULL;
	if (bpf_core_field_exists(struct dentry___anon_alias, d_alias))
		return (void *)first - bpf_core_field_offset(struct dentry___anon_alias, d_alias);
	return (void *)first - bpf_core_field_offset(struct dentry, d_u.d_alias);
}

/* The watch syscall this thread is in, from the syscall number in its registers (5.15+). */
static __always_inline __u8 current_watch_syscall(void)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	long nr = SYSCALL_NR(regs);

	if (nr == NR_INOTIFY_ADD_WATCH)
		return SYSCALL_INOTIFY_ADD_WATCH;
	if (nr == NR_INOTIFY_RM_WATCH)
		return SYSCALL_INOTIFY_RM_WATCH;
	if (nr == NR_FANOTIFY_MARK)
		return SYSCALL_FANOTIFY_MARK;
	return SYSCALL_NONE;
}

_Static_assert(__builtin_offsetof(struct walk_state, trigger) % 4 == 0 &&
		       __builtin_offsetof(struct walk_state, exiting) == __builtin_offsetof(struct walk_state, trigger) + 3,
	       "walk_state's flag bytes make one aligned word");

/* The flag bytes of walk_state (trigger, syscall, truncated, exiting) as one word, little-endian. */
static __always_inline __u32 walk_flags_word(struct walk_state *w)
{
	return w->trigger | (__u32)w->syscall << 8 | (__u32)w->truncated << 16 | (__u32)w->exiting << 24;
}

/*
 * Makes the walk visible in walks_in_flight. The thread's entry from its last walk (exiting = 1,
 * so readers skip it) is rewritten in place and its flag word, exiting = 0, swapped in last: the
 * exchange orders the stores before it. The bounded programs (5.10-5.16, no BPF_XCHG before 5.12)
 * replace the entry instead, which publishes it whole.
 */
static __always_inline void walk_publish(struct walk_state *w, __u32 tid, bool bounded)
{
	struct walk_state *old = bounded ? NULL : bpf_map_lookup_elem(&walks_in_flight, &tid);

	if (!old) {
		if (bpf_map_update_elem(&walks_in_flight, &tid, w, BPF_ANY))
			count(CNT_DROP_WALKS_IN_FLIGHT, 1);
		return;
	}
	old->exiting = 1; /* a concurrent reader may have caught it between walks: still ended */
	old->start_ns = w->start_ns;
	old->inode = w->inode;
	old->dir = w->dir;
	old->children[CHILD_POSITIVE] = w->children[CHILD_POSITIVE];
	old->children[CHILD_NEGATIVE] = w->children[CHILD_NEGATIVE];
	old->lock_wait_ns_at_start[LOCK_I_LOCK] = w->lock_wait_ns_at_start[LOCK_I_LOCK];
	old->lock_wait_ns_at_start[LOCK_D_LOCK] = w->lock_wait_ns_at_start[LOCK_D_LOCK];
	old->locks[LOCK_I_LOCK] = w->locks[LOCK_I_LOCK];
	old->locks[LOCK_D_LOCK] = w->locks[LOCK_D_LOCK];
	old->concurrent_walkers = w->concurrent_walkers;
	__sync_lock_test_and_set((__u32 *)&old->trigger, walk_flags_word(w));
}

/* Takes the cursor a cut scan left: a concurrent walker that deletes it first resumes it instead. */
static __always_inline bool scan_cursor_take(struct dir_key *dir, struct scan_cursor *out)
{
	struct scan_cursor *cur = bpf_map_lookup_elem(&scan_cursors, dir);

	if (!cur)
		return false;
	*out = *cur;
	return bpf_map_delete_elem(&scan_cursors, dir) == 0;
}

/* btf: inode is the fentry program's BTF-typed argument (direct loads instead of probe reads). */
static __always_inline int walk_enter(void *ctx, struct inode *inode, bool bounded, bool btf)
{
	__u64 now = bpf_ktime_get_ns(); /* this run's start, for walk_entry_run_hist */
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *cn = counters_get();
	struct scan_cursor cur;
	struct walk_state w = {};
	struct dentry *alias;
	struct dir_stats *ds;
	bool resumed = false, scanned = false;
	__u8 *syscall;

	w.inode = (__u64)inode;
	w.dir.ino = KREAD(btf, inode, i_ino);
	w.dir.dev = KREAD2(btf, inode, i_sb, s_dev);
	if (!bounded && !watch_syscalls_map_on) {
		w.syscall = current_watch_syscall();
	} else {
		syscall = bpf_map_lookup_elem(&watch_syscalls, &tid);
		if (syscall)
			w.syscall = *syscall;
	}
	/* A walk inside a watch syscall is a watch change. Only the others need the stack walk, which
	 * is most of this program's cost (bench: ~9k of its instructions per run with it). */
	w.trigger = w.syscall ? TRIGGER_WATCH_CHANGE : walk_trigger(ctx);

	/* A directory has one alias dentry; the walk visits each alias's children. */
	alias = dir_alias(inode, btf);
	w.locks[LOCK_I_LOCK] = (__u64)inode + bpf_core_field_offset(struct inode, i_lock);
	if (alias)
		w.locks[LOCK_D_LOCK] = (__u64)alias + bpf_core_field_offset(struct dentry, d_lockref.lock);

	ds = dir_stats_get(&w.dir, alias);
	/* The bounded programs register before their scan: after it, the registration would be
	 * verified once more for each state leaving the 8,192-child loop (5.10's verifier: 1M insns). */
	if (bounded)
		w.concurrent_walkers = walk_register(&w, ds, bounded, ds && alias && scan_due(ds, now));
	if (ds) {
		if (alias && !bounded && ds->scan_cut) {
			ds->scan_cut = 0;
			resumed = scan_cursor_take(&w.dir, &cur);
			if (resumed)
				scan_children(alias, &w.dir, ds, false, &cur);
			scanned = resumed;
		}
		if (resumed) {
		} else if (alias && scan_due(ds, now)) {
			ds->last_scan_ns = now; /* claim the scan before it runs: concurrent walkers use the cache */
			scan_children(alias, &w.dir, ds, bounded, NULL);
			scanned = true;
		} else {
			count_in(cn, CNT_SCANS_CACHED, 1);
		}
		w.children[CHILD_POSITIVE] = ds->children[CHILD_POSITIVE];
		w.children[CHILD_NEGATIVE] = ds->children[CHILD_NEGATIVE];
		w.truncated = ds->truncated;
		w.lock_wait_ns_at_start[LOCK_I_LOCK] = ds->lock_wait_ns[LOCK_I_LOCK];
		w.lock_wait_ns_at_start[LOCK_D_LOCK] = ds->lock_wait_ns[LOCK_D_LOCK];
	}
	if (!bounded)
		w.concurrent_walkers = walk_register(&w, ds, bounded, scanned);
	hist_add(&walk_concurrency_hist, log2_slot(w.concurrent_walkers, COUNT_SLOTS));
	count_in(cn, CNT_CONCURRENT_WALKERS_SUM, w.concurrent_walkers);

	hist_add(&walk_children_hist, CHILD_POSITIVE * COUNT_SLOTS + log2_slot(w.children[CHILD_POSITIVE], COUNT_SLOTS));
	hist_add(&walk_children_hist, CHILD_NEGATIVE * COUNT_SLOTS + log2_slot(w.children[CHILD_NEGATIVE], COUNT_SLOTS));
	count_in(cn, CNT_CHILDREN_POSITIVE_SUM, w.children[CHILD_POSITIVE]);
	count_in(cn, CNT_CHILDREN_NEGATIVE_SUM, w.children[CHILD_NEGATIVE]);

	/* The clock starts after the scan, which runs before the walk takes any lock. */
	w.start_ns = bpf_ktime_get_ns();
	hist_add(&walk_entry_run_hist, log2_slot(w.start_ns - now, DURATION_SLOTS));
	count_in(cn, CNT_WALK_ENTRY_RUN_NS, w.start_ns - now);
	walk_publish(&w, tid, bounded);
	return 0;
}

static __always_inline void emit_slow_walk(struct walk_state *w, struct dir_stats *ds, __u64 duration)
{
	struct slow_walk_event *e;
	__u64 id = bpf_get_current_pid_tgid();

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(CNT_EVENTS_LOST, 1);
		return;
	}
	e->start_ns = w->start_ns;
	e->duration_ns = duration;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->children[CHILD_POSITIVE] = w->children[CHILD_POSITIVE];
	e->children[CHILD_NEGATIVE] = w->children[CHILD_NEGATIVE];
	e->lock_wait_ns[LOCK_I_LOCK] = ds ? ds->lock_wait_ns[LOCK_I_LOCK] - w->lock_wait_ns_at_start[LOCK_I_LOCK] : 0;
	e->lock_wait_ns[LOCK_D_LOCK] = ds ? ds->lock_wait_ns[LOCK_D_LOCK] - w->lock_wait_ns_at_start[LOCK_D_LOCK] : 0;
	e->dir = w->dir;
	e->pid = (__u32)id;
	e->tgid = id >> 32;
	e->concurrent_walkers = w->concurrent_walkers;
	e->trigger = w->trigger;
	e->syscall = w->syscall;
	e->truncated = w->truncated;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (ds)
		bpf_probe_read_kernel(e->path, sizeof(e->path), ds->path);
	else
		e->path[0] = 0;
	/* user space drains the ring on a timer: no wakeup per event */
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
}

static __always_inline int walk_exit(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct walk_state *w = bpf_map_lookup_elem(&walks_in_flight, &tid);
	struct dir_stats *ds;
	__u64 duration, *cn;
	__u32 trigger;

	/* exiting: the thread's last walk, whose entry stays (an exit whose entry was dropped) */
	if (!w || w->exiting)
		return 0;
	/* before the end time: a reader (the near-lockup check) must not take a walk that has ended
	 * for one that runs; the entry stays for the thread's next walk (walk_publish) */
	w->exiting = 1;
	duration = bpf_ktime_get_ns() - w->start_ns;
	trigger = w->trigger == TRIGGER_PARENT_EVENT ? TRIGGER_PARENT_EVENT : TRIGGER_WATCH_CHANGE;
	cn = counters_get();
	count_in(cn, CNT_WALKS_WATCH_CHANGE + trigger, 1);
	count_in(cn, CNT_WALK_NS_WATCH_CHANGE + trigger, duration);
	hist_add(&walk_duration_hist, trigger * DURATION_SLOTS + log2_slot(duration, DURATION_SLOTS));

	ds = bpf_map_lookup_elem(&dir_stats, &w->dir);
	if (ds) {
		__sync_fetch_and_add(&ds->walks, 1);
		__sync_fetch_and_add(&ds->walk_ns, duration);
	}
	walkers_dec(ds);
	__sync_fetch_and_add(&walks_running, -1);
	if (duration >= slow_walk_threshold_ns) {
		count(CNT_SLOW_WALKS, 1);
		emit_slow_walk(w, ds, duration);
	}
	return 0;
}

SEC("fentry/fsnotify_set_children_dentry_flags")
int BPF_PROG(walk_entry_fentry, struct inode *inode)
{
	return walk_enter(ctx, inode, false, true);
}

/* Before 5.17 (no bpf_loop): the same entry with the bounded child scan. */
SEC("fentry/fsnotify_set_children_dentry_flags")
int BPF_PROG(walk_entry_fentry_bounded, struct inode *inode)
{
	return walk_enter(ctx, inode, true, false);
}

SEC("fexit/fsnotify_set_children_dentry_flags")
int BPF_PROG(walk_exit_fexit, struct inode *inode)
{
	return walk_exit();
}

SEC("kprobe")
int BPF_KPROBE(walk_entry_kprobe, struct inode *inode)
{
	return walk_enter(ctx, inode, false, false);
}

SEC("kprobe")
int BPF_KPROBE(walk_entry_kprobe_bounded, struct inode *inode)
{
	return walk_enter(ctx, inode, true, false);
}

SEC("kretprobe")
int BPF_KRETPROBE(walk_exit_kretprobe)
{
	return walk_exit();
}

/* ---- __fsnotify_parent: a hot path, so entry only and one per-CPU increment ---------------- */

SEC("fentry/__fsnotify_parent")
int BPF_PROG(parent_entry_fentry)
{
	count(CNT_PARENT_CALLS, 1);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(parent_entry_kprobe)
{
	count(CNT_PARENT_CALLS, 1);
	return 0;
}

/* ---- lock waits --------------------------------------------------------------------------- */

/*
 * Runs for every contended spinlock on the host: inlined per-CPU array accesses, one hash lookup
 * (is this lock one of a directory being walked?) only while a walk runs, and a clock read only on
 * a match.
 */
static __always_inline void lock_wait_begin(__u64 lock)
{
	__u32 zero = 0, d;
	struct lock_nest *n = bpf_map_lookup_elem(&lock_nest, &zero);
	struct watched_lock *wl;
	struct dir_stats *ds;
	struct lock_slot *s;

	if (!n)
		return;
	count(CNT_LOCK_PROBE_CALLS, 1);
	d = n->depth;
	if (d >= LOCK_NEST_MAX) {
		n->depth = 0;
		count(CNT_LOCK_NEST_OVERFLOW, 1);
		return;
	}
	s = &n->slots[d];
	s->lock = lock;
	s->watched = 0;
	wl = *(volatile __u32 *)&walks_running ? bpf_map_lookup_elem(&watched_locks, &lock) : NULL;
	/* a watched lock counts while a walk of its directory runs (entries stay between walks) */
	ds = wl ? bpf_map_lookup_elem(&dir_stats, &wl->dir) : NULL;
	if (wl && ds && ds->walkers) {
		s->watched = 1;
		s->kind = wl->kind;
		s->dir = wl->dir;
		s->ts = bpf_ktime_get_ns();
		count(CNT_LOCK_PROBE_MATCHED, 1);
	}
	n->depth = d + 1;
}

/* The waiter's cgroup: only watched waits get here, so this runs rarely. */
static __always_inline void cgroup_wait_add(struct dir_key *dir, __u64 delta)
{
	struct dir_actor_key k = { .dir = *dir };
	__u64 *ns;

	k.cgroup_id = bpf_get_current_cgroup_id();
	ns = bpf_map_lookup_elem(&cgroup_waits, &k);
	if (ns) {
		__sync_fetch_and_add(ns, delta);
		return;
	}
	if (!bpf_map_update_elem(&cgroup_waits, &k, &delta, BPF_NOEXIST)) {
		count(CNT_CGROUP_WAITS_INSERTS, 1);
		return;
	}
	/* another CPU inserted it since our lookup: add to theirs */
	ns = bpf_map_lookup_elem(&cgroup_waits, &k);
	if (ns)
		__sync_fetch_and_add(ns, delta);
}

/* `lock` is 0 when the exit probe cannot see it (kretprobe): then the top slot is ours. */
static __always_inline void lock_wait_end(__u64 lock)
{
	__u32 zero = 0, d, kind;
	struct lock_nest *n = bpf_map_lookup_elem(&lock_nest, &zero);
	struct lock_slot *s;
	struct dir_stats *ds;
	__u64 delta;

	if (!n)
		return;
	d = n->depth;
	if (d == 0 || d > LOCK_NEST_MAX) {
		if (!lock) /* a tracepoint end without our begin is normal: non-spin locks are not pushed */
			count(CNT_LOCK_NEST_OVERFLOW, 1);
		n->depth = 0;
		return;
	}
	d -= 1;
	s = &n->slots[d & (LOCK_NEST_MAX - 1)];
	if (lock && s->lock != lock)
		return;
	n->depth = d;
	if (!s->watched)
		return;
	delta = bpf_ktime_get_ns() - s->ts;
	kind = s->kind == LOCK_D_LOCK ? LOCK_D_LOCK : LOCK_I_LOCK;
	hist_add(&lock_wait_hist, kind * DURATION_SLOTS + log2_slot(delta, DURATION_SLOTS));
	count(CNT_LOCK_WAIT_NS_I_LOCK + kind, delta);
	ds = bpf_map_lookup_elem(&dir_stats, &s->dir);
	if (ds)
		__sync_fetch_and_add(&ds->lock_wait_ns[kind], delta);
	if (cgroup_waits_on)
		cgroup_wait_add(&s->dir, delta);
}

SEC("fentry/native_queued_spin_lock_slowpath")
int BPF_PROG(lock_wait_entry_fentry, void *lock)
{
	lock_wait_begin((__u64)lock);
	return 0;
}

SEC("fexit/native_queued_spin_lock_slowpath")
int BPF_PROG(lock_wait_exit_fexit, void *lock)
{
	lock_wait_end((__u64)lock);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(lock_wait_entry_kprobe, void *lock)
{
	lock_wait_begin((__u64)lock);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(lock_wait_exit_kretprobe)
{
	lock_wait_end(0);
	return 0;
}

/* Fallback (5.19+): misses pending-bit waiters and, under a hypervisor, virt_spin_lock() waiters. */
SEC("tp/lock/contention_begin")
int lock_wait_entry_tp(struct trace_event_raw_contention_begin *ctx)
{
	if (!(ctx->flags & LCB_F_SPIN)) {
		count(CNT_LOCK_PROBE_CALLS, 1);
		return 0;
	}
	lock_wait_begin((__u64)ctx->lock_addr);
	return 0;
}

SEC("tp/lock/contention_end")
int lock_wait_exit_tp(struct trace_event_raw_contention_end *ctx)
{
	lock_wait_end((__u64)ctx->lock_addr);
	return 0;
}

/* ---- watch lifecycle ---------------------------------------------------------------------- *
 *
 * Which thread is inside inotify_add_watch/inotify_rm_watch/fanotify_mark, so a walk it runs is
 * counted as a watch change. Attached, in order of preference, as fentry/fexit or kprobe/kretprobe
 * on the syscall's own function (__x64_sys_inotify_add_watch, ...), where only those syscalls pay;
 * or as the syscalls:sys_{enter,exit}_* tracepoints, a last resort: enabling any syscall
 * tracepoint sends every syscall of every task on the host through the slow syscall path (+1.7% on
 * an open/read/close loop, measured under qemu -icount; docs/benchmarks.md).
 */

static __always_inline void watch_syscall_enter(__u8 syscall, __u32 counter)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	count(counter, 1);
	if (!watch_syscalls_map_on)
		return;
	if (bpf_map_update_elem(&watch_syscalls, &tid, &syscall, BPF_ANY))
		count(CNT_DROP_WATCH_SYSCALLS, 1);
}

static __always_inline void watch_syscall_exit(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&watch_syscalls, &tid);
}

static __always_inline void fanotify_mark_enter(__u64 flags)
{
	if (flags & (FAN_MARK_REMOVE | FAN_MARK_FLUSH))
		watch_syscall_enter(SYSCALL_FANOTIFY_MARK, CNT_WATCH_FANOTIFY_REMOVE);
	else if (flags & FAN_MARK_ADD)
		watch_syscall_enter(SYSCALL_FANOTIFY_MARK, CNT_WATCH_FANOTIFY_ADD);
}

/* The targets below are x86-64's; the daemon sets each one to this kernel's symbol at load. */
SEC("fentry/__x64_sys_inotify_add_watch")
int BPF_PROG(watch_inotify_add_fentry, struct pt_regs *regs)
{
	watch_syscall_enter(SYSCALL_INOTIFY_ADD_WATCH, CNT_WATCH_INOTIFY_ADD);
	return 0;
}

SEC("fexit/__x64_sys_inotify_add_watch")
int BPF_PROG(watch_inotify_add_fexit, struct pt_regs *regs, long ret)
{
	watch_syscall_exit();
	return 0;
}

SEC("fentry/__x64_sys_inotify_rm_watch")
int BPF_PROG(watch_inotify_remove_fentry, struct pt_regs *regs)
{
	watch_syscall_enter(SYSCALL_INOTIFY_RM_WATCH, CNT_WATCH_INOTIFY_REMOVE);
	return 0;
}

SEC("fexit/__x64_sys_inotify_rm_watch")
int BPF_PROG(watch_inotify_remove_fexit, struct pt_regs *regs, long ret)
{
	watch_syscall_exit();
	return 0;
}

/*
 * The syscall function takes the user's registers; flags is the second argument. The pointer is
 * read with a probe read: 5.10's BTF types that argument so that the verifier refuses a direct read.
 */
SEC("fentry/__x64_sys_fanotify_mark")
int watch_fanotify_mark_fentry(__u64 *ctx)
{
	struct pt_regs *regs = NULL;

	bpf_probe_read_kernel(&regs, sizeof(regs), ctx);
	fanotify_mark_enter(PT_REGS_PARM2_CORE_SYSCALL(regs));
	return 0;
}

SEC("fexit/__x64_sys_fanotify_mark")
int BPF_PROG(watch_fanotify_mark_fexit, struct pt_regs *regs, long ret)
{
	watch_syscall_exit();
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(watch_inotify_add_kprobe)
{
	watch_syscall_enter(SYSCALL_INOTIFY_ADD_WATCH, CNT_WATCH_INOTIFY_ADD);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(watch_inotify_remove_kprobe)
{
	watch_syscall_enter(SYSCALL_INOTIFY_RM_WATCH, CNT_WATCH_INOTIFY_REMOVE);
	return 0;
}

SEC("kprobe")
int BPF_KSYSCALL(watch_fanotify_mark_kprobe, int fd, unsigned int flags)
{
	fanotify_mark_enter(flags);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(watch_inotify_add_kretprobe)
{
	watch_syscall_exit();
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(watch_inotify_remove_kretprobe)
{
	watch_syscall_exit();
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(watch_fanotify_mark_kretprobe)
{
	watch_syscall_exit();
	return 0;
}

SEC("tp/syscalls/sys_enter_inotify_add_watch")
int watch_inotify_add_tp_enter(struct trace_event_raw_sys_enter *ctx)
{
	watch_syscall_enter(SYSCALL_INOTIFY_ADD_WATCH, CNT_WATCH_INOTIFY_ADD);
	return 0;
}

SEC("tp/syscalls/sys_enter_inotify_rm_watch")
int watch_inotify_remove_tp_enter(struct trace_event_raw_sys_enter *ctx)
{
	watch_syscall_enter(SYSCALL_INOTIFY_RM_WATCH, CNT_WATCH_INOTIFY_REMOVE);
	return 0;
}

SEC("tp/syscalls/sys_enter_fanotify_mark")
int watch_fanotify_mark_tp_enter(struct trace_event_raw_sys_enter *ctx)
{
	fanotify_mark_enter(ctx->args[1]);
	return 0;
}

SEC("tp/syscalls/sys_exit_inotify_add_watch")
int watch_inotify_add_tp_exit(struct trace_event_raw_sys_exit *ctx)
{
	watch_syscall_exit();
	return 0;
}

SEC("tp/syscalls/sys_exit_inotify_rm_watch")
int watch_inotify_remove_tp_exit(struct trace_event_raw_sys_exit *ctx)
{
	watch_syscall_exit();
	return 0;
}

SEC("tp/syscalls/sys_exit_fanotify_mark")
int watch_fanotify_mark_tp_exit(struct trace_event_raw_sys_exit *ctx)
{
	watch_syscall_exit();
	return 0;
}

/* ---- dentry creators (issue 16) ------------------------------------------------------------ *
 *
 * Every dentry that gets its inode (positive) or is left without one (negative), counted per parent
 * directory and per (directory, cgroup, comm). The points, the same from 5.10 to 7.x:
 *   d_splice_alias(inode, dentry)  ->lookup() of most filesystems: inode NULL on a miss
 *   d_add(dentry, inode)           simple_lookup() (tmpfs, ramfs, ...) and others: NULL on a miss
 *   __d_instantiate(dentry, inode) create/mkdir/symlink/link via d_instantiate{,_new}: positive
 *   d_delete(dentry)               unlink/rmdir: an unused dentry turns negative in place
 * Cost per call: two LRU lookups, the cgroup id and the comm (the directory's path only once).
 */

static __always_inline void dentry_created(struct dentry *dentry, __u32 kind, bool btf)
{
	struct dir_actor_key k = {};
	struct dir_creations *dc;
	struct dir_creator *cr, nc = {};
	struct dentry *parent;
	struct inode *dir;
	__u32 zero = 0;

	kind = kind == CHILD_NEGATIVE ? CHILD_NEGATIVE : CHILD_POSITIVE;
	parent = KREAD(btf, dentry, d_parent);
	if (!parent || parent == dentry)
		return;
	dir = KREAD(btf, parent, d_inode);
	if (!dir)
		return;
	k.dir.ino = KREAD(btf, dir, i_ino);
	k.dir.dev = KREAD2(btf, dir, i_sb, s_dev);

	dc = bpf_map_lookup_elem(&dir_creations, &k.dir);
	if (dc) {
		__sync_fetch_and_add(&dc->created[kind], 1);
	} else {
		dc = bpf_map_lookup_elem(&scratch_dir_creations, &zero);
		if (!dc)
			return;
		__builtin_memset(dc, 0, sizeof(*dc));
		resolve_path(parent, dc->path);
		dc->created[kind] = 1;
		if (!bpf_map_update_elem(&dir_creations, &k.dir, dc, BPF_NOEXIST))
			count(CNT_DIR_CREATIONS_INSERTS, 1);
		else if ((dc = bpf_map_lookup_elem(&dir_creations, &k.dir))) /* another CPU inserted it first */
			__sync_fetch_and_add(&dc->created[kind], 1);
	}

	k.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(k.comm, sizeof(k.comm));
	cr = bpf_map_lookup_elem(&dir_creators, &k);
	if (cr) {
		__sync_fetch_and_add(&cr->created[kind], 1);
		cr->tgid = bpf_get_current_pid_tgid() >> 32;
		return;
	}
	nc.created[kind] = 1;
	nc.tgid = bpf_get_current_pid_tgid() >> 32;
	if (!bpf_map_update_elem(&dir_creators, &k, &nc, BPF_NOEXIST)) {
		count(CNT_DIR_CREATORS_INSERTS, 1);
		return;
	}
	cr = bpf_map_lookup_elem(&dir_creators, &k); /* another CPU inserted it first */
	if (cr)
		__sync_fetch_and_add(&cr->created[kind], 1);
}

/* A lookup's result: NULL is a miss (negative), an error pointer nothing. */
static __always_inline void lookup_result(struct dentry *dentry, struct inode *inode, bool btf)
{
	if ((unsigned long)inode >= (unsigned long)-4095L)
		return;
	dentry_created(dentry, inode ? CHILD_POSITIVE : CHILD_NEGATIVE, btf);
}

/* d_delete() leaves the dentry in place, negative, when nobody else holds it. */
static __always_inline void dentry_deleted(struct dentry *dentry, bool btf)
{
	if (KREAD(btf, dentry, d_lockref.count) == 1)
		dentry_created(dentry, CHILD_NEGATIVE, btf);
}

SEC("fentry/d_splice_alias")
int BPF_PROG(creators_lookup_fentry, struct inode *inode, struct dentry *dentry)
{
	lookup_result(dentry, inode, true);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(creators_lookup_kprobe, struct inode *inode, struct dentry *dentry)
{
	lookup_result(dentry, inode, false);
	return 0;
}

SEC("fentry/d_add")
int BPF_PROG(creators_add_fentry, struct dentry *dentry, struct inode *inode)
{
	lookup_result(dentry, inode, true);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(creators_add_kprobe, struct dentry *dentry, struct inode *inode)
{
	lookup_result(dentry, inode, false);
	return 0;
}

SEC("fentry/__d_instantiate")
int BPF_PROG(creators_instantiate_fentry, struct dentry *dentry, struct inode *inode)
{
	dentry_created(dentry, CHILD_POSITIVE, true);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(creators_instantiate_kprobe, struct dentry *dentry, struct inode *inode)
{
	dentry_created(dentry, CHILD_POSITIVE, false);
	return 0;
}

SEC("fentry/d_delete")
int BPF_PROG(creators_delete_fentry, struct dentry *dentry)
{
	dentry_deleted(dentry, true);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(creators_delete_kprobe, struct dentry *dentry)
{
	dentry_deleted(dentry, false);
	return 0;
}

/* ---- watch churn per (directory, cgroup, comm) ------------------------------------------------ *
 *
 * Marks added by fsnotify_add_mark_locked() (every inotify/fanotify add, whichever syscall) and
 * detached by fsnotify_detach_mark() (inotify_rm_watch, fanotify_mark remove, closing the group's
 * fd, the inode going away), counted for directory inodes only.
 */

/* The inode a mark's connector is attached to, or NULL for mount/sb marks. Before 6.9 conn->obj
 * points at inode->i_fsnotify_marks, after it at the inode: tried both ways, the one whose
 * i_fsnotify_marks points back at the connector wins. obj is no typed pointer (a pointer to a
 * pointer, or void *): the inode is read with probe reads either way. */
static __always_inline struct inode *conn_inode(struct fsnotify_mark_connector *conn, bool btf)
{
	void *obj = KREAD(btf, conn, obj);
	struct inode *in;

	if (!obj)
		return NULL;
	in = obj - bpf_core_field_offset(struct inode, i_fsnotify_marks);
	if (BPF_CORE_READ(in, i_fsnotify_marks) == conn)
		return in;
	in = obj;
	if (BPF_CORE_READ(in, i_fsnotify_marks) == conn)
		return in;
	return NULL;
}

/* The inode's first bytes hold its mode, superblock and number (offsets 0, 40 and 64 on 6.1): one
 * probe read of them instead of three. A layout that puts them further falls back to one a field. */
#define INODE_HEAD 128

struct inode_head {
	__u16 mode;
	struct super_block *sb;
	unsigned long ino;
};

static __always_inline void read_inode_head(struct inode *in, struct inode_head *h)
{
	__u32 mode_at = bpf_core_field_offset(struct inode, i_mode);
	__u32 sb_at = bpf_core_field_offset(struct inode, i_sb);
	__u32 ino_at = bpf_core_field_offset(struct inode, i_ino);
	__u32 need = (ino_at > sb_at ? ino_at : sb_at) + 8;
	__u8 head[INODE_HEAD];

	if (mode_at + 2 <= need && need <= INODE_HEAD && !bpf_probe_read_kernel(head, need, in)) {
		h->mode = *(__u16 *)(head + (mode_at & (INODE_HEAD - 1)));
		h->sb = *(struct super_block **)(head + (sb_at & (INODE_HEAD - 8)));
		h->ino = *(unsigned long *)(head + (ino_at & (INODE_HEAD - 8)));
		return;
	}
	h->mode = BPF_CORE_READ(in, i_mode);
	h->sb = BPF_CORE_READ(in, i_sb);
	h->ino = BPF_CORE_READ(in, i_ino);
}

#define S_IFMT_ 00170000
#define S_IFDIR_ 0040000

/* btf: `mark` is the fentry/fexit argument, whose connector and object are read with direct loads */
static __always_inline void mark_changed(struct fsnotify_mark *mark, bool add, bool btf)
{
	struct fsnotify_mark_connector *conn = KREAD(btf, mark, connector);
	struct dir_actor_key k = {};
	struct watch_churn *wc, nw = {};
	struct inode_head h;
	struct super_block *sb;
	struct inode *in;

	if (!conn)
		return;
	in = conn_inode(conn, btf);
	if (!in)
		return;
	read_inode_head(in, &h);
	if ((h.mode & S_IFMT_) != S_IFDIR_)
		return;
	sb = h.sb; /* a local: inside BPF_CORE_READ, h.sb would be relocated as a kernel type's field */
	k.dir.ino = h.ino;
	k.dir.dev = BPF_CORE_READ(sb, s_dev);
	k.cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(k.comm, sizeof(k.comm));
	wc = bpf_map_lookup_elem(&watch_churn, &k);
	if (wc) {
		__sync_fetch_and_add(add ? &wc->adds : &wc->removes, 1);
		return;
	}
	if (add)
		nw.adds = 1;
	else
		nw.removes = 1;
	if (!bpf_map_update_elem(&watch_churn, &k, &nw, BPF_NOEXIST)) {
		count(CNT_WATCH_CHURN_INSERTS, 1);
		return;
	}
	wc = bpf_map_lookup_elem(&watch_churn, &k); /* another CPU inserted it first */
	if (wc)
		__sync_fetch_and_add(add ? &wc->adds : &wc->removes, 1);
}

/* kprobes see no arguments on return: the entry keeps the mark for the return by thread */
static __always_inline void mark_add_enter(struct fsnotify_mark *mark)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 m = (__u64)mark;

	if (bpf_map_update_elem(&mark_adds_in_flight, &tid, &m, BPF_ANY))
		count(CNT_DROP_MARK_ADDS, 1);
}

/* On return the mark hangs on its connector (a failed add leaves it without one). */
static __always_inline void mark_add_exit(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 *m = bpf_map_lookup_elem(&mark_adds_in_flight, &tid);

	if (!m)
		return;
	mark_changed((struct fsnotify_mark *)*m, true, false);
	bpf_map_delete_elem(&mark_adds_in_flight, &tid);
}

/* fexit sees the call's arguments: one program, no map, where the kprobe pair needs both */
SEC("fexit/fsnotify_add_mark_locked")
int BPF_PROG(churn_add_fexit, struct fsnotify_mark *mark)
{
	mark_changed(mark, true, true);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(churn_add_kprobe, struct fsnotify_mark *mark)
{
	mark_add_enter(mark);
	return 0;
}

SEC("kretprobe")
int BPF_KRETPROBE(churn_add_kretprobe)
{
	mark_add_exit();
	return 0;
}

SEC("fentry/fsnotify_detach_mark")
int BPF_PROG(churn_remove_fentry, struct fsnotify_mark *mark)
{
	mark_changed(mark, false, true);
	return 0;
}

SEC("kprobe")
int BPF_KPROBE(churn_remove_kprobe, struct fsnotify_mark *mark)
{
	mark_changed(mark, false, false);
	return 0;
}

/* Keeps the ABI's types in the object's BTF, where the ABI test reads their layouts. */
const struct dir_creations *unused_dir_creations __attribute__((unused));
const struct dir_actor_key *unused_dir_actor_key __attribute__((unused));
const struct dir_creator *unused_dir_creator __attribute__((unused));
const struct watch_churn *unused_watch_churn __attribute__((unused));
