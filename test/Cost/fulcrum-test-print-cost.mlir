// RUN: fulcrum-opt %s --split-input-file --fulcrum-test-print-cost -o /dev/null | FileCheck %s
// RUN: fulcrum-opt %s --split-input-file --fulcrum-test-print-cost="target-description=sm_80" -o /dev/null | FileCheck %s --check-prefix=GPU
// RUN: fulcrum-opt %s --split-input-file --fulcrum-test-print-cost="target-description=loihi2" -o /dev/null | FileCheck %s --check-prefix=SNN
// RUN: fulcrum-opt %s --split-input-file --fulcrum-test-print-cost="winograd=false" -o /dev/null | FileCheck %s --check-prefix=DIRECT
// RUN: fulcrum-opt %s --split-input-file --fulcrum-test-print-cost="target-description=x86-64-v3" -o /dev/null | FileCheck %s --check-prefix=V3

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

// -----

#qx = affine_map<(n, f, h, w, c, kh, kw) -> (n, c, h + kh, w + kw)>
#qw = affine_map<(n, f, h, w, c, kh, kw) -> (f, c, kh, kw)>
#qy = affine_map<(n, f, h, w, c, kh, kw) -> (n, f, h, w)>
#dx = affine_map<(n, c, h, w, kh, kw) -> (n, c, h + kh, w + kw)>
#dw = affine_map<(n, c, h, w, kh, kw) -> (c, 0, kh, kw)>
#dy = affine_map<(n, c, h, w, kh, kw) -> (n, c, h, w)>
#dxs = affine_map<(n, c, h, w, kh, kw) -> (n, c, h + kh, 2 * w + kw)>
#ga = affine_map<(m, n, k) -> (m, k)>
#gb = affine_map<(m, n, k) -> (n, k)>
#gc = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(n, c, h, w) -> (n, c, h, w)>
#ch = affine_map<(n, c, h, w) -> (c)>

