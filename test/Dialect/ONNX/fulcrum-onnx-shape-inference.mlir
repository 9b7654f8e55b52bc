// RUN: fulcrum-opt %s --fulcrum-onnx-shape-inference --split-input-file | FileCheck %s

// Unknown result shapes are refined and the signature follows.
// CHECK-LABEL: func @chain
// CHECK-SAME: -> tensor<1x10xf32>
func.func @chain(%x: tensor<1x1x28x28xf32>, %w: tensor<4x1x3x3xf32>, %fc: tensor<676x10xf32>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // CHECK: onnx.Conv{{.*}} -> tensor<1x4x26x26xf32>
  %c = onnx.Conv(%x, %w, %none) : (tensor<1x1x28x28xf32>, tensor<4x1x3x3xf32>, none) -> tensor<*xf32>
  // CHECK: onnx.Relu{{.*}} -> tensor<1x4x26x26xf32>
  %r = onnx.Relu(%c) : (tensor<*xf32>) -> tensor<*xf32>
  // CHECK: onnx.MaxPool{{.*}} -> (tensor<1x4x13x13xf32>, none)
  %p, %i = onnx.MaxPool(%r) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<*xf32>) -> (tensor<*xf32>, none)
  // CHECK: onnx.Flatten{{.*}} -> tensor<1x676xf32>
  %f = onnx.Flatten(%p) : (tensor<*xf32>) -> tensor<*xf32>
  // CHECK: onnx.Gemm{{.*}} -> tensor<1x10xf32>
  %g = onnx.Gemm(%f, %fc, %none) : (tensor<*xf32>, tensor<676x10xf32>, none) -> tensor<*xf32>
  // CHECK: onnx.Softmax{{.*}} -> tensor<1x10xf32>
  %s = onnx.Softmax(%g) : (tensor<*xf32>) -> tensor<*xf32>
  // CHECK: return {{.*}} : tensor<1x10xf32>
  return %s : tensor<*xf32>
}

// -----

