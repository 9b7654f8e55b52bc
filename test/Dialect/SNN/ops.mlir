// RUN: fulcrum-opt %s | FileCheck %s
// RUN: fulcrum-opt %s --mlir-print-op-generic | fulcrum-opt | FileCheck %s

// Every snn op round-trips in custom and generic form.
// CHECK-LABEL: func.func @all_ops
func.func @all_ops(%arg0: tensor<1x4x4xf32>) -> tensor<3xf32> {
  // CHECK: %[[IN:.*]] = snn.input %arg0 {name = "in"}
  %0 = snn.input %arg0 {name = "in"} : (tensor<1x4x4xf32>) -> tensor<1x4x4xf32>
  // CHECK: snn.conv2d %[[IN]] {{.*}}dilation = array<i64: 1, 1>
  %1 = snn.conv2d %0 {weight = dense<0.5> : tensor<2x1x3x3xf32>, bias = dense<0.1> : tensor<2xf32>, stride = array<i64: 1, 1>, padding = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  // CHECK: snn.if {{.*}}v_init = dense<5.000000e-01>
  %2 = snn.if %1 {r = dense<1.0> : tensor<1xf32>, v_threshold = dense<1.0> : tensor<1xf32>, v_init = dense<0.5> : tensor<1xf32>} : (tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  // CHECK: snn.sum_pool2d
  %3 = snn.sum_pool2d %2 {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  // CHECK: snn.avg_pool2d
  %4 = snn.avg_pool2d %3 {kernel_size = array<i64: 2, 2>, stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<2x2x2xf32>) -> tensor<2x1x1xf32>
  // CHECK: snn.flatten
  %5 = snn.flatten %4 : (tensor<2x1x1xf32>) -> tensor<2xf32>
  // CHECK: snn.scale
  %6 = snn.scale %5 {scale = dense<[2.0, 3.0]> : tensor<2xf32>} : (tensor<2xf32>) -> tensor<2xf32>
  // CHECK: snn.delay
  %7 = snn.delay %6 {delay = dense<1.0> : tensor<1xf32>} : (tensor<2xf32>) -> tensor<2xf32>
  // CHECK: snn.affine
  %8 = snn.affine %7 {weight = dense<1.0> : tensor<3x2xf32>} : (tensor<2xf32>) -> tensor<3xf32>
  // CHECK: snn.lif {{.*}}reset = "zero"
  %9 = snn.lif %8 {tau = dense<2.0> : tensor<1xf32>, r = dense<1.0> : tensor<1xf32>, v_leak = dense<0.0> : tensor<1xf32>, v_threshold = dense<1.0> : tensor<3xf32>, reset = "zero"} : (tensor<3xf32>) -> tensor<3xf32>
  // CHECK: snn.output %{{.*}}, %{{.*}} :
  %10 = snn.output %9, %8 : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %10 : tensor<3xf32>
}

// The max pooling extension round-trips too.
// CHECK-LABEL: func.func @spike_max_pool
func.func @spike_max_pool(%arg0: tensor<2x4x4xf32>) -> tensor<2x2x2xf32> {
  // CHECK: snn.spike_max_pool2d %arg0 {kernel_size = array<i64: 2, 2>, name = "pool", padding = array<i64: 0, 0>, stride = array<i64: 2, 2>}
  %0 = snn.spike_max_pool2d %arg0 {kernel_size = array<i64: 2, 2>, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>, name = "pool"} : (tensor<2x4x4xf32>) -> tensor<2x2x2xf32>
  return %0 : tensor<2x2x2xf32>
}
