// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --canonicalize --split-input-file | FileCheck %s

// GridSample, DFT and STFT: a generic over the output whose body computes
// one element (interpolation taps; an scf loop summing twiddled samples in
// f64). Numerics are checked against the ONNX backend data (gridsample_*,
// dft*, stft*) by test/Conformance.

// Pattern: GridSampleLowering
// Bilinear, zeros padding, align_corners 0: x = ((g + 1) * 4 - 1) / 2, four
// taps read at clamped indices and zeroed outside [0, 4).
// CHECK-LABEL: func @gridsample_bilinear
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<1x1x4x4xf32>, %[[G:[a-z0-9_]+]]: tensor<1x6x6x2xf32>)
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : i64
// CHECK-DAG: %[[FOUR:.*]] = arith.constant 4.000000e+00 : f32
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x1x6x6xf32>)
// CHECK: %[[N:.*]] = linalg.index 0
// CHECK: %[[C:.*]] = linalg.index 1
// CHECK: %[[GX:.*]] = tensor.extract %[[G]][%[[N]], %{{.*}}, %{{.*}}, %c0]
// CHECK: %[[P1:.*]] = arith.addf %[[GX]], %{{.*}}
// CHECK: arith.mulf %[[P1]], %[[FOUR]]
// CHECK: math.floor
// CHECK: arith.fptosi
// CHECK: arith.cmpi slt, %{{.*}}, %[[C4]]
// CHECK-COUNT-4: tensor.extract %[[X]][%[[N]], %[[C]], %{{.*}}, %{{.*}}]
// CHECK-NOT: tensor.extract %[[X]]
// CHECK: linalg.yield
func.func @gridsample_bilinear(%x: tensor<1x1x4x4xf32>, %g: tensor<1x6x6x2xf32>) -> tensor<1x1x6x6xf32> {
  %0 = onnx.GridSample(%x, %g) : (tensor<1x1x4x4xf32>, tensor<1x6x6x2xf32>) -> tensor<1x1x6x6xf32>
  return %0 : tensor<1x1x6x6xf32>
}

// -----

// Reflection padding with align_corners: the coordinate is reflected
// (fmod by the span 3 = W - 1, flips counted) and clamped to [0, 3].
// CHECK-LABEL: func @gridsample_reflection
// CHECK-DAG: %[[THREE:.*]] = arith.constant 3.000000e+00 : f32
// CHECK: math.absf
// CHECK: arith.remf %{{.*}}, %[[THREE]]
// CHECK: math.floor
// CHECK: arith.select
// CHECK: arith.maximumf
// CHECK: arith.minimumf %{{.*}}, %[[THREE]]
func.func @gridsample_reflection(%x: tensor<1x1x4x4xf32>, %g: tensor<1x6x6x2xf32>) -> tensor<1x1x6x6xf32> {
  %0 = onnx.GridSample(%x, %g) {align_corners = 1 : i64, padding_mode = "reflection"} : (tensor<1x1x4x4xf32>, tensor<1x6x6x2xf32>) -> tensor<1x1x6x6xf32>
  return %0 : tensor<1x1x6x6xf32>
}

// -----

// Nearest rounds half to even and reads one tap; border padding clamps.
// CHECK-LABEL: func @gridsample_nearest
// CHECK: arith.minimumf
// CHECK: math.roundeven
// CHECK: math.roundeven
// CHECK-COUNT-1: tensor.extract %arg0
// CHECK-NOT: tensor.extract %arg0
func.func @gridsample_nearest(%x: tensor<1x1x3x2xf32>, %g: tensor<1x2x4x2xf32>) -> tensor<1x1x2x4xf32> {
  %0 = onnx.GridSample(%x, %g) {mode = "nearest", padding_mode = "border"} : (tensor<1x1x3x2xf32>, tensor<1x2x4x2xf32>) -> tensor<1x1x2x4xf32>
  return %0 : tensor<1x1x2x4xf32>
}

// -----

