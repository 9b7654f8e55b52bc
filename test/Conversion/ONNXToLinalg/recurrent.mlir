// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --canonicalize --split-input-file | FileCheck %s

// RNN, GRU and LSTM: per direction, one matmul projects the inputs of all
// time steps (onto the broadcast biases), then an scf.for over the steps
// runs one matmul with R^T and one linalg.generic for the cell. Numerics
// are checked end to end in test/Tools/recurrent-{onnx,pytorch}.test;
// refusals in fulcrum-convert-onnx-to-linalg-errors.mlir.

// Pattern: RecurrentLowering<RNNOp,Cell::RNN>
// Forward RNN with a bias: Wb + Rb broadcast to [T*B, H] is the
// accumulator of X [T*B, I] x W^T; each step reads rows t*B.., multiplies
// H by R^T, applies tanh and writes Y[t].
// CHECK-LABEL: func @rnn
// CHECK-SAME: (%[[X:.*]]: tensor<5x2x3xf32>, %[[W:.*]]: tensor<1x4x3xf32>, %[[R:.*]]: tensor<1x4x4xf32>, %[[B:.*]]: tensor<1x8xf32>)
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[C5:.*]] = arith.constant 5 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK: %[[W0:.*]] = tensor.extract_slice %[[W]][0, 0, 0] [1, 4, 3] [1, 1, 1] : tensor<1x4x3xf32> to tensor<4x3xf32>
// CHECK: %[[R0:.*]] = tensor.extract_slice %[[R]][0, 0, 0] [1, 4, 4] [1, 1, 1] : tensor<1x4x4xf32> to tensor<4x4xf32>
// CHECK: %[[BIAS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<4xf32>)
// CHECK: %[[X2:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<5x2x3xf32> into tensor<10x3xf32>
// CHECK: %[[WT:.*]] = linalg.transpose ins(%[[W0]] : tensor<4x3xf32>) {{.*}} permutation = [1, 0]
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} ins(%[[BIAS]] : tensor<4xf32>) outs(%{{.*}} : tensor<10x4xf32>)
// CHECK: %[[XW:.*]] = linalg.matmul ins(%[[X2]], %[[WT]] : tensor<10x3xf32>, tensor<3x4xf32>) outs(%[[ACC]] : tensor<10x4xf32>)
// CHECK: %[[RT:.*]] = linalg.transpose ins(%[[R0]] : tensor<4x4xf32>)
// CHECK: %[[H0:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: %[[Y0:.*]] = tensor.empty() : tensor<5x2x4xf32>
// CHECK: %[[LOOP:.*]]:2 = scf.for %[[T:.*]] = %{{.*}} to %[[C5]] step %{{.*}} iter_args(%[[H:.*]] = %[[H0]], %[[Y:.*]] = %[[Y0]]) -> (tensor<2x4xf32>, tensor<5x2x4xf32>) {
// CHECK: %[[ROW:.*]] = arith.muli %[[T]], %[[C2]] : index
// CHECK: %[[XT:.*]] = tensor.extract_slice %[[XW]][%[[ROW]], 0] [2, 4] [1, 1] : tensor<10x4xf32> to tensor<2x4xf32>
// CHECK: %[[HR:.*]] = linalg.matmul ins(%[[H]], %[[RT]] : tensor<2x4xf32>, tensor<4x4xf32>)
// CHECK: %[[CELL:.*]]:2 = linalg.generic {{.*}} ins(%[[XT]], %[[HR]], %[[H]] :
// CHECK: arith.addf
// CHECK-NEXT: math.tanh
// CHECK: %[[YT:.*]] = tensor.insert_slice %[[CELL]]#1 into %[[Y]][%[[T]], 0, 0] [1, 2, 4] [1, 1, 1] : tensor<2x4xf32> into tensor<5x2x4xf32>
// CHECK: scf.yield %[[CELL]]#0, %[[YT]]
// CHECK: tensor.insert_slice %[[LOOP]]#1 into %{{.*}}[0, 0, 0, 0] [5, 1, 2, 4] [1, 1, 1, 1] : tensor<5x2x4xf32> into tensor<5x1x2x4xf32>
// CHECK: tensor.insert_slice %[[LOOP]]#0 into %{{.*}}[0, 0, 0] [1, 2, 4] [1, 1, 1] : tensor<2x4xf32> into tensor<1x2x4xf32>
func.func @rnn(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>, %b: tensor<1x8xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>) {
  %none = onnx.NoValue
  %y, %yh = onnx.RNN(%x, %w, %r, %b, %none, %none) {hidden_size = 4 : i64} : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>, tensor<1x8xf32>, none, none) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return %y, %yh : tensor<5x1x2x4xf32>, tensor<1x2x4xf32>
}

