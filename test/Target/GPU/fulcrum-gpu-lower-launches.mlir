// RUN: fulcrum-opt %s --fulcrum-gpu-lower-launches --split-input-file --verify-diagnostics | FileCheck %s
// RUN: fulcrum-opt %s --fulcrum-gpu-lower-launches="runtime=cuda index-bytes=8" --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=CUDA
// RUN: fulcrum-opt %s --fulcrum-gpu-lower-launches --cse --split-input-file --verify-diagnostics | FileCheck %s --check-prefix=HAND

// The binary and the kernel name become NUL-terminated globals; the launch
// a call with one [kind, value, bytes, flags] row per argument: the buffer
// (16 bytes, written), the constant weight (flag 2) and an index scalar.
// CHECK-DAG: memref.global "private" constant @__fulcrum_gpu_binary_fulcrum_kernels : memref<4xi8> = dense<[1, 2, 3, 0]>
// CHECK-DAG: memref.global "private" constant @__fulcrum_gpu_kernel_fulcrum_kernels_k : memref<2xi8> = dense<[107, 0]>
// CHECK-DAG: func.func private @fulcrum_vulkan_launch(memref<?xi8>, memref<?xi8>, index, index, index, index, index, index, memref<?x4xi64>)
// CHECK-LABEL: func.func @f
// CHECK: %[[W:.*]] = memref.get_global @w
// CHECK: %[[ARGS:.*]] = memref.alloca() : memref<3x4xi64>
// CHECK: memref.extract_aligned_pointer_as_index %arg0
// CHECK: arith.constant 16 : i64
// CHECK: arith.constant 1 : i64
// CHECK: memref.extract_aligned_pointer_as_index %[[W]]
// CHECK: arith.constant 2 : i64
// CHECK: arith.index_cast %arg1 : index to i64
// CHECK: arith.constant 4 : i64
// CHECK: %[[CAST:.*]] = memref.cast %[[ARGS]] : memref<3x4xi64> to memref<?x4xi64>
// CHECK: call @fulcrum_vulkan_launch(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[CAST]])
// CHECK-NOT: gpu.launch_func
// CHECK-NOT: gpu.binary
// CUDA: arith.index_cast %arg1 : index to i64
// CUDA: arith.constant 8 : i64
// CUDA: call @fulcrum_cuda_launch
module attributes {gpu.container_module} {
  memref.global "private" constant @w : memref<2xf32> = dense<[1.0, 2.0]>
  func.func @f(%a: memref<4xf32>, %n: index) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %w = memref.get_global @w : memref<2xf32>
    gpu.launch_func @fulcrum_kernels::@k blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%a : memref<4xf32>, %w : memref<2xf32>, %n : index) {fulcrum.written_args = array<i64: 0>}
    return
  }
  gpu.binary @fulcrum_kernels [#gpu.object<#spirv.target_env<#spirv.vce<v1.0, [Shader], []>, #spirv.resource_limits<>>, "\01\02\03">]
}

// -----

// A dynamic first dimension: the extent is computed at run time.
// CHECK-LABEL: func.func @dynamic
// CHECK: %[[ROWS:.*]] = memref.dim %arg0, %{{.*}} : memref<?x3xf32>
// CHECK: %[[R64:.*]] = arith.index_cast %[[ROWS]] : index to i64
// CHECK: arith.muli %[[R64]], %{{.*}} : i64
module attributes {gpu.container_module} {
  func.func @dynamic(%a: memref<?x3xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @fulcrum_kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?x3xf32>)
    return
  }
  gpu.binary @fulcrum_kernels [#gpu.object<#spirv.target_env<#spirv.vce<v1.0, [Shader], []>, #spirv.resource_limits<>>, "\01">]
}

// -----

