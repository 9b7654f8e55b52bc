// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --split-input-file | FileCheck %s

// If, Loop and Scan: their subgraph regions move into scf ops, whose onnx
// ops the other patterns lower in place. Refusals are in
// fulcrum-convert-onnx-to-linalg-errors.mlir.

// Pattern: IfLowering
// If becomes scf.if on the extracted condition; each branch casts what it
// yields to the If's result type.
// CHECK-LABEL: func @if_select
// CHECK-SAME: (%[[C:.*]]: tensor<i1>, %[[A:.*]]: tensor<2xf32>, %[[B:.*]]: tensor<3xf32>)
// CHECK: %[[COND:.*]] = tensor.extract %[[C]][] : tensor<i1>
// CHECK: %[[R:.*]] = scf.if %[[COND]] -> (tensor<?xf32>) {
// CHECK: %[[RELU:.*]] = linalg.generic
// CHECK: %[[T:.*]] = tensor.cast %[[RELU]] : tensor<2xf32> to tensor<?xf32>
// CHECK: scf.yield %[[T]] : tensor<?xf32>
// CHECK: } else {
// CHECK: %[[E:.*]] = tensor.cast %[[B]] : tensor<3xf32> to tensor<?xf32>
// CHECK: scf.yield %[[E]] : tensor<?xf32>
// CHECK: return %[[R]] : tensor<?xf32>
func.func @if_select(%c: tensor<i1>, %a: tensor<2xf32>, %b: tensor<3xf32>) -> tensor<?xf32> {
  %0 = onnx.If(%c) else_branch {
    onnx.Yield %b : tensor<3xf32>
  } then_branch {
    %1 = onnx.Relu(%a) : (tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %1 : tensor<2xf32>
  } : (tensor<i1>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// Pattern: LoopLowering
// Loop with a trip count and a condition: scf.while over (iteration,
// condition, carried value, scan accumulator). The accumulator starts with
// min(M, 1024) rows, doubles when full, and is cut to the iteration count.
// CHECK-LABEL: func @loop
// CHECK-SAME: (%[[M:.*]]: tensor<i64>, %[[C:.*]]: tensor<i1>, %[[Y:.*]]: tensor<1xf32>)
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK-DAG: %[[MAX:.*]] = arith.constant 1024 : i64
// CHECK-DAG: %[[TRIP:.*]] = tensor.extract %[[M]][] : tensor<i64>
// CHECK-DAG: %[[COND:.*]] = tensor.extract %[[C]][] : tensor<i1>
// CHECK: %[[MIN:.*]] = arith.minsi %[[TRIP]], %[[MAX]] : i64
// CHECK: %[[CAP:.*]] = arith.maxsi %[[MIN]], %[[ZERO]] : i64
// CHECK: %[[CAPI:.*]] = arith.index_cast %[[CAP]] : i64 to index
// CHECK: %[[ACC:.*]] = tensor.empty(%[[CAPI]]) : tensor<?x1xf32>
// CHECK: %[[W:.*]]:4 = scf.while (%[[I:.*]] = %[[ZERO]], %[[CI:.*]] = %[[COND]], %[[YI:.*]] = %[[Y]], %[[AI:.*]] = %[[ACC]]) : (i64, i1, tensor<1xf32>, tensor<?x1xf32>) -> (i64, i1, tensor<1xf32>, tensor<?x1xf32>) {
// CHECK: %[[LT:.*]] = arith.cmpi slt, %[[I]], %[[TRIP]] : i64
// CHECK: %[[GO:.*]] = arith.andi %[[LT]], %[[CI]] : i1
// CHECK: scf.condition(%[[GO]]) %[[I]], %[[CI]], %[[YI]], %[[AI]]
// CHECK: } do {
// CHECK: ^bb0(%[[I2:.*]]: i64, %[[C2:.*]]: i1, %[[Y2:.*]]: tensor<1xf32>, %[[A2:.*]]: tensor<?x1xf32>):
// CHECK: %[[CT:.*]] = tensor.from_elements %[[C2]] : tensor<i1>
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[Y2]], %[[Y2]]
// CHECK: %[[NEXT:.*]] = arith.addi %[[I2]], %{{.*}} : i64
// CHECK: %[[NC:.*]] = tensor.extract %[[CT]][] : tensor<i1>
// CHECK: %[[IDX:.*]] = arith.index_cast %[[I2]] : i64 to index
// CHECK: %[[DIM:.*]] = tensor.dim %[[A2]]
// CHECK: %[[FULL:.*]] = arith.cmpi uge, %[[IDX]], %[[DIM]] : index
// CHECK: %[[GROWN:.*]] = scf.if %[[FULL]] -> (tensor<?x1xf32>) {
// CHECK: %[[TWICE:.*]] = arith.shli %[[DIM]]
// CHECK: %[[SIZE:.*]] = arith.maxui %[[TWICE]]
// CHECK: %[[NEW:.*]] = tensor.empty(%[[SIZE]]) : tensor<?x1xf32>
// CHECK: tensor.insert_slice %[[A2]] into %[[NEW]][0, 0] [%[[DIM]], 1] [1, 1]
// CHECK: } else {
// CHECK: scf.yield %[[A2]] : tensor<?x1xf32>
// CHECK: %[[INS:.*]] = tensor.insert_slice %[[SUM]] into %[[GROWN]][%[[IDX]], 0] [1, 1] [1, 1] : tensor<1xf32> into tensor<?x1xf32>
// CHECK: scf.yield %[[NEXT]], %[[NC]], %[[SUM]], %[[INS]] : i64, i1, tensor<1xf32>, tensor<?x1xf32>
// CHECK: %[[N:.*]] = arith.index_cast %[[W]]#0 : i64 to index
// CHECK: %[[SCAN:.*]] = tensor.extract_slice %[[W]]#3[0, 0] [%[[N]], 1] [1, 1]
// CHECK: return %[[W]]#2, %[[SCAN]] : tensor<1xf32>, tensor<?x1xf32>
func.func @loop(%m: tensor<i64>, %c: tensor<i1>, %y: tensor<1xf32>) -> (tensor<1xf32>, tensor<?x1xf32>) {
  %0:2 = onnx.Loop(%m, %c, %y) body {
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %yi: tensor<1xf32>):
    %1 = onnx.Add(%yi, %yi) : (tensor<1xf32>, tensor<1xf32>) -> tensor<1xf32>
    onnx.Yield %ci, %1, %1 : tensor<i1>, tensor<1xf32>, tensor<1xf32>
  } : (tensor<i64>, tensor<i1>, tensor<1xf32>) -> (tensor<1xf32>, tensor<?x1xf32>)
  return %0#0, %0#1 : tensor<1xf32>, tensor<?x1xf32>
}

// -----

// Without a cond input the loop runs M times and ignores the body's
// condition; a carried value whose shape changes is a dynamic tensor.
// CHECK-LABEL: func @loop_no_cond
// CHECK: %[[W:.*]]:3 = scf.while (%[[I:.*]] = %{{.*}}, %[[CI:.*]] = %true, %[[V:.*]] = %{{.*}}) : (i64, i1, tensor<?xf32>) -> (i64, i1, tensor<?xf32>) {
// CHECK: %[[LT:.*]] = arith.cmpi slt, %[[I]], %{{.*}} : i64
// CHECK-NEXT: scf.condition(%[[LT]])
// CHECK: ^bb0(%{{.*}}: i64, %[[C2:.*]]: i1, %{{.*}}: tensor<?xf32>):
// CHECK: tensor.insert_slice %{{.*}} into
// CHECK: scf.yield %{{.*}}, %[[C2]], %{{.*}} : i64, i1, tensor<?xf32>
func.func @loop_no_cond(%m: tensor<i64>, %v: tensor<1xf32>) -> tensor<?xf32> {
  %none = onnx.NoValue
  %0 = onnx.Loop(%m, %none, %v) body {
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %vi: tensor<?xf32>):
    %1 = onnx.Concat(%vi, %vi) {axis = 0 : i64} : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
    onnx.Yield %ci, %1 : tensor<i1>, tensor<?xf32>
  } : (tensor<i64>, none, tensor<1xf32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// A scan element of run-time shape: the accumulator starts without rows and
// takes the element's sizes when it first grows.
// CHECK-LABEL: func @loop_dynamic_element
// CHECK-SAME: (%{{.*}}: tensor<i64>, %[[V:.*]]: tensor<?xf32>)
// CHECK: %[[ACC:.*]] = tensor.empty(%[[Z:.*]], %[[Z]]) : tensor<?x?xf32>
// CHECK: scf.while
// CHECK: scf.if
// CHECK: %[[D:.*]] = tensor.dim %[[E:.*]], %{{.*}} : tensor<?xf32>
// CHECK: tensor.empty(%{{.*}}, %[[D]]) : tensor<?x?xf32>
func.func @loop_dynamic_element(%m: tensor<i64>, %v: tensor<?xf32>) -> tensor<?x?xf32> {
  %none = onnx.NoValue
  %0:2 = onnx.Loop(%m, %none, %v) body {
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %vi: tensor<?xf32>):
    onnx.Yield %ci, %vi, %vi : tensor<i1>, tensor<?xf32>, tensor<?xf32>
  } : (tensor<i64>, none, tensor<?xf32>) -> (tensor<?xf32>, tensor<?x?xf32>)
  return %0#1 : tensor<?x?xf32>
}

// -----

// Pattern: ScanLowering
// Scan over axis 1 backwards, stacking along the last axis forwards: an
// scf.for over the scan length reads slice T-1-i and writes column i.
// CHECK-LABEL: func @scan
// CHECK-SAME: (%[[S:.*]]: tensor<2xf32>, %[[X:.*]]: tensor<2x3xf32>)
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK: %[[LAST:.*]] = arith.subi %[[C3]], %{{.*}} : index
// CHECK: %[[OUT:.*]] = tensor.empty() : tensor<2x3xf32>
// CHECK: %[[R:.*]]:2 = scf.for %[[IV:.*]] = %{{.*}} to %[[C3]] step %{{.*}} iter_args(%[[SI:.*]] = %[[S]], %[[OI:.*]] = %[[OUT]]) -> (tensor<2xf32>, tensor<2x3xf32>) {
// CHECK: %[[REV:.*]] = arith.subi %[[LAST]], %[[IV]] : index
// CHECK: %[[XI:.*]] = tensor.extract_slice %[[X]][0, %[[REV]]] [2, 1] [1, 1] : tensor<2x3xf32> to tensor<2xf32>
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[SI]], %[[XI]]
// CHECK: %[[INS:.*]] = tensor.insert_slice %[[SUM]] into %[[OI]][0, %[[IV]]] [2, 1] [1, 1] : tensor<2xf32> into tensor<2x3xf32>
// CHECK: scf.yield %[[SUM]], %[[INS]] : tensor<2xf32>, tensor<2x3xf32>
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @scan(%s: tensor<2xf32>, %x: tensor<2x3xf32>) -> (tensor<2xf32>, tensor<2x3xf32>) {
  %0:2 = onnx.Scan(%s, %x) body {
  ^bb0(%si: tensor<2xf32>, %xi: tensor<2xf32>):
    %1 = onnx.Add(%si, %xi) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %1, %1 : tensor<2xf32>, tensor<2xf32>
  } {num_scan_inputs = 1 : i64, scan_input_axes = array<i64: 1>, scan_input_directions = array<i64: 1>, scan_output_axes = array<i64: -1>} : (tensor<2xf32>, tensor<2x3xf32>) -> (tensor<2xf32>, tensor<2x3xf32>)
  return %0#0, %0#1 : tensor<2xf32>, tensor<2x3xf32>
}

