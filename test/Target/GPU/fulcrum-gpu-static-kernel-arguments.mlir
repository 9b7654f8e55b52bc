// RUN: fulcrum-opt %s --fulcrum-gpu-static-kernel-arguments --split-input-file | FileCheck %s
// RUN: fulcrum-opt %s --fulcrum-gpu-static-kernel-arguments --split-input-file -stats 2>&1 >/dev/null | FileCheck %s --check-prefix=STATS
// (test/Target/GPU/nvptx.test and ptxas.test compile dynamic-batch models
// through NVVM's bare-pointer lowering, which fails on a dynamic shape.)

// STATS: 2 fulcrum-gpu-static-kernel-arguments - Kernel arguments given a static type

// A buffer with a dynamic batch: the kernel takes a 1x4 memref and the size,
// and rebuilds the ?x4 view (loads, stores and memref.dim read it); both
// launches pass the same host-side view and size, made once after the
// buffer's definition (the function's start for an argument).
// CHECK-LABEL: func.func @dynamic_batch
// CHECK-SAME: (%[[BUF:.*]]: memref<?x4xf32>, %[[N:.*]]: index)
// CHECK-NEXT: %[[VIEW:.*]] = memref.reinterpret_cast %[[BUF]] to offset: [0], sizes: [1, 4], strides: [4, 1] {fulcrum.kernel_argument} : memref<?x4xf32> to memref<1x4xf32>
// CHECK: %[[SIZE:.*]] = memref.dim %[[BUF]], %{{.*}} : memref<?x4xf32>
// CHECK: gpu.launch_func @m::@k {{.*}} args(%[[VIEW]] : memref<1x4xf32>, %[[N]] : index, %[[SIZE]] : index)
// CHECK: gpu.launch_func @m::@k {{.*}} args(%[[VIEW]] : memref<1x4xf32>, %[[N]] : index, %[[SIZE]] : index)
// CHECK-NOT: memref.reinterpret_cast
// CHECK: gpu.func @k(%[[A:.*]]: memref<1x4xf32>, %{{.*}}: index, %[[ASIZE:.*]]: index) kernel
// CHECK-NEXT: %[[AV:.*]] = memref.reinterpret_cast %[[A]] to offset: [0], sizes: [%[[ASIZE]], 4], strides: [4, 1] : memref<1x4xf32> to memref<?x4xf32>
// CHECK: memref.load %[[AV]]
// CHECK: memref.dim %[[AV]]
// CHECK: memref.store %{{.*}}, %[[AV]]
module attributes {gpu.container_module} {
  func.func @dynamic_batch(%buf: memref<?x4xf32>, %n: index) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @m::@k blocks in (%n, %c1, %c1) threads in (%c1, %c1, %c1) args(%buf : memref<?x4xf32>, %n : index)
    gpu.launch_func @m::@k blocks in (%n, %c1, %c1) threads in (%c1, %c1, %c1) args(%buf : memref<?x4xf32>, %n : index)
    return
  }
  gpu.module @m {
    gpu.func @k(%a: memref<?x4xf32>, %n: index) kernel {
      %c0 = arith.constant 0 : index
      %b = gpu.block_id x
      %v = memref.load %a[%b, %c0] : memref<?x4xf32>
      %d = memref.dim %a, %c0 : memref<?x4xf32>
      %last = arith.subi %d, %b : index
      memref.store %v, %a[%last, %c0] : memref<?x4xf32>
      gpu.return
    }
  }
}

// -----

// An allocation in a loop: its view and size follow the allocation, and
// only the dynamic one of two buffer arguments changes (the sizes come
// after every original argument).
// CHECK-LABEL: func.func @loop_allocation
// CHECK: scf.for
// CHECK-NEXT: %[[ALLOC:.*]] = memref.alloc(%{{.*}}) : memref<?x2x3xi8>
// CHECK-NEXT: %[[VIEW:.*]] = memref.reinterpret_cast %[[ALLOC]] to offset: [0], sizes: [1, 2, 3], strides: [6, 3, 1] {fulcrum.kernel_argument} : memref<?x2x3xi8> to memref<1x2x3xi8>
// CHECK: %[[SIZE:.*]] = memref.dim %[[ALLOC]]
// CHECK: gpu.launch_func @m::@k {{.*}} args(%{{.*}} : memref<8xf32>, %[[VIEW]] : memref<1x2x3xi8>, %[[SIZE]] : index)
// CHECK: memref.dealloc %[[ALLOC]]
// CHECK: gpu.func @k(%{{.*}}: memref<8xf32>, %{{.*}}: memref<1x2x3xi8>, %{{.*}}: index) kernel
module attributes {gpu.container_module} {
  func.func @loop_allocation(%s: memref<8xf32>, %n: index) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    scf.for %i = %c0 to %n step %c1 {
      %buf = memref.alloc(%i) : memref<?x2x3xi8>
      gpu.launch_func @m::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%s : memref<8xf32>, %buf : memref<?x2x3xi8>)
      memref.dealloc %buf : memref<?x2x3xi8>
    }
    return
  }
  gpu.module @m {
    gpu.func @k(%s: memref<8xf32>, %a: memref<?x2x3xi8>) kernel {
      %c0 = arith.constant 0 : index
      %v = memref.load %a[%c0, %c0, %c0] : memref<?x2x3xi8>
      %f = arith.uitofp %v : i8 to f32
      memref.store %f, %s[%c0] : memref<8xf32>
      gpu.return
    }
  }
}

// -----

// negative_static: kernels whose buffers are static are left alone.
// CHECK-LABEL: func.func @negative_static
// CHECK-NOT: memref.reinterpret_cast
// CHECK: gpu.launch_func @m::@k {{.*}} args(%{{.*}} : memref<4x4xf32>)
// CHECK: gpu.func @k(%{{.*}}: memref<4x4xf32>) kernel
module attributes {gpu.container_module} {
  func.func @negative_static(%buf: memref<4x4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @m::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%buf : memref<4x4xf32>)
    return
  }
  gpu.module @m {
    gpu.func @k(%a: memref<4x4xf32>) kernel {
      gpu.return
    }
  }
}

// -----

// negative_dynamic_strides: a dynamic inner dimension (dynamic strides) or
// a strided layout cannot be rebuilt from static strides; left alone.
// CHECK-LABEL: func.func @negative_dynamic_strides
// CHECK-NOT: memref.reinterpret_cast
// CHECK: gpu.func @k(%{{.*}}: memref<?x?xf32>, %{{.*}}: memref<?x4xf32, strided<[8, 1]>>) kernel
module attributes {gpu.container_module} {
  func.func @negative_dynamic_strides(%a: memref<?x?xf32>, %b: memref<?x4xf32, strided<[8, 1]>>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @m::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?x?xf32>, %b : memref<?x4xf32, strided<[8, 1]>>)
    return
  }
  gpu.module @m {
    gpu.func @k(%a: memref<?x?xf32>, %b: memref<?x4xf32, strided<[8, 1]>>) kernel {
      gpu.return
    }
  }
}
