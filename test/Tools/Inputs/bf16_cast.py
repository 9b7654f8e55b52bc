"""bf16-cast.test: `export DIR` writes cast.onnx (Cast float32 -> bfloat16)
and x.npy, values on and around the ties of bfloat16 rounding, with
PyTorch's conversion (round to nearest even) as ref.npy; `compare OUT REF`
checks fulcrum-run's output bit for bit (any NaN for a NaN). A subnormal
input may also become a zero of its sign: AVX512-BF16's conversion
instruction treats subnormal inputs as zero.
"""

import sys

import numpy as np


def export(d):
    import onnx
    import torch
    from onnx import TensorProto, helper

    node = helper.make_node("Cast", ["x"], ["y"], to=TensorProto.BFLOAT16)
    graph = helper.make_graph(
        [node], "cast",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [16])],
        [helper.make_tensor_value_info("y", TensorProto.BFLOAT16, [16])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(model, f"{d}/cast.onnx")
    one = np.float32(1.0)
    ulp = np.float32(2.0 ** -8)  # half a bfloat16 ulp at 1.0
    x = np.array([
        one + ulp,             # tie, even below: 1.0
        one + 3 * ulp,         # tie, even above: 1 + 2^-6
        one + ulp * np.float32(1.0001),  # just above a tie: rounds up
        -(one + ulp),          # negative tie
        -(one + 3 * ulp),
        0.47892547, 0.48033667, 0.49968487, 0.81910545, 0.816468,
        3.3961e38,             # rounds up past the largest finite: inf
        1e-40,                 # subnormal
        0.0, -0.0, np.inf, np.nan], dtype=np.float32)
    np.save(f"{d}/x.npy", x)
    ref = torch.from_numpy(x.copy()).to(torch.bfloat16).view(torch.int16)
    np.save(f"{d}/ref.npy", ref.numpy().view(np.uint16))


def compare(out, ref):
    got, want = np.load(out).view(np.uint16), np.load(ref)
    nan = lambda b: ((b & 0x7F80) == 0x7F80) & ((b & 0x7F) != 0)
    subnormal = (want & 0x7F80) == 0
    flushed = subnormal & (got == (want & 0x8000))
    same = (got == want) | (nan(got) & nan(want)) | flushed
    if not same.all():
        sys.exit(f"differs at {np.nonzero(~same)[0].tolist()}: "
                 f"{got[~same].tolist()} vs PyTorch {want[~same].tolist()}")
    print(f"{len(got)} bfloat16 values match PyTorch bit for bit")


if __name__ == "__main__":
    if sys.argv[1] == "export":
        export(sys.argv[2])
    else:
        compare(sys.argv[2], sys.argv[3])
