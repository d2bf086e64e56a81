// libbpf's ring buffer consumer, driven from a timer: poll(0) never blocks the event loop.
// Slow-walk events are rare (one per walk over the threshold), so a koffi callback per record
// costs nothing worth a hand-written mmap reader.
import { LibbpfError } from './errors.js';
import { SampleFn, decode, errno, isNull, libbpf, pointerTo, register, unregister, type Ptr } from './libbpf.js';

export class RingBuffer {
  private handle: Ptr | undefined;

  private constructor(
    handle: Ptr,
    private readonly callback: unknown,
  ) {
    this.handle = handle;
  }

  static open(fd: number, onRecord: (data: Buffer) => void): RingBuffer {
    const cb = register((_ctx: unknown, data: unknown, size: number | bigint) => {
      const n = Number(size);
      try {
        onRecord(Buffer.from(decode(data, 'uint8_t', n) as number[]));
      } catch {
        // a bad record must not stop the consumer
      }
      return 0;
    }, pointerTo(SampleFn));
    const h = libbpf.ringBufferNew(fd, cb, null, null);
    if (isNull(h)) {
      const e = errno();
      unregister(cb as never);
      throw new LibbpfError('ring_buffer__new', e, `fd ${fd}`);
    }
    return new RingBuffer(h, cb);
  }

  /** Drains what is there now; returns the number of records. */
  poll(): number {
    if (this.handle === undefined) return 0;
    const n = libbpf.ringBufferConsume(this.handle);
    return n < 0 ? 0 : n;
  }

  close(): void {
    if (this.handle === undefined) return;
    libbpf.ringBufferFree(this.handle);
    this.handle = undefined;
    unregister(this.callback as never);
  }
}
