"""Saves an ONNX model again with its initializers in an external-data file
next to it: external_data.py IN.onnx OUT.onnx DATA_NAME."""
import sys

import onnx

model = onnx.load(sys.argv[1])
onnx.save_model(model, sys.argv[2], save_as_external_data=True,
                all_tensors_to_one_file=True, location=sys.argv[3],
                size_threshold=0)
