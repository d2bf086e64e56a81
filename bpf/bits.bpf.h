/* SPDX-License-Identifier: GPL-2.0 */
/* log2 helpers, after libbpf-tools' bits.bpf.h. */
#ifndef BITS_BPF_H
#define BITS_BPF_H

static __always_inline __u64 log2_u32(__u32 v)
{
	__u32 shift, r;

	r = (v > 0xFFFF) << 4; v >>= r;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u64 log2_u64(__u64 v)
{
	__u32 hi = v >> 32;

	return hi ? log2_u32(hi) + 32 : log2_u32(v);
}

/* The slot of a log2 histogram with `slots` entries; 0 and 1 share slot 0, the last slot takes the rest. */
static __always_inline __u32 log2_slot(__u64 v, __u32 slots)
{
	__u64 s = log2_u64(v);

	return s >= slots ? slots - 1 : (__u32)s;
}

#endif