// A dynamic batch dimension stays dynamic; known dimensions are filled in.
// CHECK-LABEL: func @dynamic_batch
// CHECK-SAME: -> tensor<?x16xf32>
func.func @dynamic_batch(%x: tensor<?x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<?x?xf32> {
  // CHECK: onnx.MatMul{{.*}} -> tensor<?x16xf32>
  %m = onnx.MatMul(%x, %w) : (tensor<?x8xf32>, tensor<8x16xf32>) -> tensor<*xf32>
  // CHECK: onnx.Add{{.*}} -> tensor<?x16xf32>
  %a = onnx.Add(%m, %b) : (tensor<*xf32>, tensor<16xf32>) -> tensor<?x?xf32>
  return %a : tensor<?x?xf32>
}

// -----

// Reshape and Slice read their constant operands, including -1 and 0.
// CHECK-LABEL: func @constant_operands
func.func @constant_operands(%x: tensor<2x3x4xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %shape = onnx.Constant() {value = dense<[0, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  // CHECK: onnx.Reshape{{.*}} -> tensor<2x12xf32>
  %r = onnx.Reshape(%x, %shape) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  %starts = onnx.Constant() {value = dense<[1, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %ends = onnx.Constant() {value = dense<[3, -5]> : tensor<2xi64>} : () -> tensor<2xi64>
  %axes = onnx.Constant() {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %steps = onnx.Constant() {value = dense<[1, -2]> : tensor<2xi64>} : () -> tensor<2xi64>
  // CHECK: onnx.Slice{{.*}} -> tensor<2x2x2xf32>
  %s = onnx.Slice(%x, %starts, %ends, %axes, %steps) : (tensor<2x3x4xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<*xf32>
  // CHECK: onnx.Transpose{{.*}} -> tensor<4x3x2xf32>
  %t = onnx.Transpose(%x) : (tensor<2x3x4xf32>) -> tensor<*xf32>
  return %r, %s, %t : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Squeeze and Unsqueeze with constant axes; Dropout's mask.
// CHECK-LABEL: func @squeeze_unsqueeze
func.func @squeeze_unsqueeze(%x: tensor<2x1x3xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xi1>) {
  %axes = onnx.Constant() {value = dense<[1]> : tensor<1xi64>} : () -> tensor<1xi64>
  // CHECK: onnx.Squeeze{{.*}} -> tensor<2x3xf32>
  %s = onnx.Squeeze(%x, %axes) : (tensor<2x1x3xf32>, tensor<1xi64>) -> tensor<*xf32>
  %uaxes = onnx.Constant() {value = dense<[0, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  // CHECK: onnx.Unsqueeze{{.*}} -> tensor<1x2x3x1xf32>
  %u = onnx.Unsqueeze(%s, %uaxes) : (tensor<*xf32>, tensor<2xi64>) -> tensor<*xf32>
  %none = onnx.NoValue
  // CHECK: onnx.Dropout{{.*}} -> (tensor<2x1x3xf32>, tensor<2x1x3xi1>)
  %d, %mask = onnx.Dropout(%x, %none, %none) : (tensor<2x1x3xf32>, none, none) -> (tensor<*xf32>, tensor<*xi1>)
  return %s, %u, %mask : tensor<*xf32>, tensor<*xf32>, tensor<*xi1>
}

// -----

// Operations without shape inference are left alone.
// CHECK-LABEL: func @negative_no_interface
func.func @negative_no_interface(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  // CHECK: onnx.Ceil{{.*}} -> tensor<*xf32>
  %0 = onnx.Ceil(%x) : (tensor<2x3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Superseded reductions (axes an attribute, ReduceMean-13 here) have no
// interface; their result drops the reduced axes (keepdims = 0) or keeps
// them as 1 (the default), and no axes reduce every dimension.
// CHECK-LABEL: func @legacy_reductions
func.func @legacy_reductions(%x: tensor<2x128x256xf32>) -> (tensor<*xf32>, tensor<?x?x?xf32>, tensor<*xf32>) {
  // CHECK: onnx.ReduceMean{{.*}} -> tensor<2x256xf32>
  %0 = onnx.ReduceMean(%x) {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<2x128x256xf32>) -> tensor<*xf32>
  // CHECK: onnx.ReduceMean{{.*}} -> tensor<2x128x1xf32>
  %1 = onnx.ReduceMean(%x) {axes = array<i64: -1>} : (tensor<2x128x256xf32>) -> tensor<?x?x?xf32>
  // CHECK: onnx.ReduceMean{{.*}} -> tensor<1x1x1xf32>
  %2 = onnx.ReduceMean(%x) : (tensor<2x128x256xf32>) -> tensor<*xf32>
  return %0, %1, %2 : tensor<*xf32>, tensor<?x?x?xf32>, tensor<*xf32>
}

// -----

// negative_: an axis out of range leaves the superseded reduction's type
// as declared.
// CHECK-LABEL: func @negative_legacy_reduction_axis
func.func @negative_legacy_reduction_axis(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  // CHECK: onnx.ReduceMean{{.*}} -> tensor<*xf32>
  %0 = onnx.ReduceMean(%x) {axes = array<i64: 5>} : (tensor<2x3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Reshape and Expand targets that are partly known at compile time: the
// dynamic batch stays dynamic, the other sizes become static.
// CHECK-LABEL: func @partly_known_targets
func.func @partly_known_targets(%x: tensor<?x50x192xf32>, %cls: tensor<1x1x64xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %s = onnx.Shape(%x) : (tensor<?x50x192xf32>) -> tensor<3xi64>
  %c0 = onnx.Constant() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %b = onnx.Gather(%s, %c0) : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %rest = onnx.Constant() {value = dense<[50, 3, 4, 16]> : tensor<4xi64>} : () -> tensor<4xi64>
  %t = onnx.Concat(%b, %rest) {axis = 0 : i64} : (tensor<1xi64>, tensor<4xi64>) -> tensor<5xi64>
  // CHECK: onnx.Reshape{{.*}} -> tensor<?x50x3x4x16xf32>
  %r = onnx.Reshape(%x, %t) : (tensor<?x50x192xf32>, tensor<5xi64>) -> tensor<*xf32>
  %ones = onnx.Constant() {value = dense<1> : tensor<2xi64>} : () -> tensor<2xi64>
  %e_t = onnx.Concat(%b, %ones) {axis = 0 : i64} : (tensor<1xi64>, tensor<2xi64>) -> tensor<3xi64>
  // CHECK: onnx.Expand{{.*}} -> tensor<?x1x64xf32>
  %e = onnx.Expand(%cls, %e_t) : (tensor<1x1x64xf32>, tensor<3xi64>) -> tensor<*xf32>
  return %r, %e : tensor<*xf32>, tensor<*xf32>
}

// -----

// Split along a static axis of a tensor with a dynamic batch: explicit sizes,
// and equal parts without them.
// CHECK-LABEL: func @split
// CHECK: onnx.Split{{.*}} -> (tensor<1x?x4xf32>, tensor<2x?x4xf32>)
// CHECK: onnx.Split{{.*}} -> (tensor<3x?x2xf32>, tensor<3x?x2xf32>)
func.func @split(%x: tensor<3x?x4xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %s = onnx.Constant() {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %a, %b = onnx.Split(%x, %s) : (tensor<3x?x4xf32>, tensor<2xi64>) -> (tensor<*xf32>, tensor<*xf32>)
  %none = onnx.NoValue
  %c, %d = onnx.Split(%x, %none) {axis = -1 : i64} : (tensor<3x?x4xf32>, none) -> (tensor<*xf32>, tensor<*xf32>)
  return %a, %b, %c, %d : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Loop bodies: carried block arguments take the initial value's type; one
// whose body yields another shape becomes dynamic there, and the body is
// inferred again. Scan outputs gain a dynamic first axis.
// CHECK-LABEL: func @loop_carried
// CHECK: ^bb0(%{{.*}}: tensor<i64>, %{{.*}}: tensor<i1>, %{{.*}}: tensor<f32>, %{{.*}}: tensor<?xf32>):
// CHECK: onnx.Add{{.*}} -> tensor<f32>
// CHECK: onnx.Concat{{.*}} -> tensor<?xf32>
// CHECK: -> (tensor<f32>, tensor<?xf32>, tensor<?xf32>)
func.func @loop_carried(%m: tensor<i64>, %c: tensor<i1>, %s: tensor<f32>, %v: tensor<1xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0:3 = onnx.Loop(%m, %c, %s, %v) body {
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %si: tensor<*xf32>, %vi: tensor<*xf32>):
    %1 = onnx.Add(%si, %si) : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
    %2 = onnx.Concat(%vi, %vi) {axis = 0 : i64} : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
    onnx.Yield %ci, %1, %2, %1 : tensor<i1>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
  } : (tensor<i64>, tensor<i1>, tensor<f32>, tensor<1xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return %0#0, %0#1, %0#2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Scan elements are the scan inputs without their axis; scan outputs stack
// the body's elements along theirs, with the sequence length. If results
// join both branches.
// CHECK-LABEL: func @scan_and_if
// CHECK: ^bb0(%{{.*}}: tensor<2xf32>, %{{.*}}: tensor<2xf32>):
// CHECK: -> (tensor<2xf32>, tensor<2x3xf32>)
// CHECK: onnx.If
// CHECK: } : (tensor<i1>) -> tensor<?xf32>
func.func @scan_and_if(%s: tensor<2xf32>, %x: tensor<2x3xf32>, %c: tensor<i1>, %a: tensor<4xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0:2 = onnx.Scan(%s, %x) body {
  ^bb0(%si: tensor<*xf32>, %xi: tensor<*xf32>):
    %1 = onnx.Add(%si, %xi) : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
    onnx.Yield %1, %1 : tensor<*xf32>, tensor<*xf32>
  } {num_scan_inputs = 1 : i64, scan_input_axes = array<i64: 1>, scan_output_axes = array<i64: 1>} : (tensor<2xf32>, tensor<2x3xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  %2 = onnx.If(%c) else_branch {
    onnx.Yield %a : tensor<4xf32>
  } then_branch {
    onnx.Yield %s : tensor<2xf32>
  } : (tensor<i1>) -> tensor<*xf32>
  return %0#0, %0#1, %2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Sequences carried by a Loop keep their declared types (no conflict when
// the body and the result spell them differently).
// CHECK-LABEL: func @loop_sequence
// CHECK: -> !onnx.seq<tensor<?xf32>>
func.func @loop_sequence(%m: tensor<i64>, %s: !onnx.seq<tensor<*xf32>>, %x: tensor<2xf32>) -> !onnx.seq<tensor<?xf32>> {
  %none = onnx.NoValue
  %0 = onnx.Loop(%m, %none, %s) body {
  ^bb0(%i: tensor<i64>, %c: tensor<i1>, %si: !onnx.seq<tensor<*xf32>>):
    %1 = onnx.SequenceInsert(%si, %x, %none) : (!onnx.seq<tensor<*xf32>>, tensor<2xf32>, none) -> !onnx.seq<tensor<*xf32>>
    onnx.Yield %c, %1 : tensor<i1>, !onnx.seq<tensor<*xf32>>
  } : (tensor<i64>, none, !onnx.seq<tensor<*xf32>>) -> !onnx.seq<tensor<?xf32>>
  return %0 : !onnx.seq<tensor<?xf32>>
}