// A kernel argument's static view (fulcrum-gpu-static-kernel-arguments, for
// NVVM's bare pointers) stands for its source: the extent is the source's,
// computed at run time, and an allocation that only such views, its size
// and launches use stays resident (flags 5, then 4) and is released.
// CUDA-LABEL: func.func @kernel_argument_view
// CUDA: %[[T:.*]] = memref.alloc(%{{.*}}) : memref<?x3xf32>
// CUDA: memref.extract_aligned_pointer_as_index %[[V:.*]] : memref<1x3xf32>
// CUDA: %[[ROWS:.*]] = memref.dim %[[T]], %{{.*}} : memref<?x3xf32>
// CUDA: %[[R64:.*]] = arith.index_cast %[[ROWS]] : index to i64
// CUDA: %[[BYTES:.*]] = arith.muli %[[R64]], %c12_i64 : i64
// CUDA: memref.store %[[BYTES]]
// CUDA: memref.store %c5_i64
// CUDA: call @fulcrum_cuda_launch
// CUDA: memref.store %c4_i64
// CUDA: call @fulcrum_cuda_launch
// CUDA: call @fulcrum_cuda_release
// CUDA-NEXT: memref.dealloc %[[T]]
module attributes {gpu.container_module} {
  func.func @kernel_argument_view(%n: index) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %t = memref.alloc(%n) : memref<?x3xf32>
    %v = memref.reinterpret_cast %t to offset: [0], sizes: [1, 3], strides: [3, 1] {fulcrum.kernel_argument} : memref<?x3xf32> to memref<1x3xf32>
    %rows = memref.dim %t, %c0 : memref<?x3xf32>
    gpu.launch_func @fulcrum_kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%v : memref<1x3xf32>, %rows : index) {fulcrum.written_args = array<i64: 0>}
    gpu.launch_func @fulcrum_kernels::@k2 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%v : memref<1x3xf32>, %rows : index) {fulcrum.written_args = array<i64>}
    memref.dealloc %t : memref<?x3xf32>
    return
  }
  gpu.binary @fulcrum_kernels [#gpu.object<#spirv.target_env<#spirv.vce<v1.0, [Shader], []>, #spirv.resource_limits<>>, "\01">]
}

// -----

// A buffer only kernels use is resident (flag 4, with 1 where written): the
// runtime never copies it, and the model releases the device copy before it
// frees the buffer. The result buffer, which the host returns, is copied.
// CHECK-LABEL: func.func @resident
// CHECK: %[[T:.*]] = memref.alloc() : memref<4xf32>
// CHECK: %[[R:.*]] = memref.alloc() : memref<4xf32>
// CHECK: memref.extract_aligned_pointer_as_index %[[T]]
// CHECK: arith.constant 5 : i64
// CHECK: call @fulcrum_vulkan_launch
// CHECK: memref.extract_aligned_pointer_as_index %[[T]]
// CHECK: arith.constant 4 : i64
// CHECK: memref.extract_aligned_pointer_as_index %[[R]]
// CHECK: arith.constant 1 : i64
// CHECK: call @fulcrum_vulkan_launch
// CHECK: %[[P:.*]] = memref.extract_aligned_pointer_as_index %[[T]]
// CHECK: %[[P64:.*]] = arith.index_cast %[[P]] : index to i64
// CHECK: call @fulcrum_vulkan_release(%[[P64]]) : (i64) -> ()
// CHECK-NEXT: memref.dealloc %[[T]]
// CHECK: return %[[R]]
// CUDA-LABEL: func.func @resident
// CUDA: call @fulcrum_cuda_release
module attributes {gpu.container_module} {
  func.func @resident() -> memref<4xf32> {
    %c1 = arith.constant 1 : index
    %t = memref.alloc() : memref<4xf32>
    %r = memref.alloc() : memref<4xf32>
    gpu.launch_func @fulcrum_kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%t : memref<4xf32>) {fulcrum.written_args = array<i64: 0>}
    gpu.launch_func @fulcrum_kernels::@k2 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%t : memref<4xf32>, %r : memref<4xf32>) {fulcrum.written_args = array<i64: 1>}
    memref.dealloc %t : memref<4xf32>
    return %r : memref<4xf32>
  }
  gpu.binary @fulcrum_kernels [#gpu.object<#spirv.target_env<#spirv.vce<v1.0, [Shader], []>, #spirv.resource_limits<>>, "\01">]
}