// The integer contractions a fulcrum.qconv or fulcrum.qgemm lowers to
// (tagged fulcrum.qcontraction) are priced as the 8-bit kernels run them:
// by the tag's kind, at the int8 peak (4x the fp32 one on x86-64-v4), with
// no read of the i32 fill and the requantization's bytes as the store (the
// 3x3 one moves 0.074 MB: its weights and image, and 16 KiB of bytes). A
// 1x1 convolution and a matrix product are matrix products. The depthwise
// kernel whose sums stay i32 (its f32 form) and the requantization compute
// in f32, at the fp32 peak: the 8-bit depthwise convolution takes as long
// as its fp32 twin, and the requantization of 16,384 sums about 0.4 us,
// not a quarter of that.
// CHECK-LABEL: cost of @quantized_contractions
// CHECK: q3x3 linalg.generic convolution 18.874 0.074 compute 21.40
// CHECK: rq linalg.generic elementwise 0.066 0.082 L2 0.38
// CHECK: q1x1 linalg.generic gemm 2.654
// CHECK: qdw linalg.generic depthwise 0.295 0.038 compute 7.53
// CHECK: fdw linalg.depthwise_conv_2d_nchw_chw depthwise 0.295 0.216 compute 7.53
// CHECK: qgemm linalg.generic gemm 0.524 0.012 compute 0.61
func.func @quantized_contractions(%x: tensor<1x64x18x18xi8>, %w: tensor<64x64x3x3xi8>, %s: tensor<64xf32>, %fx: tensor<1x64x18x18xf32>, %a: tensor<64x64xi8>, %b: tensor<64x64xi8>) -> (tensor<1x64x16x16xi8>, tensor<1x64x18x18xi32>, tensor<1x64x16x16xi32>, tensor<1x64x16x16xf32>, tensor<64x64xi32>) {
  %c0 = arith.constant 0 : i32
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x64x16x16xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x64x16x16xi32>) -> tensor<1x64x16x16xi32>
  %acc = linalg.generic {indexing_maps = [#qx, #qw, #qy], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %w : tensor<1x64x18x18xi8>, tensor<64x64x3x3xi8>) outs(%f : tensor<1x64x16x16xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "conv", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 0 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<1x64x16x16xi32> loc("q3x3")
  %e8 = tensor.empty() : tensor<1x64x16x16xi8>
  %y = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%acc, %s : tensor<1x64x16x16xi32>, tensor<64xf32>) outs(%e8 : tensor<1x64x16x16xi8>) attrs = {fulcrum.requantize = {hi = 255 : i64, lo = 0 : i64, mode = "bytes", y_zero_point = 0 : i64}} {
  ^bb0(%v: i32, %m: f32, %o: i8):
    %0 = arith.sitofp %v : i32 to f32
    %1 = arith.mulf %0, %m : f32
    %2 = arith.fptosi %1 : f32 to i32
    %3 = arith.trunci %2 : i32 to i8
    linalg.yield %3 : i8
  } -> tensor<1x64x16x16xi8> loc("rq")
  %fe = tensor.empty() : tensor<1x64x16x16xf32>
  %ff = linalg.fill ins(%z : f32) outs(%fe : tensor<1x64x16x16xf32>) -> tensor<1x64x16x16xf32>
  %pw = arith.constant dense<1> : tensor<64x64x1x1xi8>
  %pe = tensor.empty() : tensor<1x64x18x18xi32>
  %pf = linalg.fill ins(%c0 : i32) outs(%pe : tensor<1x64x18x18xi32>) -> tensor<1x64x18x18xi32>
  %p = linalg.generic {indexing_maps = [#qx, #qw, #qy], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%x, %pw : tensor<1x64x18x18xi8>, tensor<64x64x1x1xi8>) outs(%pf : tensor<1x64x18x18xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "conv", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 0 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<1x64x18x18xi32> loc("q1x1")
  %dwt = arith.constant dense<1> : tensor<64x1x3x3xi8>
  %d = linalg.generic {indexing_maps = [#dx, #dw, #dy], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x, %dwt : tensor<1x64x18x18xi8>, tensor<64x1x3x3xi8>) outs(%f : tensor<1x64x16x16xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "dwconv", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 0 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<1x64x16x16xi32> loc("qdw")
  %fdwt = arith.constant dense<1.0> : tensor<64x3x3xf32>
  %fd = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%fx, %fdwt : tensor<1x64x18x18xf32>, tensor<64x3x3xf32>) outs(%ff : tensor<1x64x16x16xf32>) -> tensor<1x64x16x16xf32> loc("fdw")
  %ge = tensor.empty() : tensor<64x64xi32>
  %gf = linalg.fill ins(%c0 : i32) outs(%ge : tensor<64x64xi32>) -> tensor<64x64xi32>
  %g = linalg.generic {indexing_maps = [#ga, #gb, #gc], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<64x64xi8>, tensor<64x64xi8>) outs(%gf : tensor<64x64xi32>) attrs = {fulcrum.qcontraction = {kind = "gemm", x_signed = false, x_zero_point = 0 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<64x64xi32> loc("qgemm")
  return %y, %p, %d, %fd, %g : tensor<1x64x16x16xi8>, tensor<1x64x18x18xi32>, tensor<1x64x16x16xi32>, tensor<1x64x16x16xf32>, tensor<64x64xi32>
}

// An 8-bit depthwise convolution requantized to bytes at unit stride along
// W over channels in 16s runs on vpdpbusd where the target has AVX-512
// VNNI (x86-64-v4): at the int8 peak, its 3 taps a row executed as 4, so
// about a third of the f32 form's time (2.58 us against @quantized_
// contractions' qdw, 7.53). Along W at stride 2, or over 24 channels, it
// keeps the f32 form at the fp32 peak (3.82 us for half the work of dwq);
// so does every one on x86-64-v3 (no VNNI: dwq 26.26 us).
// CHECK-LABEL: cost of @quantized_depthwise_quads
// CHECK: dwq linalg.generic depthwise 0.295 0.038 compute 2.58
// CHECK: dws linalg.generic depthwise 0.147 0.030 compute 3.82
// CHECK: dw24 linalg.generic depthwise 0.111 0.014 compute 2.89
// V3-LABEL: cost of @quantized_depthwise_quads
// V3: dwq linalg.generic depthwise 0.295 0.038 compute 26.26
// V3: dws linalg.generic depthwise 0.147 0.030 compute 15.08
func.func @quantized_depthwise_quads(%x: tensor<1x64x18x18xi8>, %x24: tensor<1x24x18x18xi8>, %s: tensor<64xf32>, %s24: tensor<24xf32>) -> (tensor<1x64x16x16xi8>, tensor<1x64x16x8xi8>, tensor<1x24x16x16xi8>) {
  %c0 = arith.constant 0 : i32
  %dwt = arith.constant dense<1> : tensor<64x1x3x3xi8>
  %e = tensor.empty() : tensor<1x64x16x16xi32>
  %f = linalg.fill ins(%c0 : i32) outs(%e : tensor<1x64x16x16xi32>) -> tensor<1x64x16x16xi32>
  %d = linalg.generic {indexing_maps = [#dx, #dw, #dy], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x, %dwt : tensor<1x64x18x18xi8>, tensor<64x1x3x3xi8>) outs(%f : tensor<1x64x16x16xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "dwconv", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 0 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<1x64x16x16xi32> loc("dwq")
  %e8 = tensor.empty() : tensor<1x64x16x16xi8>
  %y = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%d, %s : tensor<1x64x16x16xi32>, tensor<64xf32>) outs(%e8 : tensor<1x64x16x16xi8>) attrs = {fulcrum.requantize = {hi = 255 : i64, lo = 0 : i64, mode = "bytes", y_zero_point = 0 : i64}} {
  ^bb0(%v: i32, %m: f32, %o: i8):
    %0 = arith.sitofp %v : i32 to f32
    %1 = arith.mulf %0, %m : f32
    %2 = arith.fptosi %1 : f32 to i32
    %3 = arith.trunci %2 : i32 to i8
    linalg.yield %3 : i8
  } -> tensor<1x64x16x16xi8> loc("rq1")
  %es = tensor.empty() : tensor<1x64x16x8xi32>
  %fs = linalg.fill ins(%c0 : i32) outs(%es : tensor<1x64x16x8xi32>) -> tensor<1x64x16x8xi32>
  %ds = linalg.generic {indexing_maps = [#dxs, #dw, #dy], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x, %dwt : tensor<1x64x18x18xi8>, tensor<64x1x3x3xi8>) outs(%fs : tensor<1x64x16x8xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "dwconv", strides = array<i64: 1, 2>, x_signed = false, x_zero_point = 0 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<1x64x16x8xi32> loc("dws")
  %es8 = tensor.empty() : tensor<1x64x16x8xi8>
  %ys = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%ds, %s : tensor<1x64x16x8xi32>, tensor<64xf32>) outs(%es8 : tensor<1x64x16x8xi8>) attrs = {fulcrum.requantize = {hi = 255 : i64, lo = 0 : i64, mode = "bytes", y_zero_point = 0 : i64}} {
  ^bb0(%v: i32, %m: f32, %o: i8):
    %0 = arith.sitofp %v : i32 to f32
    %1 = arith.mulf %0, %m : f32
    %2 = arith.fptosi %1 : f32 to i32
    %3 = arith.trunci %2 : i32 to i8
    linalg.yield %3 : i8
  } -> tensor<1x64x16x8xi8> loc("rq2")
  %dwt24 = arith.constant dense<1> : tensor<24x1x3x3xi8>
  %e24 = tensor.empty() : tensor<1x24x16x16xi32>
  %f24 = linalg.fill ins(%c0 : i32) outs(%e24 : tensor<1x24x16x16xi32>) -> tensor<1x24x16x16xi32>
  %d24 = linalg.generic {indexing_maps = [#dx, #dw, #dy], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%x24, %dwt24 : tensor<1x24x18x18xi8>, tensor<24x1x3x3xi8>) outs(%f24 : tensor<1x24x16x16xi32>) attrs = {fulcrum.qcontraction = {dilations = array<i64: 1, 1>, kind = "dwconv", strides = array<i64: 1, 1>, x_signed = false, x_zero_point = 0 : i64}} {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<1x24x16x16xi32> loc("dw24")
  %e824 = tensor.empty() : tensor<1x24x16x16xi8>
  %y24 = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%d24, %s24 : tensor<1x24x16x16xi32>, tensor<24xf32>) outs(%e824 : tensor<1x24x16x16xi8>) attrs = {fulcrum.requantize = {hi = 255 : i64, lo = 0 : i64, mode = "bytes", y_zero_point = 0 : i64}} {
  ^bb0(%v: i32, %m: f32, %o: i8):
    %0 = arith.sitofp %v : i32 to f32
    %1 = arith.mulf %0, %m : f32
    %2 = arith.fptosi %1 : f32 to i32
    %3 = arith.trunci %2 : i32 to i8
    linalg.yield %3 : i8
  } -> tensor<1x24x16x16xi8> loc("rq3")
  return %y, %ys, %y24 : tensor<1x64x16x16xi8>, tensor<1x64x16x8xi8>, tensor<1x24x16x16xi8>
}

// -----

#gx = affine_map<(m, n, k) -> (m, k)>
#gy = affine_map<(m, n, k) -> (n, k)>
#gz = affine_map<(m, n, k) -> (m, n)>

// negative_: the same integer product without the tag is no 8-bit
// kernel's: a product of run-time operands at the fp32 peak, seven times
// the tagged one's 0.61 us.
// CHECK-LABEL: cost of @negative_untagged_integer_product
// CHECK: plain linalg.generic dynamic_gemm 0.524 0.041 compute 4.32
func.func @negative_untagged_integer_product(%a: tensor<64x64xi8>, %b: tensor<64x64xi8>) -> tensor<64x64xi32> {
  %c0 = arith.constant 0 : i32
  %ge = tensor.empty() : tensor<64x64xi32>
  %gf = linalg.fill ins(%c0 : i32) outs(%ge : tensor<64x64xi32>) -> tensor<64x64xi32>
  %g = linalg.generic {indexing_maps = [#gx, #gy, #gz], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<64x64xi8>, tensor<64x64xi8>) outs(%gf : tensor<64x64xi32>) {
  ^bb0(%in: i8, %wt: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extsi %wt : i8 to i32
    %2 = arith.muli %0, %1 : i32
    %3 = arith.addi %out, %2 : i32
    linalg.yield %3 : i32
  } -> tensor<64x64xi32> loc("plain")
  return %g : tensor<64x64xi32>
}
