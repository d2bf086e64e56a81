// Kernel trouble in a guest's console: the lines a lockup, stall, oops or hung task begins with.
const TROUBLE = [/soft lockup/i, /hard LOCKUP/i, /rcu: INFO: .*stall/i, /self-detected stall/i, /BUG: /, /Oops/, /blocked for more than \d+ seconds/, /Kernel panic/];

/** The console lines that report kernel trouble, in order. */
export function consoleTrouble(console: string): string[] {
  return console.split('\n').filter((l) => TROUBLE.some((re) => re.test(l))).map((l) => l.trim());
}
