// RUN: fulcrum-opt %s --fulcrum-gpu-merge-kernel-modules --split-input-file | FileCheck %s

// Two outlined kernels move into one module, renamed after their modules;
// the launches follow and list the operands their kernel writes.
// CHECK-LABEL: func.func @f
// CHECK: gpu.launch_func @fulcrum_kernels::@f_kernel {{.*}} {fulcrum.written_args = array<i64: 1>}
// CHECK: gpu.launch_func @fulcrum_kernels::@f_kernel_0 {{.*}} {fulcrum.written_args = array<i64>}
// CHECK: gpu.module @fulcrum_kernels
// CHECK: gpu.func @f_kernel(
// CHECK: gpu.func @f_kernel_0(
// CHECK-NOT: gpu.module
module attributes {gpu.container_module} {
  func.func @f(%a: memref<4xf32>, %b: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    gpu.launch_func @f_kernel::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%a : memref<4xf32>, %b : memref<4xf32>)
    gpu.launch_func @f_kernel_0::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%a : memref<4xf32>)
    return
  }
  gpu.module @f_kernel {
    gpu.func @f_kernel(%a: memref<4xf32>, %b: memref<4xf32>) kernel {
      %t = gpu.thread_id x
      %v = memref.load %a[%t] : memref<4xf32>
      memref.store %v, %b[%t] : memref<4xf32>
      gpu.return
    }
  }
  gpu.module @f_kernel_0 {
    gpu.func @f_kernel(%a: memref<4xf32>) kernel {
      %t = gpu.thread_id x
      %v = memref.load %a[%t] : memref<4xf32>
      gpu.return
    }
  }
}

// -----

// negative: a module without kernels is left as it is.
// CHECK-LABEL: func.func @negative_none
// CHECK-NOT: gpu.module
func.func @negative_none() {
  return
}
