// A real Prometheus server (Debian's `prometheus`) on host loopback, scraping the daemon in the
// guest through a qemu port forward every second and evaluating the shipped rule pack every second.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sleep } from '../../harness/daemon.js';

export const JOB = 'fsnotify-exporter';

export interface AlertRule {
  name: string;
  state: 'inactive' | 'pending' | 'firing';
  health: string;
  lastError?: string;
  alerts: Array<{ labels: Record<string, string>; annotations: Record<string, string>; state: string; activeAt: string }>;
}

export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

export class Prometheus {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
    private readonly log: () => string,
  ) {}

  /** Starts a server scraping 127.0.0.1:targetPort (or each of several), with rules loaded; resolves when it is ready. */
  static async start(port: number, targetPort: number | number[], ruleFiles: string[]): Promise<Prometheus> {
    const dir = mkdtempSync(join(tmpdir(), 'e2e-prom-'));
    const config = {
      global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' },
      rule_files: ruleFiles.map((f) => resolve(f)),
      scrape_configs: [{ job_name: JOB, static_configs: [{ targets: [targetPort].flat().map((p) => `127.0.0.1:${p}`) }] }],
    };
    writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config, null, 1));
    const child = spawn(
      'prometheus',
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    child.stderr?.on('data', (d) => (log += d));
    const p = new Prometheus(child, dir, `http://127.0.0.1:${port}`, () => log);
    for (let i = 0; i < 300; i++) {
      if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${log.trim().split('\n').slice(-3).join(' | ')}`);
      try {
        if ((await fetch(`${p.url}/-/ready`)).ok) return p;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    p.stop();
    throw new Error(`prometheus not ready after 30 s: ${log}`);
  }

  private async api<T>(path: string): Promise<T> {
    const r = await fetch(`${this.url}/api/v1/${path}`);
    const body = (await r.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error}`);
    return body.data;
  }

  async query(expr: string): Promise<VectorSample[]> {
    const data = await this.api<{ resultType: string; result: VectorSample[] | [number, string] }>(`query?query=${encodeURIComponent(expr)}`);
    if (data.resultType === 'scalar') return [{ metric: {}, value: data.result as [number, string] }];
    return data.result as VectorSample[];
  }

  async alertRules(): Promise<AlertRule[]> {
    const data = await this.api<{ groups: Array<{ rules: Array<AlertRule & { type: string }> }> }>('rules?type=alert');
    return data.groups.flatMap((g) => g.rules);
  }

  async labelValues(label: string, match: string): Promise<string[]> {
    return this.api<string[]>(`label/${label}/values?match[]=${encodeURIComponent(match)}`);
  }

  /** Waits until `expr` returns a sample whose value passes `ok`. */
  async waitFor(expr: string, ok: (v: number) => boolean, timeoutMs: number): Promise<number | undefined> {
    const deadline = Date.now() + timeoutMs;
    let last: number | undefined;
    while (Date.now() < deadline) {
      const s = await this.query(expr).catch(() => []);
      last = s[0] ? Number(s[0].value[1]) : undefined;
      if (last !== undefined && ok(last)) return last;
      await sleep(500);
    }
    return last;
  }

  errors(): string {
    return this.log();
  }

  stop(): void {
    this.child.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
