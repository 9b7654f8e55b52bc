#!/usr/bin/env python3
"""Feeds corrupted ONNX models to a Fulcrum tool and checks it never crashes.

Usage: onnx-import-mutate.py TOOL MODEL... [--count N] [--seed S]
                             [--compile] [--structured] [--timeout T]
                             [--memory-limit-mb M]

Each case takes one of the MODELs, corrupts it deterministically (flipped
bytes, truncation, a duplicated or removed byte run; with --structured, half
the cases instead change the parsed model: a dimension, an attribute, an
operator type, a node's inputs, a node's place, an element type, an opset,
an initializer's data) and imports it with `TOOL --import-onnx` (fulcrum-
translate), or with --compile compiles it to a shared library with `TOOL
mutant.onnx -o mutant.so` (fulcrum-compile). Every run must end with exit
code 0, or with an exit code 1..127 and an `error:` line, within --timeout
seconds (60) and --memory-limit-mb of address space (8192); a signal or exit >= 128 (a crash or an assertion) is a crash,
a rejection without `error:` is unclear, a run past the timeout is a hang.
Prints `cases N, imported I, rejected R, crashed C` (with --compile:
`compiled` for `imported`, and `, hung H, unclear U`). Failing cases are
kept next to the temporary directory and named in the output.
"""
import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile


def mutate_bytes(data, rng):
    data = bytearray(data)
    kind = rng.randrange(4)
    if kind == 0:  # flip a few bytes
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(data))
            data[i] = rng.randrange(256)
    elif kind == 1:  # truncate
        data = data[:rng.randrange(1, len(data))]
    elif kind == 2:  # duplicate a run
        i = rng.randrange(len(data))
        j = min(len(data), i + rng.randint(1, 64))
        data[i:i] = data[i:j]
    else:  # remove a run
        i = rng.randrange(len(data))
        del data[i:i + rng.randint(1, 16)]
    return bytes(data)


ODD = [0, 1, -1, 2, 3, 7, 1 << 16, 1 << 31, 1 << 40, 2**63 - 1]
OPS = ["Add", "Relu", "Conv", "Gemm", "Reshape", "Concat", "If", "Gather",
       "Identity", "Expand", "Slice", "Resize", "Transpose", "NoSuchOp"]


