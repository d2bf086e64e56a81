// Device numbers in the kernel's encoding. stat() gives glibc's 64-bit dev_t; fdinfo, mountinfo's
// fields and the BPF side's dir_key.dev use the kernel's internal dev_t (major << 20 | minor), so
// a directory found with stat() is matched against marks only after this conversion.

/** The kernel's internal dev_t: MKDEV(major, minor), MINORBITS = 20 (include/linux/kdev_t.h). */
export function kernelDev(major: number, minor: number): number {
  return ((major << 20) | (minor & 0xfffff)) >>> 0;
}

/**
 * glibc's dev_t (sys/sysmacros.h gnu_dev_major/minor): major in bits 8..19 and 32..43, minor in
 * bits 0..7 and 20..31. Node's Stats.dev is that number (a bigint with {bigint: true}).
 */
export function majorMinorOfUserDev(dev: bigint | number): { major: number; minor: number } {
  const d = BigInt(dev);
  const major = Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn));
  const minor = Number((d & 0xffn) | ((d >> 12n) & ~0xffn & 0xffffffffn));
  return { major, minor };
}

/** stat().dev → the kernel's dev_t, as fdinfo's sdev and dir_key.dev carry it. */
export function kernelDevOfUserDev(dev: bigint | number): number {
  const { major, minor } = majorMinorOfUserDev(dev);
  return kernelDev(major, minor);
}

/** "major:minor" as mountinfo's third field writes it → the kernel's dev_t. */
export function kernelDevOfMajorMinor(text: string): number | undefined {
  const m = /^(\d+):(\d+)$/.exec(text);
  return m ? kernelDev(Number(m[1]), Number(m[2])) : undefined;
}
