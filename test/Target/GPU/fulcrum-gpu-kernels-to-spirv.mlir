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

// -----

// Subgroup reductions (fulcrum-gpu-subgroup-reductions, mode=subgroup-reduce):
// sums, maxima and minima become GroupNonUniform instructions over the
// subgroup, also when marked uniform (GroupFAdd would need the Groups
// capability, which Vulkan shaders lack); the lane is the
// SubgroupLocalInvocationId builtin, listed in the entry point's interface.
// CHECK-LABEL: spirv.module @__spv__fulcrum_kernels
// CHECK-DAG: spirv.GlobalVariable @__builtin__SubgroupLocalInvocationId__ built_in("SubgroupLocalInvocationId") : !spirv.ptr<i32, Input>
// CHECK-DAG: spirv.GlobalVariable @__builtin__SubgroupId__ built_in("SubgroupId")
// CHECK-DAG: spirv.GlobalVariable @__builtin__NumSubgroups__ built_in("NumSubgroups")
// CHECK: spirv.GroupNonUniformFAdd "Subgroup" "Reduce"
// CHECK: spirv.GroupNonUniformFAdd "Subgroup" "Reduce"
// CHECK: spirv.GroupNonUniformFMax "Subgroup" "Reduce"
// CHECK: spirv.GroupNonUniformFMin "Subgroup" "Reduce"
// CHECK-NOT: spirv.GroupFAdd
// CHECK: spirv.EntryPoint "GLCompute" @k, {{.*}}@__builtin__SubgroupLocalInvocationId__
module attributes {gpu.container_module} {
  gpu.module @fulcrum_kernels {
    gpu.func @k(%a: memref<64xf32>, %b: memref<64xf32>) kernel attributes {known_block_size = array<i32: 64, 1, 1>} {
      %t = gpu.thread_id x
      %v = memref.load %a[%t] : memref<64xf32>
      %s = gpu.subgroup_reduce add %v : (f32) -> f32
      %u = gpu.subgroup_reduce add %v uniform : (f32) -> f32
      %m = gpu.subgroup_reduce maxnumf %v : (f32) -> f32
      %n = gpu.subgroup_reduce minimumf %v : (f32) -> f32
      %l = gpu.lane_id
      %g = gpu.subgroup_id : index
      %c = gpu.num_subgroups : index
      %x = arith.addf %s, %u : f32
      %y = arith.addf %m, %n : f32
      %z = arith.addf %x, %y : f32
      memref.store %z, %b[%l] : memref<64xf32>
      memref.store %z, %b[%g] : memref<64xf32>
      memref.store %z, %b[%c] : memref<64xf32>
      gpu.return
    }
  }
}

// -----

// negative: a bitwise xor over a subgroup has no mapping.
module attributes {gpu.container_module} {
  gpu.module @fulcrum_kernels {
    gpu.func @k(%a: memref<64xi32>) kernel attributes {known_block_size = array<i32: 64, 1, 1>} {
      %t = gpu.thread_id x
      %v = memref.load %a[%t] : memref<64xi32>
      // expected-error @below {{failed to legalize operation 'gpu.subgroup_reduce'}}
      %m = gpu.subgroup_reduce xor %v : (i32) -> i32
      memref.store %m, %a[%t] : memref<64xi32>
      gpu.return
    }
  }
}
