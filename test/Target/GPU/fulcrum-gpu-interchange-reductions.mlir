// RUN: fulcrum-opt %s --pass-pipeline='builtin.module(func.func(fulcrum-gpu-interchange-reductions))' --split-input-file --mlir-print-local-scope | FileCheck %s

// A mean over the tokens (parallel, reduction, parallel): the channel
// dimension moves before the reduction, the maps follow.
// CHECK-LABEL: func.func @sum_tokens
// CHECK: linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %[[OUT:.*]]: f32):
// CHECK-NEXT: arith.addf %[[IN]], %[[OUT]] : f32
func.func @sum_tokens(%x: memref<1x128x256xf32>, %y: memref<1x256xf32>) {
  linalg.generic {indexing_maps = [affine_map<(b, t, c) -> (b, t, c)>,
                                   affine_map<(b, t, c) -> (b, c)>],
                  iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x : memref<1x128x256xf32>) outs(%y : memref<1x256xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A named reduction over the first dimension is generalized, then
// interchanged; linalg.index follows its dimension.
// CHECK-LABEL: func.func @reduce_rows
// CHECK: linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1, d0)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
// CHECK-NOT: linalg.reduce
func.func @reduce_rows(%x: memref<64x32xf32>, %y: memref<32xf32>) {
  linalg.reduce ins(%x : memref<64x32xf32>) outs(%y : memref<32xf32>) dimensions = [0]
    (%in: f32, %out: f32) {
      %m = arith.maximumf %in, %out : f32
      linalg.yield %m : f32
    }
  return
}

// -----

// negative_: reductions already last (a row sum, a matrix product, a
// convolution) stay as they are.
// CHECK-LABEL: func.func @negative_reductions_last
// CHECK: linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
// CHECK: linalg.matmul
// CHECK: linalg.conv_2d_nhwc_hwcf
func.func @negative_reductions_last(%x: memref<8x16xf32>, %y: memref<8xf32>,
    %a: memref<8x16xf32>, %b: memref<16x4xf32>, %c: memref<8x4xf32>,
    %img: memref<1x6x6x3xf32>, %f: memref<3x3x3x4xf32>, %o: memref<1x4x4x4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>,
                                   affine_map<(i, k) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<8x16xf32>) outs(%y : memref<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  }
  linalg.matmul ins(%a, %b : memref<8x16xf32>, memref<16x4xf32>) outs(%c : memref<8x4xf32>)
  linalg.conv_2d_nhwc_hwcf ins(%img, %f : memref<1x6x6x3xf32>, memref<3x3x3x4xf32>) outs(%o : memref<1x4x4x4xf32>)
  return
}

// -----

// negative_: only parallel dimensions (an element-wise op).
// CHECK-LABEL: func.func @negative_elementwise
// CHECK: iterator_types = ["parallel", "parallel"]
func.func @negative_elementwise(%x: memref<4x4xf32>, %y: memref<4x4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (j, i)>,
                                   affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<4x4xf32>) outs(%y : memref<4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  return
}
