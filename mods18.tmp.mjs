import { readFileSync } from 'node:fs';
const m = process.argv[2];
const st = () => { global.gc(); global.gc(); const s=readFileSync('/proc/self/status','utf8'); return {rss:/VmRSS:\s+(\d+)/.exec(s)[1]/1024, heap: process.memoryUsage().heapUsed/1048576}; };
const a = st();
if (m !== 'none') await import(m);
await new Promise(r=>setTimeout(r,500));
const b = st();
console.log(`${m}\trss +${(b.rss-a.rss).toFixed(1)}\theapUsed +${(b.heap-a.heap).toFixed(1)}\ttotal rss ${b.rss.toFixed(1)}`);
