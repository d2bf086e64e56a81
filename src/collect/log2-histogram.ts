// Kernel log2 histograms to Prometheus histograms.
//
// A duration slot s counts values in [2^s, 2^(s+1)) ns, so its bucket is le = 2^(s+1) ns (slot 0
// also holds 0 ns). A count slot s counts [2^s, 2^(s+1) - 1], so its bucket is le = 2^(s+1) - 1
// (slot 0 holds 0 and 1). The last slot takes everything larger and goes to +Inf only.

export interface HistogramValue {
  /** [upper bound, cumulative count] in ascending order, +Inf last */
  buckets: Array<[number, number]>;
  sum: number;
  count: number;
}

export type SlotUnit = 'nanoseconds' | 'count';

export function slotUpperBound(slot: number, unit: SlotUnit): number {
  return unit === 'nanoseconds' ? 2 ** (slot + 1) * 1e-9 : 2 ** (slot + 1) - 1;
}

/**
 * `slots` are the per-slot counts (summed over CPUs), `sum` the exact sum in the slot unit.
 * `firstBucketSlot` drops the finer buckets (their counts fold into the first bucket kept), so a
 * duration histogram can start at 1 µs instead of 2 ns.
 */
export function toHistogram(slots: readonly number[], sum: number, unit: SlotUnit, firstBucketSlot = 0): HistogramValue {
  const buckets: Array<[number, number]> = [];
  let cumulative = 0;
  const last = slots.length - 1;
  for (let s = 0; s < last; s++) {
    cumulative += slots[s] ?? 0;
    if (s >= firstBucketSlot) buckets.push([slotUpperBound(s, unit), cumulative]);
  }
  cumulative += slots[last] ?? 0;
  buckets.push([Infinity, cumulative]);
  return { buckets, sum: unit === 'nanoseconds' ? sum * 1e-9 : sum, count: cumulative };
}

/** Duration buckets start at 1.024 µs (slot 9 ends at 2^10 ns): finer ones say nothing here. */
const FIRST_DURATION_BUCKET_SLOT = 9;

/** A kernel duration histogram (ns slots, exact sum in ns) in seconds, from 1.024 µs. */
export const durationHistogram = (slots: readonly number[], sumNs: number): HistogramValue => toHistogram(slots, sumNs, 'nanoseconds', FIRST_DURATION_BUCKET_SLOT);
