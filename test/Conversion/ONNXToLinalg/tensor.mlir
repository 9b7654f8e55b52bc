// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --split-input-file | FileCheck %s

// Data movement: reshapes, transposes, concatenation, splits, broadcasts,
// tiling, padding and block rearrangement. Slice is in slice.mlir; gathers
// in indexing.mlir.

// Pattern: IdentityLowering
// Identity forwards its (converted, signless) operand.
// CHECK-LABEL: func @identity
// CHECK-SAME: (%[[X:.*]]: tensor<4xi8>)
// CHECK-NEXT: return %[[X]] : tensor<4xi8>
func.func @identity(%a: tensor<4xui8>) -> tensor<4xui8> {
  %0 = onnx.Identity(%a) : (tensor<4xui8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

// -----

// Pattern: ReshapeLikeLowering<FlattenOp>
// Flatten is a tensor.reshape to a constant shape.
// CHECK-LABEL: func @flatten
// CHECK: %[[D0:.*]] = arith.constant 2 : i64
// CHECK: %[[D1:.*]] = arith.constant 12 : i64
// CHECK: %[[S:.*]] = tensor.from_elements %[[D0]], %[[D1]] : tensor<2xi64>
// CHECK: tensor.reshape %{{.*}}(%[[S]]) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x12xf32>
func.func @flatten(%a: tensor<2x3x4xf32>) -> tensor<2x12xf32> {
  %0 = onnx.Flatten(%a) {axis = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x12xf32>
  return %0 : tensor<2x12xf32>
}

// -----

// Pattern: ReshapeLikeLowering<SqueezeOp>
// One dynamic result dimension is the element count divided by the product
// of the static ones.
// CHECK-LABEL: func @squeeze_dynamic
// CHECK: %[[D:.*]] = tensor.dim %{{.*}}, %c0 : tensor<?x1x4xf32>
// CHECK: %[[N:.*]] = arith.muli %{{.*}}, %c4
// CHECK: %[[Q:.*]] = arith.divui %[[N]], %{{.*}}
// CHECK: %[[Q64:.*]] = arith.index_cast %[[Q]] : index to i64
// CHECK: %[[S:.*]] = tensor.from_elements %[[Q64]], %{{.*}} : tensor<2xi64>
// CHECK: tensor.reshape %{{.*}}(%[[S]]) : (tensor<?x1x4xf32>, tensor<2xi64>) -> tensor<?x4xf32>
func.func @squeeze_dynamic(%a: tensor<?x1x4xf32>, %ax: tensor<1xi64>) -> tensor<?x4xf32> {
  %0 = onnx.Squeeze(%a, %ax) : (tensor<?x1x4xf32>, tensor<1xi64>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// Pattern: ReshapeLikeLowering<UnsqueezeOp>
// Unsqueeze ignores its axes operand: the result type carries the shape.
// CHECK-LABEL: func @unsqueeze
// CHECK: tensor.reshape %{{.*}}(%{{.*}}) : (tensor<3xf32>, tensor<2xi64>) -> tensor<1x3xf32>
func.func @unsqueeze(%a: tensor<3xf32>, %ax: tensor<1xi64>) -> tensor<1x3xf32> {
  %0 = onnx.Unsqueeze(%a, %ax) : (tensor<3xf32>, tensor<1xi64>) -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

// Pattern: ReshapeLikeLowering<ReshapeOp>
// Reshape with a run-time shape operand still reshapes to the result type.
// CHECK-LABEL: func @reshape_runtime_shape
// CHECK: tensor.reshape %{{.*}}(%{{.*}}) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<4x6xf32>
func.func @reshape_runtime_shape(%a: tensor<2x3x4xf32>, %s: tensor<2xi64>) -> tensor<4x6xf32> {
  %0 = onnx.Reshape(%a, %s) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<4x6xf32>
  return %0 : tensor<4x6xf32>
}

// -----

// Squeeze to a scalar: the shape operand of tensor.reshape is empty.
// CHECK-LABEL: func @squeeze_to_scalar
// CHECK: %[[S:.*]] = tensor.from_elements  : tensor<0xi64>
// CHECK: tensor.reshape %{{.*}}(%[[S]]) : (tensor<1xi64>, tensor<0xi64>) -> tensor<i64>
func.func @squeeze_to_scalar(%a: tensor<1xi64>, %ax: tensor<1xi64>) -> tensor<i64> {
  %0 = onnx.Squeeze(%a, %ax) : (tensor<1xi64>, tensor<1xi64>) -> tensor<i64>
  return %0 : tensor<i64>
}

// -----

// Two dynamic result dimensions: Reshape reads them from its shape operand
// at run time (0 copies the input's size, -1 is the remaining count).
// CHECK-LABEL: func @reshape_read_sizes
// CHECK-SAME: (%[[A:.*]]: tensor<?x?x2x8xf32>, %[[S:.*]]: tensor<3xi64>)
// CHECK: %[[S0:.*]] = tensor.extract %[[S]][%c0{{.*}}] : tensor<3xi64>
// CHECK: %[[Z:.*]] = arith.cmpi eq, %[[S0]], %c0_i64 : i64
// CHECK: arith.select %[[Z]]
// CHECK: %[[INF:.*]] = arith.cmpi eq, %{{.*}}, %c-1_i64 : i64
// CHECK: arith.divui
// CHECK: tensor.reshape %[[A]](%{{.*}}) : (tensor<?x?x2x8xf32>, tensor<3xi64>) -> tensor<?x?x16xf32>
func.func @reshape_read_sizes(%a: tensor<?x?x2x8xf32>, %s: tensor<3xi64>) -> tensor<?x?x16xf32> {
  %0 = onnx.Reshape(%a, %s) : (tensor<?x?x2x8xf32>, tensor<3xi64>) -> tensor<?x?x16xf32>
  return %0 : tensor<?x?x16xf32>
}

// -----

// Squeeze with two dynamic dimensions: each keeps its input's size.
// CHECK-LABEL: func @squeeze_two_dynamic
// CHECK-SAME: (%[[A:.*]]: tensor<?x1x?x4xf32>
// CHECK-DAG: %[[D0:.*]] = tensor.dim %[[A]], %c0
// CHECK-DAG: %[[D2:.*]] = tensor.dim %[[A]], %c2
// CHECK-DAG: %[[I0:.*]] = arith.index_cast %[[D0]] : index to i64
// CHECK-DAG: %[[I2:.*]] = arith.index_cast %[[D2]] : index to i64
// CHECK: %[[S:.*]] = tensor.from_elements %[[I0]], %[[I2]], %{{.*}} : tensor<3xi64>
// CHECK: tensor.reshape %[[A]](%[[S]]) : (tensor<?x1x?x4xf32>, tensor<3xi64>) -> tensor<?x?x4xf32>
func.func @squeeze_two_dynamic(%a: tensor<?x1x?x4xf32>, %ax: tensor<1xi64>) -> tensor<?x?x4xf32> {
  %0 = onnx.Squeeze(%a, %ax) : (tensor<?x1x?x4xf32>, tensor<1xi64>) -> tensor<?x?x4xf32>
  return %0 : tensor<?x?x4xf32>
}

// -----

// Pattern: TransposeLowering
// Transpose with a permutation; the dynamic result size comes from the
// permuted input dimension.
// CHECK-LABEL: func @transpose_perm
// CHECK-SAME: (%[[X:.*]]: tensor<2x?x4xf32>)
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %c1 : tensor<2x?x4xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<4x2x?xf32>
// CHECK: linalg.transpose ins(%[[X]] : tensor<2x?x4xf32>) outs(%[[E]] : tensor<4x2x?xf32>) permutation = [2, 0, 1]
func.func @transpose_perm(%a: tensor<2x?x4xf32>) -> tensor<4x2x?xf32> {
  %0 = onnx.Transpose(%a) {perm = array<i64: 2, 0, 1>} : (tensor<2x?x4xf32>) -> tensor<4x2x?xf32>
  return %0 : tensor<4x2x?xf32>
}

// -----

// Without perm, Transpose reverses the dimensions.
// CHECK-LABEL: func @transpose_default
// CHECK: linalg.transpose {{.*}} permutation = [2, 1, 0]
func.func @transpose_default(%a: tensor<2x3x4xf32>) -> tensor<4x3x2xf32> {
  %0 = onnx.Transpose(%a) : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
  return %0 : tensor<4x3x2xf32>
}

// -----

// Pattern: ConcatLowering
// Concat along a negative axis with a dynamic input: the offsets after it are
// computed at run time.
// CHECK-LABEL: func @concat_dynamic_offset
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<2x?xf32>, %[[C:.*]]: tensor<2x5xf32>)
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<2x?xf32>
// CHECK: %[[I0:.*]] = tensor.insert_slice %[[A]] into %[[E]][0, 0] [2, 3] [1, 1]
// CHECK: %[[BD:.*]] = tensor.dim %[[B]], %{{.*}} : tensor<2x?xf32>
// CHECK: %[[I1:.*]] = tensor.insert_slice %[[B]] into %[[I0]][0, 3] [2, %[[BD]]] [1, 1]
// CHECK: %[[BD2:.*]] = tensor.dim %[[B]], %{{.*}} : tensor<2x?xf32>
// CHECK: %[[OFF:.*]] = arith.addi %{{.*}}, %[[BD2]] : index
// CHECK: tensor.insert_slice %[[C]] into %[[I1]][0, %[[OFF]]] [2, 5] [1, 1]
func.func @concat_dynamic_offset(%a: tensor<2x3xf32>, %b: tensor<2x?xf32>, %c: tensor<2x5xf32>) -> tensor<2x?xf32> {
  %0 = onnx.Concat(%a, %b, %c) {axis = -1 : i64} : (tensor<2x3xf32>, tensor<2x?xf32>, tensor<2x5xf32>) -> tensor<2x?xf32>
  return %0 : tensor<2x?xf32>
}

// -----

// Pattern: SplitLowering
// Split without sizes (equal parts) along a negative axis.
// CHECK-LABEL: func @split_equal
// CHECK: tensor.extract_slice %{{.*}}[0, 0] [2, 3] [1, 1] : tensor<2x6xf32> to tensor<2x3xf32>
// CHECK: tensor.extract_slice %{{.*}}[0, 3] [2, 3] [1, 1] : tensor<2x6xf32> to tensor<2x3xf32>
func.func @split_equal(%x: tensor<2x6xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %none = onnx.NoValue
  %0, %1 = onnx.Split(%x, %none) {axis = -1 : i64} : (tensor<2x6xf32>, none) -> (tensor<2x3xf32>, tensor<2x3xf32>)
  return %0, %1 : tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// Pattern: ExpandLowering
// Expand with a static result: a broadcasting copy whose map reads index 0
// of the size-1 input dimension and skips the new leading one.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func @expand_static
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%{{.*}} : tensor<3x1xf32>) outs(%{{.*}} : tensor<2x3x4xf32>)
// CHECK-NEXT: ^bb0(%[[V:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: linalg.yield %[[V]]
func.func @expand_static(%x: tensor<3x1xf32>, %s: tensor<3xi64>) -> tensor<2x3x4xf32> {
  %0 = onnx.Expand(%x, %s) : (tensor<3x1xf32>, tensor<3xi64>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// Pattern: TileLowering
// Tile reads the input at the output index modulo the input size.
// CHECK-DAG: #[[MOD:.*]] = affine_map<(d0, d1) -> (d0 mod 2, d1 mod 3)>
// CHECK-LABEL: func @tile
// CHECK: linalg.generic {indexing_maps = [#[[MOD]], #{{.*}}]{{.*}} ins(%{{.*}} : tensor<2x3xf32>) outs(%{{.*}} : tensor<4x9xf32>)
func.func @tile(%x: tensor<2x3xf32>, %r: tensor<2xi64>) -> tensor<4x9xf32> {
  %0 = onnx.Tile(%x, %r) : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<4x9xf32>
  return %0 : tensor<4x9xf32>
}

// -----

// Pattern: PadLowering
// Constant Pad: pads are [begin..., end...]; the value comes from the
// constant_value operand.
// CHECK-LABEL: func @pad_constant
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>, %[[V:.*]]: tensor<f32>)
// CHECK: %[[PV:.*]] = tensor.extract %[[V]][] : tensor<f32>
// CHECK: tensor.pad %[[X]] low[0, 1] high[1, 3]
// CHECK: tensor.yield %[[PV]] : f32
// CHECK: } : tensor<2x3xf32> to tensor<3x7xf32>
func.func @pad_constant(%x: tensor<2x3xf32>, %v: tensor<f32>) -> tensor<3x7xf32> {
  %p = onnx.Constant() {value = dense<[0, 1, 1, 3]> : tensor<4xi64>} : () -> tensor<4xi64>
  %0 = onnx.Pad(%x, %p, %v) : (tensor<2x3xf32>, tensor<4xi64>, tensor<f32>) -> tensor<3x7xf32>
  return %0 : tensor<3x7xf32>
}

// -----

// A one-element 1-D constant_value is read at index 0.
// CHECK-LABEL: func @pad_constant_1d_value
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>, %[[V:.*]]: tensor<1xf32>)
// CHECK: %[[PV:.*]] = tensor.extract %[[V]][%{{.*}}] : tensor<1xf32>
// CHECK: tensor.yield %[[PV]] : f32
func.func @pad_constant_1d_value(%x: tensor<2x3xf32>, %v: tensor<1xf32>) -> tensor<3x7xf32> {
  %p = onnx.Constant() {value = dense<[0, 1, 1, 3]> : tensor<4xi64>} : () -> tensor<4xi64>
  %0 = onnx.Pad(%x, %p, %v) : (tensor<2x3xf32>, tensor<4xi64>, tensor<1xf32>) -> tensor<3x7xf32>
  return %0 : tensor<3x7xf32>
}

// -----

// Pads read at run time, zero as the default value.
// CHECK-LABEL: func @pad_runtime
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>, %[[P:.*]]: tensor<4xi64>)
// CHECK: %[[E0:.*]] = tensor.extract %[[P]][%c0]
// CHECK: %[[L0:.*]] = arith.index_cast %[[E0]] : i64 to index
// CHECK: %[[E1:.*]] = tensor.extract %[[P]][%c1]
// CHECK: %[[L1:.*]] = arith.index_cast %[[E1]] : i64 to index
// CHECK: %[[E2:.*]] = tensor.extract %[[P]][%c2]
// CHECK: %[[H0:.*]] = arith.index_cast %[[E2]] : i64 to index
// CHECK: %[[E3:.*]] = tensor.extract %[[P]][%c3]
// CHECK: %[[H1:.*]] = arith.index_cast %[[E3]] : i64 to index
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: tensor.pad %[[X]] low[%[[L0]], %[[L1]]] high[%[[H0]], %[[H1]]]
// CHECK: tensor.yield %[[Z]]
func.func @pad_runtime(%x: tensor<2x3xf32>, %p: tensor<4xi64>) -> tensor<?x?xf32> {
  %none = onnx.NoValue
  %0 = onnx.Pad(%x, %p, %none) : (tensor<2x3xf32>, tensor<4xi64>, none) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Reflect Pad mirrors without repeating the edge: i - low folded by |.| into
// a period of 2 * (n - 1) = 6, then reflected when >= n = 4.
// CHECK-LABEL: func @pad_reflect
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[LOW:.*]] = arith.constant 3 : index
// CHECK: %[[REL:.*]] = arith.subi %[[I]], %[[LOW]] : index
// CHECK: %[[PERIOD:.*]] = arith.constant 6 : index
// CHECK: %[[ABS:.*]] = math.absi
// CHECK: %[[M:.*]] = arith.remui %{{.*}}, %[[PERIOD]] : index
// CHECK: %[[N:.*]] = arith.constant 4 : index
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[M]], %[[N]] : index
// CHECK: %[[BACK:.*]] = arith.subi %[[PERIOD]], %[[M]] : index
// CHECK: %[[J:.*]] = arith.select %[[IN]], %[[M]], %[[BACK]] : index
// CHECK: tensor.extract %{{.*}}[%[[J]]] : tensor<4xf32>
func.func @pad_reflect(%x: tensor<4xf32>) -> tensor<9xf32> {
  %p = onnx.Constant() {value = dense<[3, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %none = onnx.NoValue
  %0 = onnx.Pad(%x, %p, %none) {mode = "reflect"} : (tensor<4xf32>, tensor<2xi64>, none) -> tensor<9xf32>
  return %0 : tensor<9xf32>
}

// -----

// Edge Pad clamps i - low into [0, n - 1].
// CHECK-LABEL: func @pad_edge
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[REL:.*]] = arith.subi %[[I]], %c3 : index
// CHECK: %[[LO:.*]] = arith.maxsi %[[REL]], %c0 : index
// CHECK: %[[HI:.*]] = arith.minsi %[[LO]], %c3{{.*}} : index
// CHECK: tensor.extract %{{.*}}[%[[HI]]] : tensor<4xf32>
func.func @pad_edge(%x: tensor<4xf32>) -> tensor<9xf32> {
  %p = onnx.Constant() {value = dense<[3, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %none = onnx.NoValue
  %0 = onnx.Pad(%x, %p, %none) {mode = "edge"} : (tensor<4xf32>, tensor<2xi64>, none) -> tensor<9xf32>
  return %0 : tensor<9xf32>
}

// -----

// Pattern: DropoutLowering
// Dropout outside training forwards the data; the mask is all true.
// CHECK-LABEL: func @dropout_mask
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>)
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %c0
// CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<?x4xi1>
// CHECK: %[[T:.*]] = arith.constant true
// CHECK: %[[M:.*]] = linalg.fill ins(%[[T]] : i1) outs(%[[E]] : tensor<?x4xi1>)
// CHECK: return %[[X]], %[[M]]
func.func @dropout_mask(%x: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xi1>) {
  %none = onnx.NoValue
  %0, %1 = onnx.Dropout(%x, %none, %none) : (tensor<?x4xf32>, none, none) -> (tensor<?x4xf32>, tensor<?x4xi1>)
  return %0, %1 : tensor<?x4xf32>, tensor<?x4xi1>
}

// -----

// An explicit training_mode = false is inference too.
// CHECK-LABEL: func @dropout_not_training
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>
// CHECK-NOT: linalg
// CHECK: return %[[X]]
func.func @dropout_not_training(%x: tensor<4xf32>, %r: tensor<f32>) -> tensor<4xf32> {
  %t = onnx.Constant() {value = dense<false> : tensor<i1>} : () -> tensor<i1>
  %0, %1 = onnx.Dropout(%x, %r, %t) : (tensor<4xf32>, tensor<f32>, tensor<i1>) -> (tensor<4xf32>, none)
  return %0 : tensor<4xf32>
}

// -----

// Training mode read at run time: per element a splitmix64 hash of the
// seed and the row-major position gives u in [0, 1); the element is kept
// when not training or u >= ratio, scaled by 1 / (1 - ratio) in training;
// the mask is the keep flag.
// CHECK-LABEL: func @dropout_training
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<2x3xf32>, %[[R:[a-z0-9_]+]]: tensor<f32>, %[[T:[a-z0-9_]+]]: tensor<i1>)
// CHECK: %[[RATIO:.*]] = tensor.extract %[[R]][]
// CHECK: %[[TRAIN:.*]] = tensor.extract %[[T]][]
// CHECK: %[[KEEPW:.*]] = arith.subf %{{.*}}, %[[RATIO]]
// CHECK: %[[SCALE:.*]] = arith.divf %{{.*}}, %[[KEEPW]]
// CHECK: %[[RES:.*]]:2 = linalg.generic {{.*}} ins(%[[X]] : tensor<2x3xf32>) outs(%{{.*}}, %{{.*}} : tensor<2x3xf32>, tensor<2x3xi1>)
// CHECK: ^bb0(%[[IN:[a-z0-9_]+]]: f32,
// CHECK: linalg.index 0
// CHECK: linalg.index 1
// CHECK: arith.shrui
// CHECK: arith.xori
// CHECK: arith.muli
// CHECK: %[[U:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK: %[[NOTTRAIN:.*]] = arith.xori %[[TRAIN]], %{{.*}} : i1
// CHECK: %[[GE:.*]] = arith.cmpf oge, %[[U]], %[[RATIO]]
// CHECK: %[[KEEP:.*]] = arith.ori %[[NOTTRAIN]], %[[GE]]
// CHECK: %[[SC:.*]] = arith.mulf %[[IN]], %[[SCALE]]
// CHECK: %[[V:.*]] = arith.select %[[TRAIN]], %[[SC]], %[[IN]]
// CHECK: %[[Y:.*]] = arith.select %[[KEEP]], %[[V]], %{{.*}}
// CHECK: linalg.yield %[[Y]], %[[KEEP]]
// CHECK: return %[[RES]]#0, %[[RES]]#1
func.func @dropout_training(%x: tensor<2x3xf32>, %r: tensor<f32>, %t: tensor<i1>) -> (tensor<2x3xf32>, tensor<2x3xi1>) {
  %0, %1 = onnx.Dropout(%x, %r, %t) {seed = 3 : i64} : (tensor<2x3xf32>, tensor<f32>, tensor<i1>) -> (tensor<2x3xf32>, tensor<2x3xi1>)
  return %0, %1 : tensor<2x3xf32>, tensor<2x3xi1>
}

// -----

// Pattern: BlockRearrangeLowering<DepthToSpaceOp, true>
// DepthToSpace CRD: [n, c/(b*b), b, b, h, w], permuted to
// [n, c', h, b, w, b], collapsed.
// CHECK-LABEL: func @depth_to_space_crd
// CHECK: %[[E:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2, 3], [4], [5]] output_shape [1, 2, 2, 2, 2, 3]
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[E]] : tensor<1x2x2x2x2x3xf32>) outs(%{{.*}} : tensor<1x2x2x2x3x2xf32>) permutation = [0, 1, 4, 2, 5, 3]
// CHECK: tensor.collapse_shape %[[T]] {{\[}}[0], [1], [2, 3], [4, 5]] : tensor<1x2x2x2x3x2xf32> into tensor<1x2x4x6xf32>
func.func @depth_to_space_crd(%x: tensor<1x8x2x3xf32>) -> tensor<1x2x4x6xf32> {
  %0 = onnx.DepthToSpace(%x) {blocksize = 2 : i64, mode = "CRD"} : (tensor<1x8x2x3xf32>) -> tensor<1x2x4x6xf32>
  return %0 : tensor<1x2x4x6xf32>
}

// -----

// DepthToSpace DCR (the default): [n, b, b, c', h, w], another permutation.
// CHECK-LABEL: func @depth_to_space_dcr
// CHECK: linalg.transpose {{.*}} permutation = [0, 3, 4, 1, 5, 2]
func.func @depth_to_space_dcr(%x: tensor<1x8x2x3xf32>) -> tensor<1x2x4x6xf32> {
  %0 = onnx.DepthToSpace(%x) {blocksize = 2 : i64} : (tensor<1x8x2x3xf32>) -> tensor<1x2x4x6xf32>
  return %0 : tensor<1x2x4x6xf32>
}

// -----

// Pattern: BlockRearrangeLowering<SpaceToDepthOp, false>
// SpaceToDepth: [n, c, h/b, b, w/b, b] permuted to [n, b, b, c, h/b, w/b].
// CHECK-LABEL: func @space_to_depth
// CHECK: %[[E:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0], [1], [2, 3], [4, 5]] output_shape [1, 2, 2, 2, 3, 2]
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[E]] : {{.*}}) outs(%{{.*}} : tensor<1x2x2x2x2x3xf32>) permutation = [0, 3, 5, 1, 2, 4]
// CHECK: tensor.collapse_shape %[[T]] {{\[}}[0], [1, 2, 3], [4], [5]] : tensor<1x2x2x2x2x3xf32> into tensor<1x8x2x3xf32>
func.func @space_to_depth(%x: tensor<1x2x4x6xf32>) -> tensor<1x8x2x3xf32> {
  %0 = onnx.SpaceToDepth(%x) {blocksize = 2 : i64} : (tensor<1x2x4x6xf32>) -> tensor<1x8x2x3xf32>
  return %0 : tensor<1x8x2x3xf32>
}