// -----

// Reshapes of a buffer keep its address and size: a buffer whose views
// only kernels use is resident too (flag 4 on the buffer and on its views).
// CHECK-LABEL: func.func @resident_through_views
// CHECK: %[[T:.*]] = memref.alloc() : memref<2x4xf32>
// CHECK: memref.extract_aligned_pointer_as_index %[[T]]
// CHECK: arith.constant 5 : i64
// CHECK: call @fulcrum_vulkan_launch
// CHECK: %[[V:.*]] = memref.collapse_shape %[[T]]
// CHECK: memref.extract_aligned_pointer_as_index %[[V]]
// CHECK: arith.constant 4 : i64
// CHECK: call @fulcrum_vulkan_launch
// CHECK: %[[W:.*]] = memref.reshape %[[T]]
// CHECK: memref.extract_aligned_pointer_as_index %[[W]]
// CHECK: arith.constant 4 : i64
// CHECK: call @fulcrum_vulkan_launch
// CHECK: call @fulcrum_vulkan_release
// CHECK-NEXT: memref.dealloc %[[T]]
module attributes {gpu.container_module} {
  func.func @resident_through_views(%shape: memref<1xindex>) -> memref<8xf32> {
    %c1 = arith.constant 1 : index
    %t = memref.alloc() : memref<2x4xf32>
    %r = memref.alloc() : memref<8xf32>
    gpu.launch_func @fulcrum_kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%t : memref<2x4xf32>) {fulcrum.written_args = array<i64: 0>}
    %v = memref.collapse_shape %t [[0, 1]] : memref<2x4xf32> into memref<8xf32>
    gpu.launch_func @fulcrum_kernels::@k2 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%v : memref<8xf32>, %r : memref<8xf32>) {fulcrum.written_args = array<i64: 1>}
    %w = memref.reshape %t(%shape) : (memref<2x4xf32>, memref<1xindex>) -> memref<8xf32>
    gpu.launch_func @fulcrum_kernels::@k2 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%w : memref<8xf32>, %r : memref<8xf32>) {fulcrum.written_args = array<i64: 1>}
    memref.dealloc %t : memref<2x4xf32>
    return %r : memref<8xf32>
  }
  gpu.binary @fulcrum_kernels [#gpu.object<#spirv.target_env<#spirv.vce<v1.0, [Shader], []>, #spirv.resource_limits<>>, "\01">]
}

// -----

// Hand-offs: the output is written by a fill, then by two accumulations,
// then returned. The fill keeps it on the device (1 | 8), the first
// accumulation takes it from there and keeps it (1 | 16 | 8), the last
// takes it and copies it back (1 | 16). The input is copied in for the
// first accumulation (0) and found on the device by the second (16).
// HAND-LABEL: func.func @hand_off
// HAND: memref.store %c9_i64, %{{.*}}[%c0, %c3] : memref<1x4xi64>
// HAND: call @fulcrum_vulkan_launch
// HAND: memref.store %c0_i64, %{{.*}}[%c0, %c3] : memref<2x4xi64>
// HAND: memref.store %c25_i64, %{{.*}}[%c1, %c3] : memref<2x4xi64>
// HAND: call @fulcrum_vulkan_launch
// HAND: memref.store %c16_i64, %{{.*}}[%c0, %c3] : memref<2x4xi64>
// HAND: memref.store %c17_i64, %{{.*}}[%c1, %c3] : memref<2x4xi64>
// HAND: call @fulcrum_vulkan_launch
module attributes {gpu.container_module} {
  func.func @hand_off(%in: memref<4xf32>) -> memref<8xf32> {
    %c1 = arith.constant 1 : index
    %r = memref.alloc() : memref<8xf32>
    gpu.launch_func @fulcrum_kernels::@fill blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%r : memref<8xf32>) {fulcrum.written_args = array<i64: 0>}
    gpu.launch_func @fulcrum_kernels::@acc blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%in : memref<4xf32>, %r : memref<8xf32>) {fulcrum.written_args = array<i64: 1>}
    gpu.launch_func @fulcrum_kernels::@acc blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%in : memref<4xf32>, %r : memref<8xf32>) {fulcrum.written_args = array<i64: 1>}
    return %r : memref<8xf32>
  }
  gpu.binary @fulcrum_kernels [#gpu.object<#spirv.target_env<#spirv.vce<v1.0, [Shader], []>, #spirv.resource_limits<>>, "\01">]
}

