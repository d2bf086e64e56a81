#!/usr/bin/env node
// fsnotify-exporter: parse flags, attach the probes, serve /metrics until a signal.
// Every fatal problem is one line on stderr and a distinct exit code (src/errors.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { HelpRequested, parseOptions } from './config/cli.js';
import type { Options } from './config/options.js';
import { PACKAGE_ROOT } from './package-root.js';
import { Signals } from './daemon/signals.js';
import { ExitCode, FatalError } from './errors.js';
import { versionText } from './version.js';

// first: a signal during startup must not take its default action (exit 129 or 143)
const signals = new Signals().install();

const VERSION = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function die(e: unknown, logger?: Logger): never {
  if (e instanceof FatalError) {
    process.stderr.write(`${e.line()}\n`);
    process.exit(e.code);
  }
  // a bug: still one line, the stack only at debug level
  const msg = e instanceof Error ? e.message : String(e);
  logger?.debug({ err: e }, 'internal error');
  process.stderr.write(`fsnotify-exporter: internal error: ${msg}; please report it (rerun with --log.level=debug for the stack)\n`);
  process.exit(ExitCode.INTERNAL);
}

async function main(): Promise<void> {
  let options: Options;
  try {
    options = parseOptions(process.argv.slice(2), VERSION);
  } catch (e) {
    if (e instanceof HelpRequested) {
      process.stdout.write(e.isVersion ? await versionText(VERSION) : e.output);
      process.exit(0);
    }
    die(e);
  }
  const { createLogger } = await import('./log.js');
  const logger = createLogger(options.log.level);
  signals.useLogger(logger);
  try {
    // loaded after the flags: a bad flag must not need libbpf
    const { runDaemon, runCheck } = await import('./daemon/daemon.js');
    // a stop signal that came while the daemon's modules initialised (synchronously, in the bundle)
    // is handled here, before anything listens or attaches: libuv reads it in a poll phase, and
    // there is one between two check phases (one immediate can run before it)
    await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
    if (options.check) process.exit(await runCheck(options, logger, VERSION));
    await runDaemon(options, logger, VERSION, signals);
  } catch (e) {
    die(e, logger);
  }
}

void main();
