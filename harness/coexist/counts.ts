// The coexistence run's count check: the other tools' counts against the walks and watch
// syscalls the workload caused, as differences from their counts before the first cycle.

/** bpftrace count maps by name (walk_entry, walk_exit, add_entry, ...) */
export type ToolCounts = Record<string, number>;

export interface CountCheck {
  kprobes: ToolCounts;
  fentries: ToolCounts;
  /** each tool's counts when the workload began */
  kprobesStart: ToolCounts;
  fentriesStart: ToolCounts;
  /** watch add+remove pairs the workload completed since then */
  adds: number;
  removes: number;
  /** walks per watch add on this kernel, measured before the daemon ran */
  walksPerAdd: number;
}

/** What does not match, one line each; empty when every count is exact. */
export function compareCounts(c: CountCheck): string[] {
  const bad: string[] = [];
  const d = (now: ToolCounts, start: ToolCounts, name: string) => (now[name] ?? 0) - (start[name] ?? 0);
  const expect = (what: string, got: number, want: number) => {
    if (got !== want) bad.push(`${what}: ${got}, expected ${want}`);
  };
  const walks = c.adds * c.walksPerAdd;
  for (const [tool, now, start] of [['kprobe', c.kprobes, c.kprobesStart], ['fentry', c.fentries, c.fentriesStart]] as const) {
    expect(`${tool} walk entries`, d(now, start, 'walk_entry'), walks);
    expect(`${tool} walk exits`, d(now, start, 'walk_exit'), walks);
    // the syscall probes are checked only where this kernel has them (the tool printed them)
    if ('add_entry' in now) {
      expect(`${tool} inotify_add_watch entries`, d(now, start, 'add_entry'), c.adds);
      expect(`${tool} inotify_add_watch exits`, d(now, start, 'add_exit'), c.adds);
    }
    if ('rm_entry' in now) {
      expect(`${tool} inotify_rm_watch entries`, d(now, start, 'rm_entry'), c.removes);
      expect(`${tool} inotify_rm_watch exits`, d(now, start, 'rm_exit'), c.removes);
    }
  }
  return bad;
}