// -----

// negative_hand_off_host: the host reads the buffer between the launches
// (the first copies it back, the second copies it in), and the launch
// after a reader that only reads it gets no flag 8 from the writer.
// HAND-LABEL: func.func @negative_hand_off_host
// HAND: memref.store %c1_i64, %{{.*}}[%c0, %c3] : memref<1x4xi64>
// HAND: call @fulcrum_vulkan_launch
// HAND: memref.load
// HAND: memref.store %c1_i64, %{{.*}}[%c0, %c3] : memref<1x4xi64>
// HAND: call @fulcrum_vulkan_launch
// HAND: memref.store %c16_i64, %{{.*}}[%c0, %c3] : memref<2x4xi64>
// HAND: memref.store %c1_i64, %{{.*}}[%c1, %c3] : memref<2x4xi64>
// HAND: call @fulcrum_vulkan_launch
module attributes {gpu.container_module} {
  func.func @negative_hand_off_host() -> (f32, memref<8xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %r = memref.alloc() : memref<8xf32>
    %o = memref.alloc() : memref<8xf32>
    gpu.launch_func @fulcrum_kernels::@fill blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%r : memref<8xf32>) {fulcrum.written_args = array<i64: 0>}
    %x = memref.load %r[%c0] : memref<8xf32>
    gpu.launch_func @fulcrum_kernels::@fill blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%r : memref<8xf32>) {fulcrum.written_args = array<i64: 0>}
    gpu.launch_func @fulcrum_kernels::@copy blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%r : memref<8xf32>, %o : memref<8xf32>) {fulcrum.written_args = array<i64: 1>}
    memref.dealloc %r : memref<8xf32>
    return %x, %o : f32, memref<8xf32>
  }
  gpu.binary @fulcrum_kernels [#gpu.object<#spirv.target_env<#spirv.vce<v1.0, [Shader], []>, #spirv.resource_limits<>>, "\01">]
}

// -----

// negative_hand_off_alias: the host writes the buffer through a subview
// made before the launches, and a buffer yielded by an scf.if has aliases
// the pass cannot follow: no hand-off flags for either.
// HAND-LABEL: func.func @negative_hand_off_alias
// HAND: memref.store %c1_i64, %{{.*}}[%c0, %c3] : memref<1x4xi64>
// HAND: call @fulcrum_vulkan_launch
// HAND: memref.store %{{.*}}, %subview
// HAND: memref.store %c1_i64, %{{.*}}[%c0, %c3] : memref<1x4xi64>
// HAND: call @fulcrum_vulkan_launch
// HAND: memref.store %c1_i64, %{{.*}}[%c0, %c3] : memref<1x4xi64>
// HAND: call @fulcrum_vulkan_launch
// HAND: memref.store %c1_i64, %{{.*}}[%c0, %c3] : memref<1x4xi64>
// HAND: call @fulcrum_vulkan_launch
module attributes {gpu.container_module} {
  func.func @negative_hand_off_alias(%v: f32, %p: i1) -> (memref<8xf32>, memref<8xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %r = memref.alloc() : memref<8xf32>
    %s = memref.subview %r[4] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 4>>
    gpu.launch_func @fulcrum_kernels::@fill blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%r : memref<8xf32>) {fulcrum.written_args = array<i64: 0>}
    memref.store %v, %s[%c0] : memref<4xf32, strided<[1], offset: 4>>
    gpu.launch_func @fulcrum_kernels::@fill blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%r : memref<8xf32>) {fulcrum.written_args = array<i64: 0>}
    %t = memref.alloc() : memref<8xf32>
    %t2 = memref.alloc() : memref<8xf32>
    %u = scf.if %p -> memref<8xf32> {
      scf.yield %t : memref<8xf32>
    } else {
      scf.yield %t2 : memref<8xf32>
    }
    gpu.launch_func @fulcrum_kernels::@fill blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%t : memref<8xf32>) {fulcrum.written_args = array<i64: 0>}
    gpu.launch_func @fulcrum_kernels::@fill blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%t : memref<8xf32>) {fulcrum.written_args = array<i64: 0>}
    return %r, %u : memref<8xf32>, memref<8xf32>
  }
  gpu.binary @fulcrum_kernels [#gpu.object<#spirv.target_env<#spirv.vce<v1.0, [Shader], []>, #spirv.resource_limits<>>, "\01">]
}