// -----

// A scan input of run-time length: the loop bound and the result's
// scan axis are its tensor.dim.
// CHECK-LABEL: func @scan_dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>)
// CHECK: %[[T:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x4xf32>
// CHECK: %[[OUT:.*]] = tensor.empty(%[[T]]) : tensor<?x4xf32>
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[T]]
// CHECK: tensor.extract_slice %[[X]][%{{.*}}, 0] [1, 4] [1, 1] : tensor<?x4xf32> to tensor<4xf32>
func.func @scan_dynamic(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %0 = onnx.Scan(%x) body {
  ^bb0(%xi: tensor<4xf32>):
    %1 = onnx.Relu(%xi) : (tensor<4xf32>) -> tensor<4xf32>
    onnx.Yield %1 : tensor<4xf32>
  } {num_scan_inputs = 1 : i64} : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// Pattern: ScanV8Lowering
// Scan-8 has a batch axis: an scf.for over the batch runs the scan of each
// entry (its slices, scanned along axis 0) and inserts the results there.
// CHECK-LABEL: func @scan_v8
// CHECK-SAME: (%[[S:.*]]: tensor<2x2xf32>, %[[X:.*]]: tensor<2x3x2xf32>)
// CHECK: %[[Y0:.*]] = tensor.empty() : tensor<2x2xf32>
// CHECK: %[[Z0:.*]] = tensor.empty() : tensor<2x3x2xf32>
// CHECK: %[[C2:.*]] = arith.constant 2 : index
// CHECK: %[[R:.*]]:2 = scf.for %[[B:.*]] = %{{.*}} to %[[C2]] step %{{.*}} iter_args(%[[Y:.*]] = %[[Y0]], %[[Z:.*]] = %[[Z0]])
// CHECK: %[[SB:.*]] = tensor.extract_slice %[[S]][%[[B]], 0] [1, 2] [1, 1] : tensor<2x2xf32> to tensor<2xf32>
// CHECK: %[[XB:.*]] = tensor.extract_slice %[[X]][%[[B]], 0, 0] [1, 3, 2] [1, 1, 1] : tensor<2x3x2xf32> to tensor<3x2xf32>
// CHECK: %[[C3:.*]] = arith.constant 3 : index
// CHECK: %[[IN:.*]]:2 = scf.for %[[I:.*]] = %{{.*}} to %[[C3]] step %{{.*}} iter_args(%[[SI:.*]] = %[[SB]], %{{.*}} = %{{.*}}) -> (tensor<2xf32>, tensor<3x2xf32>)
// CHECK: %[[REV:.*]] = arith.subi %{{.*}}, %[[I]] : index
// CHECK: tensor.extract_slice %[[XB]][%[[REV]], 0] [1, 2] [1, 1] : tensor<3x2xf32> to tensor<2xf32>
// CHECK: %[[YB:.*]] = tensor.insert_slice %[[IN]]#0 into %[[Y]][%[[B]], 0] [1, 2] [1, 1] : tensor<2xf32> into tensor<2x2xf32>
// CHECK: %[[ZB:.*]] = tensor.insert_slice %[[IN]]#1 into %[[Z]][%[[B]], 0, 0] [1, 3, 2] [1, 1, 1] : tensor<3x2xf32> into tensor<2x3x2xf32>
// CHECK: scf.yield %[[YB]], %[[ZB]]
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @scan_v8(%s: tensor<2x2xf32>, %x: tensor<2x3x2xf32>) -> (tensor<2x2xf32>, tensor<2x3x2xf32>) {
  %none = onnx.NoValue
  %0:2 = onnx.ScanV8(%none, %s, %x) body {
  ^bb0(%si: tensor<2xf32>, %xi: tensor<2xf32>):
    %1 = onnx.Add(%si, %xi) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %1, %1 : tensor<2xf32>, tensor<2xf32>
  } {num_scan_inputs = 1 : i64, directions = array<i64: 1>} : (none, tensor<2x2xf32>, tensor<2x3x2xf32>) -> (tensor<2x2xf32>, tensor<2x3x2xf32>)
  return %0#0, %0#1 : tensor<2x2xf32>, tensor<2x3x2xf32>
}

// -----

// A scan output with a run-time size besides its axis: allocated in the
// first iteration with the element's sizes.
// CHECK-LABEL: func @scan_dynamic_element
// CHECK-SAME: (%[[X:.*]]: tensor<3x?xf32>)
// CHECK: %[[OUT:.*]] = tensor.empty(%{{.*}}) : tensor<3x?xf32>
// CHECK: scf.for %[[I:.*]] = %[[C0:.*]] to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[OUT]])
// CHECK: %[[E:.*]] = tensor.extract_slice %[[X]][%[[I]], 0]
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[I]], %[[C0]] : index
// CHECK: %[[SIZED:.*]] = scf.if %[[FIRST]] -> (tensor<3x?xf32>) {
// CHECK: %[[D:.*]] = tensor.dim %[[E]], %{{.*}} : tensor<?xf32>
// CHECK: %[[NEW:.*]] = tensor.empty(%[[D]]) : tensor<3x?xf32>
// CHECK: scf.yield %[[NEW]]
// CHECK: } else {
// CHECK: scf.yield %[[ACC]]
// CHECK: tensor.insert_slice %[[E]] into %[[SIZED]][%[[I]], 0]
func.func @scan_dynamic_element(%x: tensor<3x?xf32>) -> tensor<3x?xf32> {
  %0 = onnx.Scan(%x) body {
  ^bb0(%xi: tensor<?xf32>):
    onnx.Yield %xi : tensor<?xf32>
  } {num_scan_inputs = 1 : i64} : (tensor<3x?xf32>) -> tensor<3x?xf32>
  return %0 : tensor<3x?xf32>
}

// -----

// Without a trip count the scan accumulator is not pre-sized: it starts
// without rows and only grows.
// CHECK-LABEL: func @negative_loop_unbounded
// CHECK-NOT: arith.minsi
// CHECK: %[[ACC:.*]] = tensor.empty(%[[Z:.*]]) : tensor<?x2xf32>
// CHECK: scf.while ({{.*}}%{{.*}} = %[[ACC]])
func.func @negative_loop_unbounded(%c: tensor<i1>, %v: tensor<2xf32>) -> tensor<?x2xf32> {
  %none = onnx.NoValue
  %0:2 = onnx.Loop(%none, %c, %v) body {
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %vi: tensor<2xf32>):
    onnx.Yield %ci, %vi, %vi : tensor<i1>, tensor<2xf32>, tensor<2xf32>
  } : (none, tensor<i1>, tensor<2xf32>) -> (tensor<2xf32>, tensor<?x2xf32>)
  return %0#1 : tensor<?x2xf32>
}
