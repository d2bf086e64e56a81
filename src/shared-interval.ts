// The daemon's periodic work (the ring drain, the near-lockup check, the kernel-log drain, the
// watch-change poll, the event-loop sampler) on one timer per period: each wakeup of an idle
// process costs more than the work it does (docs/benchmark-findings.md).

type Task = () => void;

const groups = new Map<number, { timer: NodeJS.Timeout; tasks: Set<Task> }>();

/**
 * Calls `fn` every `ms`, in the same wakeup as every other task of the same period, in the order
 * they joined. A task that throws does not keep the others from running; its exception is
 * rethrown on its own, as a setInterval callback's would be. Never keeps the process alive.
 * Returns stop().
 */
export function everyShared(ms: number, fn: () => void): () => void {
  let group = groups.get(ms);
  if (!group) {
    const tasks = new Set<Task>();
    const timer = setInterval(() => {
      for (const task of tasks) {
        try {
          task();
        } catch (e) {
          queueMicrotask(() => {
            throw e;
          });
        }
      }
    }, ms);
    timer.unref();
    group = { timer, tasks };
    groups.set(ms, group);
  }
  const task: Task = () => fn(); // a wrapper per call: the same fn joined twice runs twice
  group.tasks.add(task);
  const joined = group;
  return () => {
    joined.tasks.delete(task);
    if (joined.tasks.size === 0 && groups.get(ms) === joined) {
      clearInterval(joined.timer);
      groups.delete(ms);
    }
  };
}

/** Periods that have a timer now (for tests). */
export function sharedPeriods(): number[] {
  return [...groups.keys()];
}
