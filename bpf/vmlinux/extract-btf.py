#!/usr/bin/env python3
"""Cut the kernel's raw BTF blob (.BTF) out of a kernel image (vmlinux, an uncompressed/gzip arm64 Image, or an xz/zstd bzImage).

The BTF header is: magic 0xeB9F (LE), version 1, flags 0, hdr_len 24, then type_off/type_len/str_off/str_len.
usage: extract-btf.py <image> <out.btf>
"""
import gzip
import lzma
import struct
import subprocess
import sys

data = open(sys.argv[1], 'rb').read()
if data[:2] == b'\x1f\x8b':
    data = gzip.decompress(data)
elif data[0x202:0x206] == b'HdrS':
    # x86 bzImage: the kernel is an xz (up to 6.x) or zstd (7.x) stream inside the setup/decompressor image
    xz, zst = data.find(b'\xfd7zXZ\x00'), data.find(b'\x28\xb5\x2f\xfd')
    if xz >= 0:
        data = lzma.LZMADecompressor().decompress(data[xz:])
    elif zst >= 0:
        # the zstd CLI (apt-get install zstd) stops at the frame's end and ignores what follows
        data = subprocess.run(['zstd', '-qdc'], input=data[zst:], capture_output=True).stdout
    else:
        sys.exit('bzImage without an xz or zstd payload: decompress it first (scripts/extract-vmlinux)')
pos = 0
while True:
    pos = data.find(b'\x9f\xeb\x01\x00\x18\x00\x00\x00', pos)
    if pos < 0:
        sys.exit('no BTF header found in ' + sys.argv[1])
    type_off, type_len, str_off, str_len = struct.unpack_from('<4I', data, pos + 8)
    end = pos + 24 + str_off + str_len
    # the vmlinux BTF has tens of thousands of types; skip stray magic bytes
    if type_off == 0 and str_off == type_len and type_len > 1 << 20 and end <= len(data):
        open(sys.argv[2], 'wb').write(data[pos:end])
        print(f'BTF at offset {pos:#x}: {type_len} bytes of types, {str_len} bytes of strings')
        break
    pos += 1
