// RUN: fulcrum-opt %s | fulcrum-opt | FileCheck %s
// RUN: fulcrum-opt %s --mlir-print-op-generic | fulcrum-opt | FileCheck %s

// Round trip of onnx operations in custom and generic form.

// CHECK-LABEL: func @conv_optional_bias
func.func @conv_optional_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // CHECK: %[[NONE:.*]] = onnx.NoValue
  // CHECK: onnx.Conv(%{{.*}}, %{{.*}}, %[[NONE]]) {kernel_shape = array<i64: 3, 3>}
  %none = onnx.NoValue
  %y = onnx.Conv(%x, %w, %none) {group = 1 : i64, kernel_shape = array<i64: 3, 3>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<1x4x6x6xf32>
  return %y : tensor<1x4x6x6xf32>
}

// CHECK-LABEL: func @variadic_concat
func.func @variadic_concat(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>, %c: tensor<2x?xf32>) -> tensor<2x?xf32> {
  // CHECK: onnx.Concat(%{{.*}}, %{{.*}}, %{{.*}}) {axis = 1 : i64}
  %0 = onnx.Concat(%a, %b, %c) {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x5xf32>, tensor<2x?xf32>) -> tensor<2x?xf32>
  return %0 : tensor<2x?xf32>
}

// CHECK-LABEL: func @optional_outputs
func.func @optional_outputs(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x2x2xf32> {
  // CHECK: onnx.MaxPool(%{{.*}}) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>) -> (tensor<1x2x2x2xf32>, none)
  %y, %indices = onnx.MaxPool(%x) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x2x4x4xf32>) -> (tensor<1x2x2x2xf32>, none)
  return %y : tensor<1x2x2x2xf32>
}

// CHECK-LABEL: func @constant_resource
func.func @constant_resource() -> tensor<2xi64> {
  // CHECK: onnx.Constant() {value = dense_resource<shape> : tensor<2xi64>}
  %0 = onnx.Constant() {value = dense_resource<shape> : tensor<2xi64>} : () -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// CHECK-LABEL: func @if_regions
func.func @if_regions(%c: tensor<i1>, %a: tensor<2xf32>) -> tensor<2xf32> {
  // CHECK: onnx.If(%{{.*}}) else_branch {
  // CHECK-NEXT: onnx.Neg
  // CHECK: } then_branch {
  // CHECK-NEXT: onnx.Yield %{{.*}} : tensor<2xf32>
  %0 = onnx.If(%c) else_branch {
    %n = onnx.Neg(%a) : (tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %n : tensor<2xf32>
  } then_branch {
    onnx.Yield %a : tensor<2xf32>
  } : (tensor<i1>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// CHECK-LABEL: func @sequences_and_optionals
func.func @sequences_and_optionals(%a: tensor<2xf32>, %b: tensor<3xf32>) -> (!onnx.seq<tensor<?xf32>>, !onnx.opt<tensor<2xf32>>) {
  // CHECK: onnx.SequenceConstruct(%{{.*}}, %{{.*}}) : (tensor<2xf32>, tensor<3xf32>) -> !onnx.seq<tensor<?xf32>>
  %s = onnx.SequenceConstruct(%a, %b) : (tensor<2xf32>, tensor<3xf32>) -> !onnx.seq<tensor<?xf32>>
  // CHECK: onnx.Optional(%{{.*}}) : (tensor<2xf32>) -> !onnx.opt<tensor<2xf32>>
  %o = onnx.Optional(%a) : (tensor<2xf32>) -> !onnx.opt<tensor<2xf32>>
  return %s, %o : !onnx.seq<tensor<?xf32>>, !onnx.opt<tensor<2xf32>>
}

// CHECK-LABEL: func @strings_and_versions
func.func @strings_and_versions(%s: tensor<3x!onnx.string>, %x: tensor<2x3x4xf32>, %slope: tensor<3xf32>) -> (tensor<3x!onnx.string>, tensor<2x3x4xf32>) {
  // CHECK: onnx.StringNormalizer(%{{.*}}) {case_change_action = "LOWER"}
  %0 = onnx.StringNormalizer(%s) {case_change_action = "LOWER"} : (tensor<3x!onnx.string>) -> tensor<3x!onnx.string>
  // A superseded operator version keeps its own semantics.
  // CHECK: onnx.PReluV6
  %1 = onnx.PReluV6(%x, %slope) : (tensor<2x3x4xf32>, tensor<3xf32>) -> tensor<2x3x4xf32>
  return %0, %1 : tensor<3x!onnx.string>, tensor<2x3x4xf32>
}

{-#
  dialect_resources: {
    builtin: {
      shape: "0x080000000200000000000000FFFFFFFFFFFFFFFF"
    }
  }
#-}
