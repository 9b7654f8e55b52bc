"""Checks a headless-Chromium screenshot of a search's report.html.

    check_screenshot.py SHOT.png WIDTH HEIGHT

Decodes the PNG (8-bit RGB or RGBA, not interlaced; what Chromium writes)
with zlib alone, and prints its size and how many pixels have the report's
colours: the chosen point (#2e7d32), the frontier (#1565c0), the budget line
(#cc0000) and the plot's background (#fafafa). A blank or failed render has
none of them.
"""
import struct
import sys
import zlib


def decode(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            w, h, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0, (depth, color)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def main():
    path, width, height = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    w, h, bpp, rows = decode(path)
    print(f"size {w}x{h}", "as asked" if (w, h) == (width, height) else "NOT as asked")
    colours = {"chosen": (0x2E, 0x7D, 0x32), "frontier": (0x15, 0x65, 0xC0),
               "budget": (0xCC, 0x00, 0x00), "plot": (0xFA, 0xFA, 0xFA)}
    counts = dict.fromkeys(colours, 0)
    for line in rows:
        for x in range(0, len(line), bpp):
            rgb = tuple(line[x:x + 3])
            for name, c in colours.items():
                if all(abs(p - q) <= 2 for p, q in zip(rgb, c)):
                    counts[name] += 1
    for name, n in counts.items():
        print(f"{name}: {'drawn' if n >= 20 else 'MISSING'} ({n} pixels)")


if __name__ == "__main__":
    main()
