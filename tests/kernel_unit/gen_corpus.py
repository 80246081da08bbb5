#!/usr/bin/env python3
"""Writes the small seed corpus for fuzz_elf (tests/kernel_unit/corpus/).
Each seed is a hand-built ELF64 image of a few hundred bytes: a valid static
executable and a handful of near-misses that stop at different checks."""
import os, struct, sys

def ehdr(entry, phnum, phoff=64, etype=2, machine=62, cls=2, data=1):
    ident = b'\x7fELF' + bytes([cls, data, 1]) + bytes(9)
    return ident + struct.pack('<HHIQQQIHHHHHH', etype, machine, 1, entry, phoff, 0, 0, 64, 56, phnum, 0, 0, 0)

def phdr(ptype, flags, off, vaddr, filesz, memsz, align=0x1000):
    return struct.pack('<IIQQQQQQ', ptype, flags, off, vaddr, vaddr, filesz, memsz, align)

def image(entry, phs, size=0x300, **kw):
    b = bytearray(ehdr(entry, len(phs), **kw) + b''.join(phs))
    b += bytes(max(0, size - len(b)))
    return bytes(b)

# Text and headers in one RX segment at 0x400000 (file offset 0), bss after.
text = phdr(1, 5, 0, 0x400000, 0x300, 0x300)
bss = phdr(1, 6, 0x200, 0x401200, 0x100, 0x1000)
seeds = {
    'valid_min': image(0x400100, [text]),
    'valid_bss': image(0x400100, [text, bss]),
    'valid_phdr': image(0x400100, [phdr(6, 4, 64, 0x400040, 112, 112, 8), text]),
    'bad_interp': image(0x400100, [phdr(3, 4, 0x200, 0, 0x10, 0x10, 1), text]),
    'bad_overlap': image(0x400100, [text, phdr(1, 6, 0x200, 0x400200, 0x10, 0x10)]),
    'bad_entry': image(0x500000, [text]),
    'bad_filesz': image(0x400100, [phdr(1, 5, 0, 0x400000, 0xffffffffffffffff, 0xffffffffffffffff)]),
    'bad_range': image(0x100, [phdr(1, 5, 0, 0x0, 0x300, 0x300)]),
    'bad_dyn': image(0x400100, [text], etype=3),
    'bad_class': image(0x400100, [text], cls=1),
    'bad_phoff': image(0x400100, [text], phoff=0xffffffffffffffc8),
    'truncated': image(0x400100, [text])[:100],
}
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus')
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)