// -----

// Pattern: RecurrentLowering<GRUOp,Cell::GRU>
// Bidirectional GRU without linear_before_reset, dynamic sequence length
// and batch: z and r*H come from H x [Rz; Rr]^T, then h~ from
// (r*H) x Rh^T; the second direction reads the steps from the end.
// CHECK-LABEL: func @gru
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x3xf32>
// CHECK: %[[T:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x?x3xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x?x3xf32>
// CHECK: %[[XW:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x3xf32>, tensor<3x12xf32>) outs(%{{.*}} : tensor<?x12xf32>)
// CHECK: %[[RZR:.*]] = linalg.transpose ins(%{{.*}} : tensor<8x4xf32>)
// CHECK: %[[RH:.*]] = linalg.transpose ins(%{{.*}} : tensor<4x4xf32>)
// Y is absent: the loop carries H only.
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %[[T]] step %{{.*}} iter_args(%[[H:.*]] = %{{.*}}) -> (tensor<?x4xf32>) {
// CHECK: %[[ROW:.*]] = arith.muli %[[I]], %[[N]] : index
// CHECK: %[[ZR:.*]] = linalg.matmul ins(%[[H]], %[[RZR]] : tensor<?x4xf32>, tensor<4x8xf32>)
// CHECK: %[[G1:.*]]:2 = linalg.generic
// CHECK: math.exp
// CHECK: %[[HH:.*]] = linalg.matmul ins(%[[G1]]#1, %[[RH]] : tensor<?x4xf32>, tensor<4x4xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[HH]], %[[G1]]#0, %[[H]] :
// CHECK: math.tanh
// CHECK: %[[LAST:.*]] = arith.subi %[[T]], %{{.*}} : index
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %[[T]]
// CHECK: %[[REV:.*]] = arith.subi %[[LAST]], %[[J]] : index
// CHECK: arith.muli %[[REV]], %[[N]] : index
// CHECK: return %{{.*}} : tensor<2x?x4xf32>
func.func @gru(%x: tensor<?x?x3xf32>, %w: tensor<2x12x3xf32>, %r: tensor<2x12x4xf32>) -> tensor<2x?x4xf32> {
  %none = onnx.NoValue
  %y, %yh = onnx.GRU(%x, %w, %r, %none, %none, %none) {direction = "bidirectional", hidden_size = 4 : i64} : (tensor<?x?x3xf32>, tensor<2x12x3xf32>, tensor<2x12x4xf32>, none, none, none) -> (none, tensor<2x?x4xf32>)
  return %yh : tensor<2x?x4xf32>
}

// -----

// Pattern: RecurrentLowering<LSTMOp,Cell::LSTM>
// LSTM with layout 1 (X transposed to [T, B, I] first), peepholes and
// sequence_lens: steps at or past a batch entry's length keep its H and C.
// CHECK-LABEL: func @lstm
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>, %{{.*}}: tensor<1x8x4xf32>, %{{.*}}: tensor<1x8x2xf32>, %[[LENS:.*]]: tensor<2xi32>, %[[P:.*]]: tensor<1x6xf32>)
// CHECK: linalg.transpose ins(%[[X]] : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<3x2x4xf32>) permutation = [1, 0, 2]
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<6x4xf32>, tensor<4x8xf32>)
// CHECK: %[[LOOP:.*]]:2 = scf.for %[[T:.*]] = {{.*}} iter_args(%[[H:.*]] = %{{.*}}, %[[C:.*]] = %{{.*}}) -> (tensor<2x2xf32>, tensor<2x2xf32>)
// CHECK: linalg.matmul ins(%[[H]], %{{.*}} : tensor<2x2xf32>, tensor<2x8xf32>)
// CHECK: %[[CELL:.*]]:3 = linalg.generic {{.*}} ins({{.*}}, %[[H]], %[[C]], %{{.*}}, %{{.*}}, %{{.*}}, %[[LENS]] : {{.*}}, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xi32>)
// CHECK: ^bb0({{.*}}, %[[LEN:.*]]: i32, %{{.*}}: f32, %{{.*}}: f32, %{{.*}}: f32):
// CHECK: %[[STEP:.*]] = arith.index_cast %[[T]] : index to i32
// CHECK: %[[VALID:.*]] = arith.cmpi slt, %[[STEP]], %[[LEN]] : i32
// CHECK: arith.select %[[VALID]]
// CHECK: tensor.insert_slice %[[LOOP]]#1 into %{{.*}}[0, 0, 0] [2, 1, 2] [1, 1, 1] : tensor<2x2xf32> into tensor<2x1x2xf32>
func.func @lstm(%x: tensor<2x3x4xf32>, %w: tensor<1x8x4xf32>, %r: tensor<1x8x2xf32>, %lens: tensor<2xi32>, %p: tensor<1x6xf32>) -> tensor<2x1x2xf32> {
  %none = onnx.NoValue
  %y, %yh, %yc = onnx.LSTM(%x, %w, %r, %none, %lens, %none, %none, %p) {layout = 1 : i64, hidden_size = 2 : i64} : (tensor<2x3x4xf32>, tensor<1x8x4xf32>, tensor<1x8x2xf32>, none, tensor<2xi32>, none, none, tensor<1x6xf32>) -> (none, none, tensor<2x1x2xf32>)
  return %yc : tensor<2x1x2xf32>
}