// Bicubic: 16 taps weighted by the cubic convolution (A = -0.75: the
// constants A + 2 = 1.25, A + 3 = 2.25, 5A, 8A, 4A).
// CHECK-LABEL: func @gridsample_bicubic
// CHECK-DAG: arith.constant 1.250000e+00 : f32
// CHECK-DAG: arith.constant 2.250000e+00 : f32
// CHECK-DAG: arith.constant -3.750000e+00 : f32
// CHECK-DAG: arith.constant -6.000000e+00 : f32
// CHECK-COUNT-16: tensor.extract %arg0
// CHECK-NOT: tensor.extract %arg0
func.func @gridsample_bicubic(%x: tensor<1x1x3x2xf32>, %g: tensor<1x2x4x2xf32>) -> tensor<1x1x2x4xf32> {
  %0 = onnx.GridSample(%x, %g) {mode = "bicubic"} : (tensor<1x1x3x2xf32>, tensor<1x2x4x2xf32>) -> tensor<1x1x2x4xf32>
  return %0 : tensor<1x1x2x4xf32>
}

// -----

// Dynamic batch and output size: read from X and the grid.
// CHECK-LABEL: func @gridsample_dynamic
// CHECK-DAG: %[[N:.*]] = tensor.dim %arg0, %c0
// CHECK-DAG: %[[H:.*]] = tensor.dim %arg1, %c1
// CHECK-DAG: %[[W:.*]] = tensor.dim %arg1, %c2
// CHECK: tensor.empty(%[[N]], %[[H]], %[[W]]) : tensor<?x3x?x?xf32>
func.func @gridsample_dynamic(%x: tensor<?x3x8x8xf32>, %g: tensor<?x?x?x2xf32>) -> tensor<?x3x?x?xf32> {
  %0 = onnx.GridSample(%x, %g) : (tensor<?x3x8x8xf32>, tensor<?x?x?x2xf32>) -> tensor<?x3x?x?xf32>
  return %0 : tensor<?x3x?x?xf32>
}

// -----

// Pattern: DFTLowering
// A real signal along axis 1: per output element, an scf loop over the 10
// samples with the angle 2 pi ((k n) mod 10) / 10 in f64; the real or the
// imaginary sum by the last index, truncated to f32.
// CHECK-LABEL: func @dft
// CHECK-DAG: %[[TEN:.*]] = arith.constant 1.000000e+01 : f64
// CHECK-DAG: %[[TWOPI:.*]] = arith.constant 6.2831853071795862 : f64
// CHECK-DAG: %[[C10:.*]] = arith.constant 10 : index
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x10x10x2xf32>)
// CHECK: %[[K:.*]] = linalg.index 1
// CHECK: %[[PART:.*]] = linalg.index 3
// CHECK: %[[SUM:.*]]:2 = scf.for %[[NI:.*]] = %c0 to %[[C10]] step %c1 iter_args({{.*}}) -> (f64, f64)
// CHECK: %[[KN:.*]] = arith.muli %[[K]], %[[NI]]
// CHECK: %[[M:.*]] = arith.remui %[[KN]], %[[C10]]
// CHECK: arith.mulf %{{.*}}, %[[TWOPI]]
// CHECK: math.cos %{{.*}} : f64
// CHECK: math.sin %{{.*}} : f64
// CHECK: arith.negf
// CHECK: tensor.extract %arg0[%{{.*}}, %[[NI]], %{{.*}}, %c0]
// CHECK: arith.extf
// CHECK: %[[RE:.*]] = arith.cmpi eq, %[[PART]], %c0
// CHECK: %[[V:.*]] = arith.select %[[RE]], %[[SUM]]#0, %[[SUM]]#1
// CHECK: arith.truncf %[[V]] : f64 to f32
func.func @dft(%x: tensor<1x10x10x1xf32>) -> tensor<1x10x10x2xf32> {
  %none = onnx.NoValue
  %0 = onnx.DFT(%x, %none) {axis = 1 : i64} : (tensor<1x10x10x1xf32>, none) -> tensor<1x10x10x2xf32>
  return %0 : tensor<1x10x10x2xf32>
}

// -----

// Inverse of a complex signal: both parts read, the sine not negated, the
// sum divided by the length.
// CHECK-LABEL: func @dft_inverse
// CHECK: scf.for
// CHECK-NOT: arith.negf
// CHECK: tensor.extract %arg0[{{.*}}, %c0]
// CHECK: tensor.extract %arg0[{{.*}}, %c1]
// CHECK: scf.yield
// CHECK: arith.divf %{{.*}}, %{{.*}} : f64
func.func @dft_inverse(%x: tensor<1x10x10x2xf32>) -> tensor<1x10x10x2xf32> {
  %none = onnx.NoValue
  %0 = onnx.DFT(%x, %none) {axis = 1 : i64, inverse = 1 : i64} : (tensor<1x10x10x2xf32>, none) -> tensor<1x10x10x2xf32>
  return %0 : tensor<1x10x10x2xf32>
}

