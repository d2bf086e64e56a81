// npm run demo [-- --kernel NAME]: boots the old-behaviour kernel, reproduces the seed at
// reduced scale, prints a summary and the daemon's metric lines.
import { runInVm } from '../../harness/guest/vm.js';

const i = process.argv.indexOf('--kernel');
const kernel = i > 0 ? (process.argv[i + 1] as string) : 'oldfsnotify';
const r = await runInVm({ kernel, command: 'node dist/test/e2e/demo-guest.js', timeoutSec: 600 });
process.exit(r.status);
