// The by-id link scan against this host's kernel (BPF_LINK_GET_NEXT_ID needs CAP_SYS_ADMIN): it
// walks every link without error and reports only trampoline links with a target. The host refuses
// fentry, so the positive case (a tool's fexit link) is the coexist guest run's (docs/reliability.md).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errnoName } from '../../src/bpf/errors.js';
import { linkTargetOf, tracingLinksById } from '../../src/bpf/link-ids.js';
import { closeSync, openSync } from 'node:fs';
import { CAP, has, ownCapabilities } from '../../src/kernel/capabilities.js';

test('links by id on this kernel: every link walked, only fentry/fexit/fmod_ret links with a target kept', { skip: !has(ownCapabilities().effective, CAP.SYS_ADMIN) && 'needs CAP_SYS_ADMIN' }, () => {
  const r = tracingLinksById(errnoName);
  assert.equal(r.ok, true, r.ok ? '' : r.reason);
  for (const l of r.ok ? r.links : []) {
    assert.ok([24, 25, 26].includes(l.attachType), `attach type ${l.attachType}`);
    assert.ok((l.targetBtfId ?? 0) > 0);
  }
});

test('asking another process\'s link: pidfd_open and pidfd_getfd run, and each refusal is named', () => {
  const targetOf = linkTargetOf(errnoName);
  const fd = openSync('/dev/null', 'r');
  try {
    // our own fd through pidfd_getfd: copied, then not a BPF object (EINVAL, kernel/bpf/syscall.c)
    assert.deepEqual(targetOf(process.pid, fd), { reason: 'BPF_OBJ_GET_INFO_BY_FD: EINVAL' });
    assert.deepEqual(targetOf(process.pid, 99_999), { reason: 'pidfd_getfd: EBADF' });
  } finally {
    closeSync(fd);
  }
  assert.match(JSON.stringify(targetOf(2 ** 22 + 1, 3)), /pidfd_open: (ESRCH|EINVAL)/);
});
