// The daemon's life: web config, instrumentation, server, signals. Whatever was attached is
// detached on every way out.
import type { Logger } from 'pino';
import type { Options } from '../config/options.js';
import { ExitCode, FatalError } from '../errors.js';
import { buildServer } from '../server/app.js';
import { listen } from '../server/listen.js';
import { loadWebConfig } from '../config/web-config.js';
import { instrument, type Instrumentation } from './instrument.js';
import { Exposition } from '../collect/exposition.js';
import { compactAfterStartup, trimPeriodically } from './compact-heap.js';
import { dropCapabilitiesAfterAttach } from './drop-capabilities.js';
import { closeServerWithin } from './shutdown.js';
import type { Signals, StopSignal } from './signals.js';

/** --check: load, attach, report, detach. 0 when the walk probes attach. */
export async function runCheck(o: Options, logger: Logger, version: string): Promise<number> {
  loadWebConfig(o.web.configFile); // --check validates the web config too
  const inst = instrument(new Exposition(), o, version, logger);
  try {
    for (const p of inst.attach.probes)
      process.stdout.write(`${p.probe}: ${p.attached ? `attached (${p.mechanism} on ${p.target})` : `NOT attached (${p.mechanism} on ${p.target}): ${p.error}`}\n`);
    process.stdout.write(`lock waits: ${inst.attach.lockWaitMechanism}\n`);
    return inst.attach.walkProbesAttached ? ExitCode.OK : ExitCode.CHECK_FAILED;
  } finally {
    inst.close();
  }
}

export async function runDaemon(o: Options, logger: Logger, version: string, signals: Signals): Promise<void> {
  const webConfig = loadWebConfig(o.web.configFile);
  const exposition = new Exposition(logger.child({ component: 'collect' }));
  let inst: Instrumentation | undefined;
  const server = buildServer({
    options: o,
    webConfig,
    registry: exposition,
    logger,
    readiness: () => {
      if (!inst) return { ready: false, reasons: ['probes are being attached'] };
      const missing = inst.attach.probes.filter((p) => (p.probe === 'walk_entry' || p.probe === 'walk_exit') && !p.attached);
      const degraded = inst.attach.probes.flatMap((p) => (p.note ? [`${p.probe}: ${p.note}`] : !p.attached && !p.off && !missing.includes(p) ? [`${p.probe} not attached: ${p.error}`] : []));
      return { ready: missing.length === 0, reasons: missing.map((p) => `${p.probe} not attached: ${p.error}`), degraded };
    },
    slowWalks: { list: (limit) => inst?.slowWalks.list(limit) ?? [] },
    directories: { list: () => inst?.directories.list() ?? [] },
    landingInfo: () => ({
      version,
      kernel: inst ? `${inst.kernel.release} (${inst.kernel.arch})` : 'unknown',
      walkFunction: inst?.kernel.walkFunction ?? 'none',
      lockWaitMechanism: inst?.attach.lockWaitMechanism ?? 'none',
      probes: inst?.attach.probes ?? [],
    }),
  });

  let stopTrimming = () => {};
  const shutdown = async (signal: StopSignal) => {
    logger.info({ signal }, 'shutting down: detaching probes');
    stopTrimming();
    inst?.close();
    await closeServerWithin(server, logger);
    process.exit(ExitCode.OK);
  };
  signals.onStop((signal) => void shutdown(signal));
  // SIGHUP re-reads kernel settings on every scrape anyway; log the probe status for the operator
  signals.onSighup(() => {
    for (const p of inst?.attach.probes ?? []) logger.info({ probe: p.probe, mechanism: p.mechanism, attached: p.attached, reason: p.error }, 'probe status');
  });

  // Listen first: a busy port fails in milliseconds, before anything is attached.
  await listen(server, o.web.listenAddress);
  if (signals.stopping) return; // a signal during listen: the shutdown is under way, attach nothing

  try {
    inst = instrument(exposition, o, version, logger);
  } catch (e) {
    await server.close().catch(() => undefined);
    throw e;
  }
  if (o.capabilities.keep) logger.info('--capabilities.keep: keeping every capability');
  else {
    try {
      dropCapabilitiesAfterAttach(inst.kernel.release, logger);
    } catch (e) {
      inst.close();
      await server.close().catch(() => undefined);
      throw e;
    }
  }
  if (o.strict && !inst.attach.walkProbesAttached) {
    const why = inst.attach.probes.find((p) => p.probe === 'walk_entry' && !p.attached)?.error ?? 'walk exit probe failed';
    inst.close();
    await server.close().catch(() => undefined);
    throw new FatalError(ExitCode.STRICT, `--strict: the walk probes did not attach (${why})`, 'drop --strict to run without them, or use a kernel with kprobes or fentry');
  }
  const notReduced = compactAfterStartup();
  if (notReduced !== undefined) logger.debug({ reason: notReduced }, 'heap compacted with a full GC instead');
  stopTrimming = trimPeriodically();
  logger.info(
    { address: o.web.listenAddress, walk_probes: inst.attach.walkProbesAttached, walk_function: inst.kernel.walkFunction },
    inst.attach.walkProbesAttached ? 'fsnotify-exporter ready' : 'fsnotify-exporter serving, but the walk probes are not attached (see /readyz)',
  );
}