// -----

// Constant weights: each direction's rows become constants of their own,
// multiplied with linalg.matmul_transpose_b (the CPU target packs constant
// right-hand sides at compile time) instead of transposed at run time.
// CHECK-LABEL: func @rnn_constant_weights
// CHECK-DAG: %[[W1:.*]] = arith.constant dense<{{\[\[}}3.000000e+00, 4.000000e+00]]> : tensor<1x2xf32>
// CHECK-DAG: %[[R1:.*]] = arith.constant dense<6.000000e+00> : tensor<1x1xf32>
// CHECK-NOT: linalg.transpose
// CHECK: linalg.matmul_transpose_b ins(%{{.*}}, %[[W1]] : tensor<6x2xf32>, tensor<1x2xf32>)
// CHECK: linalg.matmul_transpose_b ins(%{{.*}}, %[[R1]] : tensor<2x1xf32>, tensor<1x1xf32>)
func.func @rnn_constant_weights(%x: tensor<3x2x2xf32>) -> tensor<2x2x1xf32> {
  %none = onnx.NoValue
  %w = onnx.Constant() {value = dense<[[[1.0, 2.0]], [[3.0, 4.0]]]> : tensor<2x1x2xf32>} : () -> tensor<2x1x2xf32>
  %r = onnx.Constant() {value = dense<[[[5.0]], [[6.0]]]> : tensor<2x1x1xf32>} : () -> tensor<2x1x1xf32>
  %y, %yh = onnx.RNN(%x, %w, %r, %none, %none, %none) {direction = "bidirectional", hidden_size = 1 : i64} : (tensor<3x2x2xf32>, tensor<2x1x2xf32>, tensor<2x1x1xf32>, none, none, none) -> (none, tensor<2x2x1xf32>)
  return %yh : tensor<2x2x1xf32>
}

// -----

// Constant weights that are not f32 are not sliced at compile time (the
// CPU kernels pack f32 only): transposed at run time like run-time weights.
// CHECK-LABEL: func @negative_rnn_constant_f64_weights
// CHECK-NOT: linalg.matmul_transpose_b
// CHECK: linalg.transpose
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<6x2xf64>, tensor<2x1xf64>)
func.func @negative_rnn_constant_f64_weights(%x: tensor<3x2x2xf64>) -> tensor<1x2x1xf64> {
  %none = onnx.NoValue
  %w = onnx.Constant() {value = dense<[[[1.0, 2.0]]]> : tensor<1x1x2xf64>} : () -> tensor<1x1x2xf64>
  %r = onnx.Constant() {value = dense<[[[5.0]]]> : tensor<1x1x1xf64>} : () -> tensor<1x1x1xf64>
  %y, %yh = onnx.RNN(%x, %w, %r, %none, %none, %none) {hidden_size = 1 : i64} : (tensor<3x2x2xf64>, tensor<1x1x2xf64>, tensor<1x1x1xf64>, none, none, none) -> (none, tensor<1x2x1xf64>)
  return %yh : tensor<1x2x1xf64>
}
