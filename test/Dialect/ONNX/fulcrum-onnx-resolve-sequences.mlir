// RUN: fulcrum-opt %s --fulcrum-onnx-resolve-sequences --split-input-file | FileCheck %s

// Insert (appending, and at a constant position), erase and read back: the
// read is the tensor itself, cast to the declared type; the sequence ops
// are gone.
// CHECK-LABEL: func @insert_erase_at
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>, %[[Y:.*]]: tensor<1x3xf32>, %[[Z:.*]]: tensor<4x3xf32>)
// CHECK-NOT: onnx.Sequence
// CHECK: %[[C:.*]] = tensor.cast %[[Y]] : tensor<1x3xf32> to tensor<?x3xf32>
// CHECK-NOT: onnx.Sequence
// CHECK: return %[[C]] : tensor<?x3xf32>
func.func @insert_erase_at(%x: tensor<2x3xf32>, %y: tensor<1x3xf32>, %z: tensor<4x3xf32>) -> tensor<?x3xf32> {
  %none = onnx.NoValue
  %zero = onnx.Constant() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %last = onnx.Constant() {value = dense<-1> : tensor<i64>} : () -> tensor<i64>
  %e = onnx.SequenceEmpty() : () -> !onnx.seq<tensor<*xf32>>
  %s1 = onnx.SequenceInsert(%e, %x, %none) : (!onnx.seq<tensor<*xf32>>, tensor<2x3xf32>, none) -> !onnx.seq<tensor<*xf32>>
  %s2 = onnx.SequenceInsert(%s1, %z, %zero) : (!onnx.seq<tensor<*xf32>>, tensor<4x3xf32>, tensor<i64>) -> !onnx.seq<tensor<*xf32>>
  %s3 = onnx.SequenceInsert(%s2, %y, %none) : (!onnx.seq<tensor<*xf32>>, tensor<1x3xf32>, none) -> !onnx.seq<tensor<*xf32>>
  // [z, x, y] -> erase 0 -> [x, y] -> at -1 = y
  %s4 = onnx.SequenceErase(%s3, %zero) : (!onnx.seq<tensor<*xf32>>, tensor<i64>) -> !onnx.seq<tensor<*xf32>>
  %r = onnx.SequenceAt(%s4, %last) : (!onnx.seq<tensor<*xf32>>, tensor<i64>) -> tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}

// -----

