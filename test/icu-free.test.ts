// The daemon never touches ICU: Node's ICU collator, number and date formats page in megabytes of
// the node binary's data on first use (localeCompare: +2.9 MB of RSS in a bare node, an
// Intl.NumberFormat: +7 MB; docs/benchmark-findings.md, "the web layer's share of RSS").
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { sourceFiles } from './source-files.js';

const ICU_CALLS = /\.localeCompare\(|\.toLocale(?:String|DateString|TimeString|UpperCase|LowerCase)\(|\bIntl\.|\.normalize\(/;


/** `file:line: text` of every line calling an ICU-backed API */
export function icuCalls(file: string, text: string): string[] {
  return text.split('\n').flatMap((line, i) => (ICU_CALLS.test(line) && !/^\s*(\/\/|\*|\/\*)/.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : []));
}

test('the check sees the ICU-backed calls and passes plain comparisons and comments', () => {
  const text = "a.sort((x, y) => x.localeCompare(y));\nconst n = new Intl.NumberFormat();\n// not localeCompare(\nconst s = x < y;\nd.toLocaleString();\n";
  assert.deepEqual(icuCalls('f.ts', text).map((l) => l.split(':')[1]), ['1', '2', '5']);
});

test('no file under src calls an ICU-backed API', () => {
  assert.deepEqual(sourceFiles('src').flatMap((f) => icuCalls(f, readFileSync(f, 'utf8'))), []);
});
