// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --split-input-file | FileCheck %s

// The random operators: one generic per draw, a counter-based hash
// (splitmix64) of the seed and the element's position; no state.

// Pattern: RandomUniformLowering<RandomUniformOp>
// CHECK-LABEL: func @random_uniform
// CHECK: linalg.generic
// CHECK: linalg.index 0
// CHECK: arith.constant -7046029254386353131 : i64
// CHECK: arith.shrui
// CHECK: arith.uitofp
// CHECK: arith.constant -2.000000e+00 : f32
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @random_uniform() -> tensor<3x4xf32> {
  %0 = onnx.RandomUniform() {low = -2.0 : f32, high = 3.0 : f32, shape = array<i64: 3, 4>} : () -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// Sized like its input, dynamic sizes included; the seed changes the
// hash's offset; f64 results are drawn in f32 and widened.
// Pattern: RandomUniformLowering<RandomUniformLikeOp>
// CHECK-LABEL: func @random_uniform_like
// CHECK: %[[D:.*]] = tensor.dim %arg0
// CHECK: tensor.empty(%[[D]]) : tensor<?x4xf64>
// CHECK: linalg.generic
// CHECK: arith.constant 4354685564936845354 : i64
// CHECK: arith.extf %{{.*}} : f32 to f64
func.func @random_uniform_like(%x: tensor<?x4xf32>) -> tensor<?x4xf64> {
  %0 = onnx.RandomUniformLike(%x) {dtype = 11 : i64, seed = 1.0 : f32} : (tensor<?x4xf32>) -> tensor<?x4xf64>
  return %0 : tensor<?x4xf64>
}

// -----

// Box-Muller of two uniforms.
// Pattern: RandomNormalLowering<RandomNormalOp>
// CHECK-LABEL: func @random_normal
// CHECK: linalg.generic
// CHECK: math.log
// CHECK: math.sqrt
// CHECK: math.cos
func.func @random_normal() -> tensor<8xf32> {
  %0 = onnx.RandomNormal() {mean = 1.0 : f32, scale = 2.0 : f32, shape = array<i64: 8>} : () -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// Pattern: RandomNormalLowering<RandomNormalLikeOp>
// CHECK-LABEL: func @random_normal_like
// CHECK: linalg.generic
// CHECK: math.cos
func.func @random_normal_like(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = onnx.RandomNormalLike(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// 1 where u < p, in the result's type.
// Pattern: BernoulliLowering
// CHECK-LABEL: func @bernoulli
// CHECK: linalg.generic {{.*}} ins(%arg0 : tensor<5xf32>)
// CHECK: arith.cmpf olt
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : i32
func.func @bernoulli(%p: tensor<5xf32>) -> tensor<5xi32> {
  %0 = onnx.Bernoulli(%p) {dtype = 6 : i64} : (tensor<5xf32>) -> tensor<5xi32>
  return %0 : tensor<5xi32>
}

// -----

// Row maxima, the cumulative weights, then per sample the count of classes
// below u times the row's total.
// Pattern: MultinomialLowering
// CHECK-LABEL: func @multinomial
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.cmpi ule
// CHECK: tensor.extract
// CHECK: arith.cmpf olt
// CHECK: arith.addi {{.*}} : i64
func.func @multinomial(%x: tensor<2x4xf32>) -> tensor<2x7xi64> {
  %0 = onnx.Multinomial(%x) {dtype = 7 : i64, sample_size = 7 : i64} : (tensor<2x4xf32>) -> tensor<2x7xi64>
  return %0 : tensor<2x7xi64>
}