// SequenceLength is a constant; ConcatFromSequence with new_axis is a
// Concat of Unsqueezed elements.
// CHECK-LABEL: func @length_and_concat
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>, %[[Y:.*]]: tensor<2x3xf32>)
// CHECK-DAG: %[[N:.*]] = onnx.Constant() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
// CHECK-DAG: %[[AX:.*]] = onnx.Constant() {value = dense<2> : tensor<1xi64>} : () -> tensor<1xi64>
// CHECK: %[[UX:.*]] = onnx.Unsqueeze(%[[X]], %[[AX]]) : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<2x3x1xf32>
// CHECK: %[[UY:.*]] = onnx.Unsqueeze(%[[Y]], %[[AX]]) : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<2x3x1xf32>
// CHECK: %[[C:.*]] = onnx.Concat(%[[UX]], %[[UY]]) {axis = 2 : i64} : (tensor<2x3x1xf32>, tensor<2x3x1xf32>) -> tensor<2x3x2xf32>
// CHECK: return %[[N]], %[[C]]
func.func @length_and_concat(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> (tensor<i64>, tensor<2x3x2xf32>) {
  %s = onnx.SequenceConstruct(%x, %y) : (tensor<2x3xf32>, tensor<2x3xf32>) -> !onnx.seq<tensor<2x3xf32>>
  %n = onnx.SequenceLength(%s) : (!onnx.seq<tensor<2x3xf32>>) -> tensor<i64>
  %c = onnx.ConcatFromSequence(%s) {axis = -1 : i64, new_axis = 1 : i64} : (!onnx.seq<tensor<2x3xf32>>) -> tensor<2x3x2xf32>
  return %n, %c : tensor<i64>, tensor<2x3x2xf32>
}

// -----

// SplitToSequence without split sizes and keepdims=0: a Split into size-1
// parts and a Squeeze of each.
// CHECK-LABEL: func @split_to_sequence
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK: %[[SIZES:.*]] = onnx.Constant() {value = dense<1> : tensor<2xi64>}
// CHECK: %[[P:.*]]:2 = onnx.Split(%[[X]], %[[SIZES]]) : (tensor<2x3xf32>, tensor<2xi64>) -> (tensor<1x3xf32>, tensor<1x3xf32>)
// CHECK: %[[AX:.*]] = onnx.Constant() {value = dense<0> : tensor<1xi64>}
// CHECK: onnx.Squeeze(%[[P]]#0, %[[AX]])
// CHECK: %[[S1:.*]] = onnx.Squeeze(%[[P]]#1, %[[AX]]) : (tensor<1x3xf32>, tensor<1xi64>) -> tensor<3xf32>
// CHECK-NOT: onnx.SplitToSequence
// CHECK: return %[[S1]] : tensor<3xf32>
func.func @split_to_sequence(%x: tensor<2x3xf32>) -> tensor<3xf32> {
  %one = onnx.Constant() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %none = onnx.NoValue
  %s = onnx.SplitToSequence(%x, %none) {axis = 0 : i64, keepdims = 0 : i64} : (tensor<2x3xf32>, none) -> !onnx.seq<tensor<3xf32>>
  %r = onnx.SequenceAt(%s, %one) : (!onnx.seq<tensor<3xf32>>, tensor<i64>) -> tensor<3xf32>
  return %r : tensor<3xf32>
}

// -----

// Split sizes known only at run time: the length is their count; reading
// an element, or a position known only at run time, stays.
// CHECK-LABEL: func @runtime_splits
// CHECK-DAG: %[[N:.*]] = onnx.Constant() {value = dense<3> : tensor<i64>}
// CHECK-DAG: %[[S:.*]] = onnx.SplitToSequence
// CHECK: %[[A:.*]] = onnx.SequenceAt(%[[S]], %{{.*}})
// CHECK: return %[[N]], %[[A]]
func.func @runtime_splits(%x: tensor<?xf32>, %sizes: tensor<3xi64>, %p: tensor<i64>) -> (tensor<i64>, tensor<?xf32>) {
  %s = onnx.SplitToSequence(%x, %sizes) {axis = 0 : i64} : (tensor<?xf32>, tensor<3xi64>) -> !onnx.seq<tensor<?xf32>>
  %n = onnx.SequenceLength(%s) : (!onnx.seq<tensor<?xf32>>) -> tensor<i64>
  %a = onnx.SequenceAt(%s, %p) : (!onnx.seq<tensor<?xf32>>, tensor<i64>) -> tensor<?xf32>
  return %n, %a : tensor<i64>, tensor<?xf32>
}

// -----

// Inside a subgraph, a sequence built there (or outside) is resolved too.
// CHECK-LABEL: func @in_subgraph
// CHECK: onnx.If
// CHECK-NOT: onnx.Sequence
// CHECK: onnx.Yield %arg2 : tensor<2xf32>
// CHECK-NOT: onnx.Sequence
// CHECK: onnx.Yield %arg1 : tensor<2xf32>
func.func @in_subgraph(%c: tensor<i1>, %x: tensor<2xf32>, %y: tensor<2xf32>) -> tensor<2xf32> {
  %zero = onnx.Constant() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %s = onnx.SequenceConstruct(%x, %y) : (tensor<2xf32>, tensor<2xf32>) -> !onnx.seq<tensor<2xf32>>
  %r = onnx.If(%c) else_branch {
    %one = onnx.Constant() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
    %b = onnx.SequenceAt(%s, %one) : (!onnx.seq<tensor<2xf32>>, tensor<i64>) -> tensor<2xf32>
    onnx.Yield %b : tensor<2xf32>
  } then_branch {
    %a = onnx.SequenceAt(%s, %zero) : (!onnx.seq<tensor<2xf32>>, tensor<i64>) -> tensor<2xf32>
    onnx.Yield %a : tensor<2xf32>
  } : (tensor<i1>) -> tensor<2xf32>
  return %r : tensor<2xf32>
}

// -----

// A sequence that starts empty and gains one tensor per Loop iteration is
// a scan output of the rebuilt Loop; its readers read the scan output.
// CHECK-LABEL: func @loop_append
// CHECK-SAME: (%[[N:.*]]: tensor<i64>, %[[H0:.*]]: tensor<3xf32>)
// CHECK: %[[L:.*]]:2 = onnx.Loop(%[[N]], %{{.*}}, %[[H0]]) body {
// CHECK: ^bb0(%{{.*}}: tensor<i64>, %[[C:.*]]: tensor<i1>, %[[H:.*]]: tensor<3xf32>):
// CHECK: %[[T:.*]] = onnx.Tanh(%[[H]])
// CHECK: onnx.Yield %[[C]], %[[T]], %[[T]] : tensor<i1>, tensor<3xf32>, tensor<3xf32>
// CHECK: } : (tensor<i64>, none, tensor<3xf32>) -> (tensor<3xf32>, tensor<?x3xf32>)
// CHECK: %[[STACK:.*]] = onnx.Transpose(%[[L]]#1) {perm = array<i64: 1, 0>} : (tensor<?x3xf32>) -> tensor<3x?xf32>
// CHECK: %[[FLAT:.*]] = onnx.Reshape(%[[L]]#1, %{{.*}}) : (tensor<?x3xf32>, tensor<1xi64>) -> tensor<?xf32>
// CHECK: %[[SHAPE:.*]] = onnx.Shape(%[[L]]#1) {end = 1 : i64} : (tensor<?x3xf32>) -> tensor<1xi64>
// CHECK: %[[COUNT:.*]] = onnx.Squeeze(%[[SHAPE]], %{{.*}}) : (tensor<1xi64>, tensor<1xi64>) -> tensor<i64>
// CHECK: %[[LAST:.*]] = onnx.Gather(%[[L]]#1, %{{.*}}) : (tensor<?x3xf32>, tensor<i64>) -> tensor<3xf32>
// CHECK-NOT: onnx.Sequence
// CHECK: return %[[L]]#0, %[[STACK]], %[[FLAT]], %[[COUNT]], %[[LAST]]
func.func @loop_append(%n: tensor<i64>, %h0: tensor<3xf32>) -> (tensor<3xf32>, tensor<3x?xf32>, tensor<?xf32>, tensor<i64>, tensor<3xf32>) {
  %none = onnx.NoValue
  %last = onnx.Constant() {value = dense<-1> : tensor<i64>} : () -> tensor<i64>
  %e = onnx.SequenceEmpty() : () -> !onnx.seq<tensor<*xf32>>
  %r:2 = onnx.Loop(%n, %none, %h0, %e) body {
  ^bb0(%i: tensor<i64>, %c: tensor<i1>, %h: tensor<3xf32>, %s: !onnx.seq<tensor<*xf32>>):
    %t = onnx.Tanh(%h) : (tensor<3xf32>) -> tensor<3xf32>
    %s2 = onnx.SequenceInsert(%s, %t, %none) : (!onnx.seq<tensor<*xf32>>, tensor<3xf32>, none) -> !onnx.seq<tensor<*xf32>>
    onnx.Yield %c, %t, %s2 : tensor<i1>, tensor<3xf32>, !onnx.seq<tensor<*xf32>>
  } : (tensor<i64>, none, tensor<3xf32>, !onnx.seq<tensor<*xf32>>) -> (tensor<3xf32>, !onnx.seq<tensor<*xf32>>)
  %stack = onnx.ConcatFromSequence(%r#1) {axis = 1 : i64, new_axis = 1 : i64} : (!onnx.seq<tensor<*xf32>>) -> tensor<3x?xf32>
  %flat = onnx.ConcatFromSequence(%r#1) {axis = 0 : i64} : (!onnx.seq<tensor<*xf32>>) -> tensor<?xf32>
  %count = onnx.SequenceLength(%r#1) : (!onnx.seq<tensor<*xf32>>) -> tensor<i64>
  %at = onnx.SequenceAt(%r#1, %last) : (!onnx.seq<tensor<*xf32>>, tensor<i64>) -> tensor<3xf32>
  return %r#0, %stack, %flat, %count, %at : tensor<3xf32>, tensor<3x?xf32>, tensor<?xf32>, tensor<i64>, tensor<3xf32>
}

// -----

// A carried sequence that the body also reads is not a plain list append:
// the Loop stays as it is.
// CHECK-LABEL: func @negative_loop_append_read_in_body
// CHECK: onnx.SequenceEmpty
// CHECK: onnx.Loop
// CHECK: onnx.SequenceLength
// CHECK: onnx.SequenceInsert
func.func @negative_loop_append_read_in_body(%n: tensor<i64>, %x: tensor<3xf32>) -> tensor<?xi64> {
  %none = onnx.NoValue
  %e = onnx.SequenceEmpty() : () -> !onnx.seq<tensor<*xf32>>
  %r:2 = onnx.Loop(%n, %none, %e) body {
  ^bb0(%i: tensor<i64>, %c: tensor<i1>, %s: !onnx.seq<tensor<*xf32>>):
    %len = onnx.SequenceLength(%s) : (!onnx.seq<tensor<*xf32>>) -> tensor<i64>
    %s2 = onnx.SequenceInsert(%s, %x, %none) : (!onnx.seq<tensor<*xf32>>, tensor<3xf32>, none) -> !onnx.seq<tensor<*xf32>>
    onnx.Yield %c, %s2, %len : tensor<i1>, !onnx.seq<tensor<*xf32>>, tensor<i64>
  } : (tensor<i64>, none, !onnx.seq<tensor<*xf32>>) -> (!onnx.seq<tensor<*xf32>>, tensor<?xi64>)
  return %r#1 : tensor<?xi64>
}
