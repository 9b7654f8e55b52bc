// RUN: fulcrum-opt %s --fulcrum-gpu-kernels-to-spirv --split-input-file --verify-diagnostics | FileCheck %s

// A kernel becomes a GLCompute entry point with its known block size as
// LocalSize, its memrefs storage buffers bound in order, erf a polynomial
// and atan the GLSL instruction.
// CHECK-LABEL: spirv.module @__spv__fulcrum_kernels Logical GLSL450
// CHECK-DAG: spirv.GlobalVariable @[[A:.*]] bind(0, 0) : !spirv.ptr<!spirv.struct<(!spirv.array<4 x f32, stride=4> [0])>, StorageBuffer>
// CHECK-DAG: spirv.GlobalVariable @[[B:.*]] bind(0, 1) : !spirv.ptr<!spirv.struct<(!spirv.array<4 x f32, stride=4> [0])>, StorageBuffer>
// CHECK: spirv.func @k()
// CHECK-NOT: math.erf
// CHECK: spirv.GL.Atan
// CHECK: spirv.EntryPoint "GLCompute" @k
// CHECK: spirv.ExecutionMode @k "LocalSize", 4, 1, 1
// CHECK: gpu.module @fulcrum_kernels
module attributes {gpu.container_module} {
  gpu.module @fulcrum_kernels {
    gpu.func @k(%a: memref<4xf32>, %b: memref<4xf32>) kernel attributes {known_block_size = array<i32: 4, 1, 1>} {
      %t = gpu.thread_id x
      %v = memref.load %a[%t] : memref<4xf32>
      %e = math.erf %v : f32
      %r = math.atan %e : f32
      memref.store %r, %b[%t] : memref<4xf32>
      gpu.return
    }
  }
}

// -----

// negative: what SPIR-V cannot express is an error naming the op.
module attributes {gpu.container_module} {
  gpu.module @fulcrum_kernels {
    gpu.func @k(%a: memref<4xf64>) kernel attributes {known_block_size = array<i32: 4, 1, 1>} {
      %t = gpu.thread_id x
      %v = memref.load %a[%t] : memref<4xf64>
      // expected-error @below {{failed to legalize operation 'math.erf'}}
      %e = math.erf %v : f64
      memref.store %e, %a[%t] : memref<4xf64>
      gpu.return
    }
  }
}
