"""Writes malformed .npy, .npz and .pb tensor files into DIR.

Usage: make_bad_tensors.py DIR
Each is small but states something absurd: negative or overflowing
dimensions, a deflated member that claims 4 GiB, ZIP offsets near 2^64.
"""
import os
import struct
import sys
import zlib

from onnx import TensorProto

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def npy(shape_text, data):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % shape_text
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return (b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) +
            header.encode() + data)


def write(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


# 4 elements as (-1, -4), and 2^62 x 4 (whose byte count wraps to 0).
write("negative.npy", npy("-1, -4", b"\0" * 16))
write("overflow.npy", npy("4611686018427387904, 4", b""))
write("huge.npy", npy("1099511627776, 2", b""))


def zip_one(name, payload, method, size, crc, local_offset=0, cd_offset=None):
    local = struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, method, 0, 0, crc,
                        len(payload), size, len(name), 0) + name + payload
    cd = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, method, 0, 0,
                     crc, len(payload), size, len(name), 0, 0, 0, 0, 0,
                     local_offset) + name
    start = len(local) if cd_offset is None else cd_offset
    eocd = struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 1, 1, len(cd), start, 0)
    return local + cd + eocd


x = npy("2,", b"\0" * 8)
# A deflated member that claims 4 GiB - 1 bytes.
packed = zlib.compressobj(9, zlib.DEFLATED, -15)
stream = packed.compress(x) + packed.flush()
write("bomb.npz", zip_one(b"x.npy", stream, 8, 0xFFFFFFFE, zlib.crc32(x)))
# A local header offset near 4 GiB and a central directory past the end.
write("offset.npz", zip_one(b"x.npy", x, 0, len(x), zlib.crc32(x),
                            local_offset=0xFFFFFFF0))
write("directory.npz", zip_one(b"x.npy", x, 0, len(x), zlib.crc32(x),
                               cd_offset=0xFFFFFFF0))
# A ZIP64 locator whose record offset is near 2^64.
z = zip_one(b"x.npy", x, 0, len(x), zlib.crc32(x))
eocd = z[-22:]
eocd = eocd[:16] + struct.pack("<I", 0xFFFFFFFF) + eocd[20:]
locator = struct.pack("<IIQI", 0x07064b50, 0, 2**64 - 8, 1)
write("zip64.npz", z[:-22] + locator + eocd)

t = TensorProto(data_type=TensorProto.FLOAT, dims=[-1, -4], raw_data=b"\0" * 16)
write("negative.pb", t.SerializeToString())
t = TensorProto(data_type=TensorProto.FLOAT, dims=[2**62, 4], raw_data=b"")
write("overflow.pb", t.SerializeToString())
