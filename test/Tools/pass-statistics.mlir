// Debian's LLVM counts nothing in mlir::Pass::Statistic (it is built without
// statistics), so Fulcrum's passes also count through always-enabled LLVM
// statistics, printed by -stats when the tool exits.
// RUN: fulcrum-opt -stats --fulcrum-onnx-shape-inference --fulcrum-onnx-fold-shape-computations %s -o /dev/null 2>&1 | FileCheck %s
// CHECK: Fulcrum pass statistics
// CHECK-DAG: 1 fulcrum-onnx-fold-shape-computations - Number of values made constant
// CHECK-DAG: 1 fulcrum-onnx-shape-inference - Number of result types refined

// The compiler reports what the CPU passes did to the trained MLP (three
// products on the GEMM kernel, their weights packed, their bias and ReLU
// epilogues applied by the kernel).
// RUN: fulcrum-compile -stats %fulcrum_src_root/models/mlp-b1.onnx -o %t.o 2>&1 | FileCheck %s --check-prefix=MLP
// MLP: Fulcrum pass statistics
// MLP-DAG: 3 fulcrum-cpu-matmul-to-kernel - Matrix products run on kernels
// MLP-DAG: 3 fulcrum-cpu-matmul-to-kernel - Weights packed at compile time
// MLP-DAG: 3 fulcrum-cpu-matmul-to-kernel - Bias, residual and clamp epilogues applied by the kernel

func.func @f(%x: tensor<?x50x192xf32>, %y: tensor<2x3xf32>) -> (tensor<i64>, tensor<*xf32>) {
  %s = onnx.Shape(%x) : (tensor<?x50x192xf32>) -> tensor<3xi64>
  %i = onnx.Constant() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
  %d = onnx.Gather(%s, %i) : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %r = onnx.Relu(%y) : (tensor<2x3xf32>) -> tensor<*xf32>
  return %d, %r : tensor<i64>, tensor<*xf32>
}
