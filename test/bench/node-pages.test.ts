// bench/node-pages.ts: the groups a node binary's symbols fall in (the tool itself runs as root against live processes).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { symbolGroup } from '../../bench/node-pages.js';

test('symbols fall in the runtime part they belong to', () => {
  const cases: Array<[string, string]> = [
    ['icudt78_dat', 'ICU data'],
    ['icu_78::UnicodeString::append(int)', 'ICU code'],
    ['Builtins_ArrayPrototypePush', 'V8 builtins'],
    ['v8::internal::compiler::Pipeline::GenerateCode()', 'V8 compiler'],
    ['v8::internal::baseline::BaselineCompiler::Build()', 'V8 baseline'],
    ['v8::internal::Heap::CollectGarbage()', 'V8 other'],
    ['node::http2::Http2Session::New()', 'node'],
    ['uv_run', 'libuv'],
    ['SSL_CTX_new', 'OpenSSL'],
    ['llhttp_execute', 'http, zlib, DNS, UTF-8 libraries'],
    ['main', 'other'],
  ];
  for (const [name, group] of cases) assert.equal(symbolGroup(name), group, name);
});
