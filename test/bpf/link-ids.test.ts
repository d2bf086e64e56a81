// The by-id link scan against this host's kernel (BPF_LINK_GET_NEXT_ID needs CAP_SYS_ADMIN): it
// walks every link without error and reports only trampoline links with a target. The host refuses
// fentry, so the positive case (a tool's fexit link) is the coexist guest run's (docs/reliability.md).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errnoName } from '../../src/bpf/errors.js';
import { tracingLinksById } from '../../src/bpf/link-ids.js';
import { CAP, has, ownCapabilities } from '../../src/kernel/capabilities.js';

test('links by id on this kernel: every link walked, only fentry/fexit/fmod_ret links with a target kept', { skip: !has(ownCapabilities().effective, CAP.SYS_ADMIN) && 'needs CAP_SYS_ADMIN' }, () => {
  const r = tracingLinksById(errnoName);
  assert.equal(r.ok, true, r.ok ? '' : r.reason);
  for (const l of r.ok ? r.links : []) {
    assert.ok([24, 25, 26].includes(l.attachType), `attach type ${l.attachType}`);
    assert.ok((l.targetBtfId ?? 0) > 0);
  }
});