def mutate_model(data, rng):
    """One change of the parsed model, or None if it does not parse."""
    import onnx
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except Exception:
        return None
    g = model.graph
    kind = rng.randrange(8)
    if kind == 0 and len(g.node):  # an operator type
        rng.choice(g.node).op_type = rng.choice(OPS)
    elif kind == 1 and len(g.node):  # an input from elsewhere
        node, other = rng.choice(g.node), rng.choice(g.node)
        if len(node.input) and len(other.output):
            node.input[rng.randrange(len(node.input))] = rng.choice(other.output)
    elif kind == 2 and len(g.node) > 1:  # a node's place: uses before defs
        i, j = rng.randrange(len(g.node)), rng.randrange(len(g.node))
        a, b = onnx.NodeProto(), onnx.NodeProto()
        a.CopyFrom(g.node[i])
        b.CopyFrom(g.node[j])
        g.node[i].CopyFrom(b)
        g.node[j].CopyFrom(a)
    elif kind == 3 and len(g.node):  # an attribute's value
        attrs = [a for n in g.node for a in n.attribute]
        if attrs:
            a = rng.choice(attrs)
            if len(a.ints):
                a.ints[rng.randrange(len(a.ints))] = rng.choice(ODD)
            elif a.type == onnx.AttributeProto.INT:
                a.i = rng.choice(ODD)
            elif a.type == onnx.AttributeProto.FLOAT:
                a.f = rng.choice([0.0, -1.0, 1e30, float("nan")])
    elif kind == 4:  # a dimension or element type of an input or output
        values = list(g.input) + list(g.output)
        if values:
            t = rng.choice(values).type.tensor_type
            if len(t.shape.dim) and rng.randrange(2):
                t.shape.dim[rng.randrange(len(t.shape.dim))].dim_value = \
                    rng.choice(ODD[:9])
            else:
                t.elem_type = rng.randrange(1, 17)
    elif kind == 5 and len(g.initializer):  # an initializer's data or shape
        t = rng.choice(g.initializer)
        if len(t.dims) and rng.randrange(2):
            t.dims[rng.randrange(len(t.dims))] = rng.choice(ODD[:9])
        elif t.raw_data:
            t.raw_data = t.raw_data[:rng.randrange(len(t.raw_data))]
    elif kind == 6 and len(model.opset_import):  # an opset
        model.opset_import[0].version = rng.choice([1, 7, 9, 11, 13, 18, 99])
    elif len(g.node):  # a node removed
        del g.node[rng.randrange(len(g.node))]
    return model.SerializeToString()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("models", nargs="+")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--compile", action="store_true",
                    help="compile each case to a .so with fulcrum-compile")
    ap.add_argument("--structured", action="store_true",
                    help="also mutate the parsed models (needs python3-onnx)")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--memory-limit-mb", type=int, default=8192,
                    help="address-space limit of each run (exceeding it is "
                    "a crash: compile-time memory must stay bounded); 0, or "
                    "FULCRUM_SANITIZED=1 in the environment (AddressSanitizer "
                    "reserves terabytes of address space), sets none")
    args = ap.parse_args()
    if os.environ.get("FULCRUM_SANITIZED") == "1":
        args.memory_limit_mb = 0

    def limit():
        if args.memory_limit_mb:
            size = args.memory_limit_mb << 20
            resource.setrlimit(resource.RLIMIT_AS, (size, size))
    rng = random.Random(args.seed)
    sources = [open(m, "rb").read() for m in args.models]
    imported = rejected = 0
    crashed, hung, unclear = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "mutant.onnx")
        for case in range(args.count):
            source = rng.choice(sources)
            data = None
            if args.structured and rng.randrange(2):
                data = mutate_model(source, rng)
            if data is None:
                data = mutate_bytes(source, rng)
            with open(path, "wb") as f:
                f.write(data)
            if args.compile:
                cmd = [args.tool, path, "-o", os.path.join(tmp, "mutant.so")]
            else:
                cmd = [args.tool, "--import-onnx", path, "-o", os.devnull]
            keep = os.path.join(tmp, "..", f"fulcrum-mutant-{args.seed}-{case}.onnx")
            try:
                p = subprocess.run(cmd, capture_output=True, text=True,
                                   errors="replace", timeout=args.timeout,
                                   preexec_fn=limit)
            except subprocess.TimeoutExpired:
                os.replace(path, keep)
                hung.append(f"case {case}: over {args.timeout:g} s, kept "
                            f"{os.path.abspath(keep)}")
                continue
            if p.returncode == 0:
                imported += 1
            elif 0 < p.returncode < 128 and "error:" in p.stderr:
                rejected += 1
            else:
                os.replace(path, keep)
                what = crashed if not 0 < p.returncode < 128 else unclear
                what.append(f"case {case}: exit {p.returncode}, kept "
                            f"{os.path.abspath(keep)}: {p.stderr[-300:]}")
    for c in crashed:
        print("CRASHED", c)
    for c in hung:
        print("HUNG", c)
    for c in unclear:
        print("UNCLEAR", c)
    if args.compile:
        print(f"cases {args.count}, compiled {imported}, rejected {rejected}, "
              f"crashed {len(crashed)}, hung {len(hung)}, unclear {len(unclear)}")
    else:
        print(f"cases {args.count}, imported {imported}, rejected {rejected}, "
              f"crashed {len(crashed)}")
    return 1 if crashed or hung or unclear else 0


if __name__ == "__main__":
    sys.exit(main())
