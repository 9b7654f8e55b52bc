"""Says what device code an nvptx shared library embeds.

Usage: device_code.py LIB.so
Prints `fatbin: yes, cubin sm_NN: yes` when it holds a fatbin (magic
0xBA55ED50) with an ELF cubin for sm_NN (the ELF header's e_flags carry
the SM version), else `fatbin: no, ptx: yes|no` (PTX text: `.version`).
"""
import struct
import sys

data = open(sys.argv[1], "rb").read()
at = data.find(struct.pack("<I", 0xBA55ED50))
if at < 0:
    print("fatbin: no, ptx:", "yes" if b".version" in data else "no")
    sys.exit(0)
# The cubin inside: an ELF64 image with machine EM_CUDA (190).
elf = data.find(b"\x7fELF\x02\x01", at)
machine = struct.unpack_from("<H", data, elf + 18)[0] if elf >= 0 else 0
flags = struct.unpack_from("<I", data, elf + 48)[0] if elf >= 0 else 0
# e_flags: the SM version in bits 8-15 (ABI v8+: sm = (flags >> 8) & 0xff).
sm = (flags >> 8) & 0xFF if machine == 190 else 0
print("fatbin: yes, cubin sm_%d: %s" % (sm, "yes" if sm else "no"))
