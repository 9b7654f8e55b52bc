// RUN: fulcrum-opt %s --split-input-file --fulcrum-test-print-cost -o /dev/null | FileCheck %s
// RUN: fulcrum-opt %s --split-input-file --fulcrum-test-print-cost="target-description=sm_80" -o /dev/null | FileCheck %s --check-prefix=GPU
// RUN: fulcrum-opt %s --split-input-file --fulcrum-test-print-cost="target-description=loihi2" -o /dev/null | FileCheck %s --check-prefix=SNN
// RUN: fulcrum-opt %s --split-input-file --fulcrum-test-print-cost="winograd=false" -o /dev/null | FileCheck %s --check-prefix=DIRECT

// ONNX ops by class: a convolution (2*16*3*3*3 MACs per output, plus the
// bias), an element-wise op, a reduction and a matrix product; the constant
// and the reshape (a view) do no work.
// CHECK-LABEL: cost of @onnx_classes on x86-64-v4 (1 thread)
// CHECK: conv1 onnx.Conv convolution 0.901 0.080 compute
// CHECK: relu1 onnx.Relu elementwise 0.016 0.131
// CHECK: pool1 onnx.GlobalAveragePool reduction 0.016
// CHECK-NOT: onnx.Constant
// CHECK-NOT: onnx.Reshape
// CHECK: fc onnx.MatMul gemm 0.000
// CHECK: total: 4 layers
// GPU-LABEL: cost of @onnx_classes on sm_80 (1 thread)
// GPU: conv1 onnx.Conv convolution
// GPU: total: 4 layers
// SNN-LABEL: cost of @onnx_classes on loihi2
// SNN: conv1 onnx.Conv convolution {{.*}} synops
func.func @onnx_classes(%x: tensor<1x3x32x32xf32>) -> tensor<1x10xf32> {
  %w = onnx.Constant() {value = dense<0.5> : tensor<16x3x3x3xf32>} : () -> tensor<16x3x3x3xf32> loc("w")
  %b = onnx.Constant() {value = dense<0.0> : tensor<16xf32>} : () -> tensor<16xf32> loc("b")
  %y = onnx.Conv(%x, %w, %b) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<1x16x32x32xf32> loc("conv1")
  %r = onnx.Relu(%y) : (tensor<1x16x32x32xf32>) -> tensor<1x16x32x32xf32> loc("relu1")
  %p = onnx.GlobalAveragePool(%r) : (tensor<1x16x32x32xf32>) -> tensor<1x16x1x1xf32> loc("pool1")
  %s = onnx.Constant() {value = dense<[1, 16]> : tensor<2xi64>} : () -> tensor<2xi64> loc("shape")
  %f = onnx.Reshape(%p, %s) : (tensor<1x16x1x1xf32>, tensor<2xi64>) -> tensor<1x16xf32> loc("flatten")
  %fw = onnx.Constant() {value = dense<0.1> : tensor<16x10xf32>} : () -> tensor<16x10xf32> loc("fw")
  %o = onnx.MatMul(%f, %fw) : (tensor<1x16xf32>, tensor<16x10xf32>) -> tensor<1x10xf32> loc("fc")
  return %o : tensor<1x10xf32>
}

// -----

