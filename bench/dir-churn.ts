// node dist/bench/dir-churn.js PID COUNT: rewrites COUNT directories of the daemon PID's dir_stats
// map again and again with growing counters, until SIGTERM; prints the passes made. The worst case
// for the scrape: every directory changed since the last one, so no rendered line can be reused.
import { fillDirStats } from './host-bench.js';

const [pid, count] = process.argv.slice(2).map(Number);
let passes = 0;
let stop = false;
process.on('SIGTERM', () => (stop = true));
const parent = process.ppid;
// an orphan (the bench gone without its SIGTERM) stops too, instead of writing a map forever
while (!stop && process.ppid === parent) {
  fillDirStats(pid as number, count as number, passes + 2);
  passes++;
  await new Promise((r) => setImmediate(r)); // lets SIGTERM in
}
process.stdout.write(`${JSON.stringify({ passes })}\n`);
