// A token bucket per client address, for as many clients as `maxClients`: the least recently seen
// is forgotten first, so a flood from many addresses cannot grow the map.
import { Lru } from '../config/lru.js';
import { TokenBucket } from './token-bucket.js';

export class ClientBudgets {
  private readonly buckets: Lru<string, TokenBucket>;

  constructor(
    private readonly burst: number,
    private readonly intervalMs: number,
    maxClients: number,
    private readonly now: () => number,
  ) {
    this.buckets = new Lru(maxClients);
  }

  take(client: string): boolean {
    let b = this.buckets.get(client);
    if (!b) {
      b = new TokenBucket(this.burst, this.intervalMs, this.now);
      this.buckets.set(client, b);
    }
    return b.take();
  }

  refund(client: string): void {
    this.buckets.get(client)?.refund();
  }
}
