// RUN: fulcrum-opt %s --fulcrum-onnx-fold-shape-computations --split-input-file | FileCheck %s

// torch.onnx's reshape of attention heads: Shape -> Gather -> Div ->
// Unsqueeze -> Concat. The static elements become constants; the element
// that depends on the dynamic batch keeps its computation.
// CHECK-LABEL: func @heads
func.func @heads(%x: tensor<?x50x192xf32>) -> tensor<4xi64> {
  %s = onnx.Shape(%x) : (tensor<?x50x192xf32>) -> tensor<3xi64>
  %c0 = onnx.Constant() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %c2 = onnx.Constant() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
  %c12 = onnx.Constant() {value = dense<12> : tensor<i64>} : () -> tensor<i64>
  %axes = onnx.Constant() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %c34 = onnx.Constant() {value = dense<[3, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  // CHECK: %[[B:.*]] = onnx.Gather
  %b = onnx.Gather(%s, %c0) : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  // CHECK-NOT: onnx.Div
  %d = onnx.Gather(%s, %c2) : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %h = onnx.Div(%d, %c12) : (tensor<i64>, tensor<i64>) -> tensor<i64>
  // CHECK: %[[BU:.*]] = onnx.Unsqueeze(%[[B]]
  %bu = onnx.Unsqueeze(%b, %axes) : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  // CHECK: %[[HU:.*]] = onnx.Constant() {value = dense<16> : tensor<1xi64>}
  %hu = onnx.Unsqueeze(%h, %axes) : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  // CHECK: onnx.Concat(%[[BU]], %{{.*}}, %[[HU]])
  %shape = onnx.Concat(%bu, %c34, %hu) {axis = 0 : i64} : (tensor<1xi64>, tensor<2xi64>, tensor<1xi64>) -> tensor<4xi64>
  return %shape : tensor<4xi64>
}

// -----

// Expand's target as exported for `expand(-1, ...)`: Where(Equal(s, -1), 1, s).
// CHECK-LABEL: func @expand_target
// CHECK: %[[C:.*]] = onnx.Constant() {value = dense<[4, 1, 1]> : tensor<3xi64>}
// CHECK-NOT: onnx.Where
// CHECK: onnx.Expand(%{{.*}}, %[[C]])
func.func @expand_target(%cls: tensor<1x1x64xf32>) -> tensor<*xf32> {
  %s = onnx.Constant() {value = dense<[4, -1, -1]> : tensor<3xi64>} : () -> tensor<3xi64>
  %m1 = onnx.Constant() {value = dense<-1> : tensor<i64>} : () -> tensor<i64>
  %one = onnx.Constant() {value = dense<1> : tensor<3xi64>} : () -> tensor<3xi64>
  %eq = onnx.Equal(%s, %m1) : (tensor<3xi64>, tensor<i64>) -> tensor<3xi1>
  %t = onnx.Where(%eq, %one, %s) : (tensor<3xi1>, tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  %e = onnx.Expand(%cls, %t) : (tensor<1x1x64xf32>, tensor<3xi64>) -> tensor<*xf32>
  return %e : tensor<*xf32>
}

// -----

// Slices and casts of static dimensions fold; float values do not.
// CHECK-LABEL: func @slice_cast
// CHECK: onnx.Constant() {value = dense<[1, 28, 28]> : tensor<3xi32>}
func.func @slice_cast(%x: tensor<?x1x28x28xf32>) -> tensor<3xi32> {
  %s = onnx.Shape(%x) : (tensor<?x1x28x28xf32>) -> tensor<4xi64>
  %st = onnx.Constant() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %en = onnx.Constant() {value = dense<4> : tensor<1xi64>} : () -> tensor<1xi64>
  %none = onnx.NoValue
  %hw = onnx.Slice(%s, %st, %en, %none, %none) : (tensor<4xi64>, tensor<1xi64>, tensor<1xi64>, none, none) -> tensor<3xi64>
  %c = onnx.Cast(%hw) {to = 6 : i64} : (tensor<3xi64>) -> tensor<3xi32>
  return %c : tensor<3xi32>
}

// -----

// A negative step clamps the start into [0, n-1] (ONNX Slice rules, shared
// with Slice's shape inference): the element at index 0 is taken.
// CHECK-LABEL: func @slice_negative_step
// CHECK: onnx.Constant() {value = dense<5> : tensor<1xi64>}
// CHECK-NOT: onnx.Slice
func.func @slice_negative_step() -> tensor<1xi64> {
  %s = onnx.Constant() {value = dense<[5, 6, 7]> : tensor<3xi64>} : () -> tensor<3xi64>
  %st = onnx.Constant() {value = dense<-10> : tensor<1xi64>} : () -> tensor<1xi64>
  %step = onnx.Constant() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %none = onnx.NoValue
  %r = onnx.Slice(%s, %st, %st, %none, %step) : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>, none, tensor<1xi64>) -> tensor<1xi64>
  return %r : tensor<1xi64>
}
