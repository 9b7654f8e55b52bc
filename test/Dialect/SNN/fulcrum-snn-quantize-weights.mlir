// RUN: fulcrum-opt %s --split-input-file --fulcrum-snn-quantize-weights="bits=2" | FileCheck %s
// RUN: fulcrum-opt %s --split-input-file --fulcrum-snn-quantize-weights="bits=0" | FileCheck %s --check-prefix=OFF
// RUN: fulcrum-opt %s --split-input-file --fulcrum-snn-quantize-weights="bits=3 remarks=true" 2>&1 | FileCheck %s --check-prefix=REMARK

// With 2 bits there is one level each side of zero: max|w| = 2 is the
// scale, so 0.9 rounds to 0, 1.1 and 2 to 2, -1.5 to -2; the bias is
// rounded to the same scale.
// CHECK-LABEL: func.func @affine
// CHECK: snn.affine %{{.*}} {bias = dense<[0.000000e+00, 2.000000e+00]> : tensor<2xf32>, weight = dense<{{\[\[}}0.000000e+00, 2.000000e+00], [-2.000000e+00, 2.000000e+00]]> : tensor<2x2xf32>}
// OFF-LABEL: func.func @affine
// OFF: weight = dense<{{\[\[}}0.899999976, 1.100000e+00], [-1.500000e+00, 2.000000e+00]]>
// REMARK: remark: weights rounded to 3 bits: scale 6.666667e-01, largest error 1.166667e+01% of the largest weight
func.func @affine(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = snn.affine %x {weight = dense<[[0.9, 1.1], [-1.5, 2.0]]> : tensor<2x2xf32>, bias = dense<[0.4, 1.2]> : tensor<2xf32>} : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// negative_: neurons and pooling keep their parameters.
// CHECK-LABEL: func.func @negative_neurons
// CHECK: v_threshold = dense<1.300000e+00>
func.func @negative_neurons(%x: tensor<2xf32>) -> tensor<2xf32> {
  %0 = snn.if %x {r = dense<1.0> : tensor<1xf32>, v_threshold = dense<1.3> : tensor<1xf32>} : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