// Linalg ops by structure: fills, a matmul with a constant operand, a batched
// product of run-time operands, a depthwise convolution, a 1x1 convolution
// (a matrix product), an element-wise generic with a transcendental, a
// transpose and a reduction.
// CHECK-LABEL: cost of @linalg_classes
// CHECK: linalg.fill data_movement
// CHECK: linalg.matmul gemm 0.524
// CHECK: linalg.batch_matmul dynamic_gemm 1.049
// CHECK: linalg.depthwise_conv_2d_nchw_chw depthwise
// CHECK: linalg.conv_2d_nchw_fchw gemm
// CHECK: linalg.generic elementwise
// CHECK: linalg.transpose transpose
// CHECK: linalg.fill data_movement
// CHECK: linalg.generic reduction
// CHECK: total: 9 layers
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @linalg_classes(%a: tensor<64x64xf32>, %q: tensor<4x64x32xf32>, %k: tensor<4x32x64xf32>, %x: tensor<1x8x10x10xf32>) -> (tensor<64x64xf32>, tensor<4x64x64xf32>, tensor<1x8x8x8xf32>, tensor<1x8x10x10xf32>, tensor<64xf32>) {
  %w = arith.constant dense<1.0> : tensor<64x64xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<64x64xf32>) -> tensor<64x64xf32>
  %m = linalg.matmul ins(%a, %w : tensor<64x64xf32>, tensor<64x64xf32>) outs(%f : tensor<64x64xf32>) -> tensor<64x64xf32>
  %be = tensor.empty() : tensor<4x64x64xf32>
  %bm = linalg.batch_matmul ins(%q, %k : tensor<4x64x32xf32>, tensor<4x32x64xf32>) outs(%be : tensor<4x64x64xf32>) -> tensor<4x64x64xf32>
  %dw = arith.constant dense<1.0> : tensor<8x3x3xf32>
  %de = tensor.empty() : tensor<1x8x8x8xf32>
  %d = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %dw : tensor<1x8x10x10xf32>, tensor<8x3x3xf32>) outs(%de : tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
  %pw = arith.constant dense<1.0> : tensor<8x8x1x1xf32>
  %pe = tensor.empty() : tensor<1x8x10x10xf32>
  %p = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %pw : tensor<1x8x10x10xf32>, tensor<8x8x1x1xf32>) outs(%pe : tensor<1x8x10x10xf32>) -> tensor<1x8x10x10xf32>
  %g = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%m : tensor<64x64xf32>) outs(%e : tensor<64x64xf32>) {
  ^bb0(%v: f32, %o: f32):
    %t = math.exp %v : f32
    linalg.yield %t : f32
  } -> tensor<64x64xf32>
  %t = linalg.transpose ins(%g : tensor<64x64xf32>) outs(%e : tensor<64x64xf32>) permutation = [1, 0]
  %re = tensor.empty() : tensor<64xf32>
  %rf = linalg.fill ins(%z : f32) outs(%re : tensor<64xf32>) -> tensor<64xf32>
  %r = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]} ins(%t : tensor<64x64xf32>) outs(%rf : tensor<64xf32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.addf %v, %o : f32
    linalg.yield %s : f32
  } -> tensor<64xf32>
  return %t, %bm, %d, %p, %r : tensor<64x64xf32>, tensor<4x64x64xf32>, tensor<1x8x8x8xf32>, tensor<1x8x10x10xf32>, tensor<64xf32>
}

// -----

// negative_: views, constants and casts do no work and are not listed.
// CHECK-LABEL: cost of @negative_views
// CHECK-NOT: tensor.expand_shape
// CHECK-NOT: arith.constant
// CHECK: total: 0 layers
func.func @negative_views(%a: tensor<64xf32>) -> tensor<8x8xf32> {
  %c = arith.constant dense<1.0> : tensor<4xf32>
  %r = tensor.expand_shape %a [[0, 1]] output_shape [8, 8] : tensor<64xf32> into tensor<8x8xf32>
  return %r : tensor<8x8xf32>
}

// -----

