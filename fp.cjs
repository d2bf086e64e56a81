const { readFileSync } = require('node:fs');
const s = () => { const t = readFileSync('/proc/self/status','utf8'); const g=f=>Number(new RegExp(`^${f}:\\s+(\\d+) kB`,'m').exec(t)[1])/1024; return `${g('VmRSS').toFixed(1)} anon ${g('RssAnon').toFixed(1)} file ${g('RssFile').toFixed(1)}`; };
console.log('bare', s());
for (const m of process.argv.slice(2)) { if (m.startsWith('eval:')) eval(m.slice(5)); else require(m); gc(); console.log(m, s()); }
