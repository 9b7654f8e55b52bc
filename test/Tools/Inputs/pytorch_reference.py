"""Shared by the PyTorch comparison tests (recurrent_pytorch.py,
scripted_pytorch.py): `main(export, outputs)` runs `export DIR` or
`compare OUT REF`, which checks the .npy files fulcrum-run wrote to OUT
against the arrays PyTorch saved in REF within 1e-5 relative (atol 1e-6).
"""

import sys

import numpy as np


def compare(out, ref, outputs):
    refs = np.load(ref)
    for k in outputs:
        got, want = np.load(f"{out}/{k}.npy"), refs[k]
        if got.shape != want.shape:
            sys.exit(f"{k}: shape {got.shape}, PyTorch {want.shape}")
        if not np.allclose(got, want, rtol=1e-5, atol=1e-6):
            err = np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-3))
            sys.exit(f"{k}: largest relative difference {err:.3g}")
    print(f"{ref}: {len(outputs)} outputs match PyTorch")


def main(export, outputs):
    if sys.argv[1] == "export":
        export(sys.argv[2])
    else:
        compare(sys.argv[2], sys.argv[3], outputs)
