// What of ours is still in the kernel, read inside a guest: loaded programs and links (bpftool)
// and libbpf's legacy kprobe events. Shared by the x86 and arm64 guest scripts.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { OUR_PROGRAMS } from '../daemon/harness.js';

export function leftovers() {
  const show = spawnSync('bpftool', ['prog', 'show'], { encoding: 'utf8' });
  const progs = show.stdout.split('\n').filter((l) => OUR_PROGRAMS.test(l));
  const links = spawnSync('bpftool', ['link', 'show'], { encoding: 'utf8' }).stdout.trim();
  let kprobeEvents = '';
  try {
    kprobeEvents = readFileSync('/sys/kernel/tracing/kprobe_events', 'utf8').trim();
  } catch {
    // no kprobe_events
  }
  return { bpftoolStatus: show.status, progs, links, kprobeEvents };
}