// The CPU kernels compute whole register tiles (8 rows x 32 columns with
// AVX-512): 49 rows (a 7x7 image's pixels) take as long as 56, and 40
// columns as long as 64. Below one tile of rows (a batch-1 product) the
// weights' loads bound the time, priced by the memory term.
// CHECK-LABEL: cost of @register_tiles
// (Without the tiles m49 would take 49/56 and n40 40/64 of the others'
// time; the few percent left apart come from the efficiency curve, which
// is interpolated by size.)
// CHECK: m49 linalg.matmul gemm 12.845 {{[0-9.]+}} compute 59.{{[0-9]+}}
// CHECK: m56 linalg.matmul gemm 14.680 {{[0-9.]+}} compute 59.{{[0-9]+}}
// CHECK: n40 linalg.matmul gemm 2.621 {{[0-9.]+}} compute 16.{{[0-9]+}}
// CHECK: n64 linalg.matmul gemm 4.194 {{[0-9.]+}} compute 16.{{[0-9]+}}
func.func @register_tiles(%a49: tensor<49x512xf32>, %a56: tensor<56x512xf32>, %a64: tensor<64x512xf32>) -> (tensor<49x256xf32>, tensor<56x256xf32>, tensor<64x40xf32>, tensor<64x64xf32>) {
  %w = arith.constant dense<0.5> : tensor<512x256xf32>
  %w40 = arith.constant dense<0.5> : tensor<512x40xf32>
  %w64 = arith.constant dense<0.5> : tensor<512x64xf32>
  %zero = arith.constant 0.0 : f32
  %e49 = tensor.empty() : tensor<49x256xf32>
  %c49 = linalg.fill ins(%zero : f32) outs(%e49 : tensor<49x256xf32>) -> tensor<49x256xf32>
  %y49 = linalg.matmul ins(%a49, %w : tensor<49x512xf32>, tensor<512x256xf32>) outs(%c49 : tensor<49x256xf32>) -> tensor<49x256xf32> loc("m49")
  %e56 = tensor.empty() : tensor<56x256xf32>
  %c56 = linalg.fill ins(%zero : f32) outs(%e56 : tensor<56x256xf32>) -> tensor<56x256xf32>
  %y56 = linalg.matmul ins(%a56, %w : tensor<56x512xf32>, tensor<512x256xf32>) outs(%c56 : tensor<56x256xf32>) -> tensor<56x256xf32> loc("m56")
  %e40 = tensor.empty() : tensor<64x40xf32>
  %c40 = linalg.fill ins(%zero : f32) outs(%e40 : tensor<64x40xf32>) -> tensor<64x40xf32>
  %y40 = linalg.matmul ins(%a64, %w40 : tensor<64x512xf32>, tensor<512x40xf32>) outs(%c40 : tensor<64x40xf32>) -> tensor<64x40xf32> loc("n40")
  %e64 = tensor.empty() : tensor<64x64xf32>
  %c64 = linalg.fill ins(%zero : f32) outs(%e64 : tensor<64x64xf32>) -> tensor<64x64xf32>
  %y64 = linalg.matmul ins(%a64, %w64 : tensor<64x512xf32>, tensor<512x64xf32>) outs(%c64 : tensor<64x64xf32>) -> tensor<64x64xf32> loc("n64")
  return %y49, %y56, %y40, %y64 : tensor<49x256xf32>, tensor<56x256xf32>, tensor<64x40xf32>, tensor<64x64xf32>
}

// -----

// Winograd: a 3x3 convolution at stride 1 with 32 channels in and out runs
// on the CPU as Winograd F(2x2, 3x3), priced at the multiply-adds it
// executes: 8 x 8 tiles x 16 x 32 x 32 = 1048576 of the nominal 2359296
// (the flops column stays nominal: 4.719 M + the bias). With
// winograd=false (and on GPUs) it is priced in full: 22.19 us against
// 9.94, the ratio of the flops executed (4.727 M against 2.105 M) with
// the kernel overhead. A stride-2 convolution with the same window and
// channels is priced in full either way (negative_).
// CHECK-LABEL: cost of @winograd on x86-64-v4 (1 thread)
// CHECK: wino onnx.Conv convolution 4.727 0.103 compute 9.94
// CHECK: strided onnx.Conv convolution 1.182 0.078 compute 5.68
// DIRECT-LABEL: cost of @winograd on x86-64-v4 (1 thread)
// DIRECT: wino onnx.Conv convolution 4.727 0.103 compute 22.19
// DIRECT: strided onnx.Conv convolution 1.182 0.078 compute 5.68
func.func @winograd(%x: tensor<1x32x16x16xf32>) -> (tensor<1x32x16x16xf32>, tensor<1x32x8x8xf32>) {
  %w = onnx.Constant() {value = dense<0.5> : tensor<32x32x3x3xf32>} : () -> tensor<32x32x3x3xf32> loc("w")
  %b = onnx.Constant() {value = dense<0.0> : tensor<32xf32>} : () -> tensor<32xf32> loc("b")
  %y = onnx.Conv(%x, %w, %b) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x32x16x16xf32>, tensor<32x32x3x3xf32>, tensor<32xf32>) -> tensor<1x32x16x16xf32> loc("wino")
  %z = onnx.Conv(%x, %w, %b) {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x32x16x16xf32>, tensor<32x32x3x3xf32>, tensor<32xf32>) -> tensor<1x32x8x8xf32> loc("strided")
  return %y, %z : tensor<1x32x16x16xf32>, tensor<1x32x8x8xf32>
}