// -----

// dft_length at run time, one-sided with a dynamic output length: the
// length is read from the operand; the output has length / 2 + 1 bins and
// the loop runs over min(size, length) samples.
// CHECK-LABEL: func @dft_length_onesided
// CHECK: %[[L:.*]] = tensor.extract %arg1[]
// CHECK: %[[LI:.*]] = arith.index_cast %[[L]]
// CHECK: %[[HALF:.*]] = arith.divui %[[LI]], %c2
// CHECK: %[[BINS:.*]] = arith.addi %[[HALF]], %c1
// CHECK: %[[COUNT:.*]] = arith.minui %[[LI]], %c16
// CHECK: tensor.empty(%[[BINS]]) : tensor<2x?x2xf32>
// CHECK: scf.for %{{.*}} = %c0 to %[[COUNT]]
func.func @dft_length_onesided(%x: tensor<2x16x1xf32>, %n: tensor<i64>) -> tensor<2x?x2xf32> {
  %0 = onnx.DFT(%x, %n) {onesided = 1 : i64} : (tensor<2x16x1xf32>, tensor<i64>) -> tensor<2x?x2xf32>
  return %0 : tensor<2x?x2xf32>
}

// -----

// Pattern: STFTLowering
// Frames start at f * step; each sample is multiplied by the window; the
// frame length is the window's.
// CHECK-LABEL: func @stft_window
// CHECK: %[[STEP:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x15x9x2xf32>)
// CHECK: %[[F:.*]] = linalg.index 1
// CHECK: %[[START:.*]] = arith.muli %[[F]], %[[STEP]]
// CHECK: scf.for %[[NI:.*]] = %c0 to %c16
// CHECK: %[[AT:.*]] = arith.addi %[[START]], %[[NI]]
// CHECK: tensor.extract %arg0[%{{.*}}, %[[AT]], %c0]
// CHECK: %[[W:.*]] = tensor.extract %arg2[%[[NI]]]
// CHECK: %[[WD:.*]] = arith.extf %[[W]]
// CHECK: arith.mulf %{{.*}}, %[[WD]]
func.func @stft_window(%s: tensor<1x128x1xf32>, %step: tensor<i64>, %w: tensor<16xf32>) -> tensor<1x15x9x2xf32> {
  %none = onnx.NoValue
  %0 = onnx.STFT(%s, %step, %w, %none) : (tensor<1x128x1xf32>, tensor<i64>, tensor<16xf32>, none) -> tensor<1x15x9x2xf32>
  return %0 : tensor<1x15x9x2xf32>
}

// -----

// Dynamic frames and bins from frame_length at run time:
// (128 - length) / step + 1 frames, length / 2 + 1 bins.
// CHECK-LABEL: func @stft_dynamic
// CHECK: %[[STEP:.*]] = arith.index_cast
// CHECK: %[[L:.*]] = arith.index_cast
// CHECK: %[[SPAN:.*]] = arith.subi %c128, %[[L]]
// CHECK: %[[Q:.*]] = arith.divui %[[SPAN]], %[[STEP]]
// CHECK: %[[FRAMES:.*]] = arith.addi %[[Q]], %c1
// CHECK: %[[HALF:.*]] = arith.divui %[[L]], %c2
// CHECK: %[[BINS:.*]] = arith.addi %[[HALF]], %c1
// CHECK: tensor.empty(%[[FRAMES]], %[[BINS]]) : tensor<1x?x?x2xf32>
func.func @stft_dynamic(%s: tensor<1x128x1xf32>, %step: tensor<i64>, %n: tensor<i64>) -> tensor<1x?x?x2xf32> {
  %none = onnx.NoValue
  %0 = onnx.STFT(%s, %step, %none, %n) : (tensor<1x128x1xf32>, tensor<i64>, none, tensor<i64>) -> tensor<1x?x?x2xf32>
  return %0 : tensor<1x?x?x2xf32>
}
