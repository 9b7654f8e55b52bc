// RUN: fulcrum-opt %s --fulcrum-gpu-kernels-to-spirv --fulcrum-gpu-serialize-spirv --split-input-file | FileCheck %s

// The SPIR-V module and its gpu.module become one gpu.binary whose object
// starts with the SPIR-V magic number (0x07230203, little-endian).
// CHECK: module
// CHECK-NOT: spirv.module
// CHECK-NOT: gpu.module
// CHECK: gpu.binary @fulcrum_kernels
// CHECK-SAME: #spirv.target_env
// CHECK-SAME: bin = "\03\02#\07
// CHECK-NOT: spirv.module
module attributes {gpu.container_module} {
  gpu.module @fulcrum_kernels {
    gpu.func @k(%a: memref<4xf32>) kernel attributes {known_block_size = array<i32: 4, 1, 1>} {
      %t = gpu.thread_id x
      %v = memref.load %a[%t] : memref<4xf32>
      memref.store %v, %a[%t] : memref<4xf32>
      gpu.return
    }
  }
}

// -----

// negative: a spirv.module the conversion did not make stays.
// CHECK: module
// CHECK: spirv.module @other Logical GLSL450
// CHECK-NOT: gpu.binary
module {
  spirv.module @other Logical GLSL450 requires #spirv.vce<v1.0, [Shader], []> {
  }
}
