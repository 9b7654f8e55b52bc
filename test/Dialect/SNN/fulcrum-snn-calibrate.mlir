// The calibration runs the MLP on 50 test images through the CPU target and
// annotates each Relu with a positive activation scale (its value is
// checked against NumPy in test/Target/NIR/nir-reference.test).
// RUN: fulcrum-translate --import-onnx %fulcrum_src_root/models/mlp.onnx -o %t.mlir
// RUN: fulcrum-opt %t.mlir --fulcrum-snn-calibrate="calibration-data=%fulcrum_src_root/models/data/fashion-mnist-test-1000/images.npy max-samples=50" | FileCheck %s
// Per channel (the default), each Relu also gets one scale per neuron.
// CHECK-LABEL: func.func @main_graph
// CHECK: onnx.Relu(%{{.*}}) {snn.activation_scale = {{[1-9][0-9.e+-]*}} : f32, snn.channel_scales = dense<{{.*}}> : tensor<512xf32>}
// CHECK: onnx.Relu(%{{.*}}) {snn.activation_scale = {{[1-9][0-9.e+-]*}} : f32, snn.channel_scales = dense<{{.*}}> : tensor<256xf32>}
// negative_: the Gemms are not annotated.
// CHECK-NOT: onnx.Gemm{{.*}}snn.activation_scale

// negative_: per-channel=false records the layer's scale only.
// RUN: fulcrum-opt %t.mlir --fulcrum-snn-calibrate="calibration-data=%fulcrum_src_root/models/data/fashion-mnist-test-1000/images.npy max-samples=50 per-channel=false" | FileCheck %s --check-prefix=LAYER
// LAYER: onnx.Relu(%{{.*}}) {snn.activation_scale = {{[1-9][0-9.e+-]*}} : f32} :
// LAYER-NOT: snn.channel_scales

// The convolutional network: one scale per channel, and the MaxPool's gain.
// RUN: fulcrum-translate --import-onnx %fulcrum_src_root/models/cnn.onnx -o %t.cnn.mlir
// RUN: fulcrum-opt %t.cnn.mlir --fulcrum-snn-calibrate="calibration-data=%fulcrum_src_root/models/data/fashion-mnist-test-1000/images.npy max-samples=20" | FileCheck %s --check-prefix=CNN
// CNN: onnx.Relu(%{{.*}}) {snn.activation_scale = {{.*}} : f32, snn.channel_scales = dense<{{.*}}> : tensor<32xf32>}
// CNN: onnx.MaxPool(%{{.*}}) {{.*}}snn.maxpool_gain =
// CNN: onnx.Relu(%{{.*}}) {snn.activation_scale = {{.*}} : f32, snn.channel_scales = dense<{{.*}}> : tensor<128xf32>}

// Errors: no data, a missing file, a bad percentile.
// RUN: not fulcrum-opt %t.mlir --fulcrum-snn-calibrate 2>&1 | FileCheck %s --check-prefix=NODATA
// NODATA: error: the ANN-to-SNN conversion needs calibration data (--calibration-data FILE.npy)
// RUN: not fulcrum-opt %t.mlir --fulcrum-snn-calibrate="calibration-data=%t.missing.npy" 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: {{.*}}missing.npy: {{.*}}
// RUN: not fulcrum-opt %t.mlir --fulcrum-snn-calibrate="calibration-data=x.npy percentile=101" 2>&1 | FileCheck %s --check-prefix=PCT
// PCT: error: the calibration percentile must be in (0, 100], got 1.010000e+02
