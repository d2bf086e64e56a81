// A value computed at most once per event-loop turn. The exposition asks every metric for its values
// in one turn, so a source two metrics share (e.g. one bpf_prog_get_info_by_fd per program, for run
// time and run count) is read once per scrape; nothing is kept until the next one.
export function perTurn<T>(compute: () => T): () => T {
  let value: { v: T } | undefined;
  return () => {
    if (!value) {
      value = { v: compute() };
      setImmediate(() => (value = undefined));
    }
    return value.v;
  };
}
