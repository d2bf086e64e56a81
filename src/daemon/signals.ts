// SIGINT, SIGTERM and SIGHUP, caught from main's first line: before the daemon is up a signal must
// not take its default action (SIGHUP exits 129, SIGTERM 143). SIGINT/SIGTERM stop the daemon
// (exit 0; before anything is attached, at once), a second one during the stop exits at once;
// SIGHUP goes to the daemon's handler, and is ignored until it has one.
import type { Logger } from 'pino';

export type StopSignal = 'SIGINT' | 'SIGTERM';
type Stopper = (signal: StopSignal) => void;

export class Signals {
  private stopper: Stopper | undefined;
  private onHup: (() => void) | undefined;
  private logger: Logger | undefined;
  /** the signal that started the stop, once one has */
  stopping: StopSignal | undefined;

  constructor(private readonly exit: (code: number) => never = process.exit) {}

  install(): this {
    process.on('SIGINT', () => this.stop('SIGINT'));
    process.on('SIGTERM', () => this.stop('SIGTERM'));
    process.on('SIGHUP', () => (this.onHup ? this.onHup() : this.logger?.info('SIGHUP before the daemon is up: ignored')));
    return this;
  }

  useLogger(logger: Logger): void {
    this.logger = logger;
  }

  /** From now on a stop signal calls `stopper`, which detaches and exits. */
  onStop(stopper: Stopper): void {
    this.stopper = stopper;
  }

  onSighup(handler: () => void): void {
    this.onHup = handler;
  }

  private stop(signal: StopSignal): void {
    if (this.stopping) {
      this.logger?.warn({ signal }, `${signal} during the shutdown: exiting now`);
      this.exit(0);
    }
    this.stopping = signal;
    if (this.stopper) this.stopper(signal);
    else {
      this.logger?.info({ signal }, 'stopped before anything was attached');
      this.exit(0);
    }
  }
}
