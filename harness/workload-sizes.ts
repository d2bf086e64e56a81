// Workload sizes the guest suite drives and the host test asserts with: one definition for both.

/** rounds of the herd workload: whether two openers meet inside one walk is up to the scheduler */
export const HERD_ROUNDS = 6;
/** the herd runs again, up to this many batches of HERD_ROUNDS, until an i_lock wait is seen */
export const HERD_MAX_BATCHES = 3;

/** The storm of step 7: the daemon is stopped while walks overflow the ring buffer, then more new
 * directories are walked than dir_stats holds. */
export const STORM = {
  /** walks over the slow-walk threshold while the daemon is stopped: more than the ring holds */
  maskPairs: 800,
  slowWalkThreshold: '1ms',
  /** --slow-walk.max-events: the list behind /api/v1/slow-walks, smaller than what the ring held */
  maxEvents: 100,
  /** more than dir_stats' 10,240 entries */
  newDirs: 10_500,
} as const;

/**
 * The guest suite's --slow-walk.threshold: a quarter of the shortest 800k walk measured (22 ms, old
 * kernel under TCG), so every 800k walk is slow on every kernel; and under the near-lockup limit
 * the suite sets (0.004 x 2 s = 8 ms), so every walk reported near a lockup has its slow_walk line.
 */
export const SLOW_WALK_THRESHOLD_MS = 5;

/** One run scans a whole list, as the workloads' exact child counts per walk need (the budget's cuts: npm run bench). */
export const SCAN_BUDGET = 1 << 20;