// -----

// negative_resident_view: the host reads a view of the buffer, so neither
// is resident.
// CHECK-LABEL: func.func @negative_resident_view
// CHECK: arith.constant 1 : i64
// CHECK: call @fulcrum_vulkan_launch
// CHECK-NOT: fulcrum_vulkan_release
// CHECK: memref.load
module attributes {gpu.container_module} {
  func.func @negative_resident_view() -> f32 {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %t = memref.alloc() : memref<2x4xf32>
    gpu.launch_func @fulcrum_kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%t : memref<2x4xf32>) {fulcrum.written_args = array<i64: 0>}
    %v = memref.collapse_shape %t [[0, 1]] : memref<2x4xf32> into memref<8xf32>
    %x = memref.load %v[%c0] : memref<8xf32>
    memref.dealloc %t : memref<2x4xf32>
    return %x : f32
  }
  gpu.binary @fulcrum_kernels [#gpu.object<#spirv.target_env<#spirv.vce<v1.0, [Shader], []>, #spirv.resource_limits<>>, "\01">]
}

// -----

// negative_resident: a buffer the host reads (here a memref.load) is not
// resident: it is copied out after the kernel writes it (flag 1 alone),
// and nothing is released.
// CHECK-LABEL: func.func @negative_resident
// CHECK: memref.extract_aligned_pointer_as_index
// CHECK: arith.constant 1 : i64
// CHECK: call @fulcrum_vulkan_launch
// CHECK-NOT: fulcrum_vulkan_release
// CHECK: memref.load
module attributes {gpu.container_module} {
  func.func @negative_resident() -> f32 {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %t = memref.alloc() : memref<4xf32>
    gpu.launch_func @fulcrum_kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%t : memref<4xf32>) {fulcrum.written_args = array<i64: 0>}
    %v = memref.load %t[%c0] : memref<4xf32>
    memref.dealloc %t : memref<4xf32>
    return %v : f32
  }
  gpu.binary @fulcrum_kernels [#gpu.object<#spirv.target_env<#spirv.vce<v1.0, [Shader], []>, #spirv.resource_limits<>>, "\01">]
}

// -----

// negative: a launch from a module that was not serialized.
module attributes {gpu.container_module} {
  func.func @f(%a: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    // expected-error @below {{no gpu.binary @m to launch from}}
    gpu.launch_func @m::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<4xf32>)
    return
  }
  gpu.module @m {
    gpu.func @k(%a: memref<4xf32>) kernel {
      gpu.return
    }
  }
}

// -----

// negative: kernel arguments need static strides (only the first
// dimension may be dynamic).
module attributes {gpu.container_module} {
  func.func @f(%a: memref<2x?xf32>) {
    %c1 = arith.constant 1 : index
    // expected-error @below {{kernel argument 0 is not a memref with the identity layout and static strides}}
    gpu.launch_func @m::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<2x?xf32>)
    return
  }
  gpu.binary @m [#gpu.object<#spirv.target_env<#spirv.vce<v1.0, [Shader], []>, #spirv.resource_limits<>>, "\01">]
}
