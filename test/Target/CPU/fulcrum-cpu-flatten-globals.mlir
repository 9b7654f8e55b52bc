// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-flatten-globals | FileCheck %s

// A constant N-D global becomes 1-D over the same blob; its gets expand
// back to the original shape.
// CHECK: memref.global "private" constant @w : memref<12xf32> = dense_resource<w>
// CHECK-LABEL: func.func @resource(
// CHECK: %[[F:.*]] = memref.get_global @w : memref<12xf32>
// CHECK: %[[E:.*]] = memref.expand_shape %[[F]] {{\[}}[0, 1, 2]] output_shape [2, 3, 2] : memref<12xf32> into memref<2x3x2xf32>
// CHECK: return %[[E]]
memref.global "private" constant @w : memref<2x3x2xf32> = dense_resource<w>
func.func @resource() -> memref<2x3x2xf32> {
  %0 = memref.get_global @w : memref<2x3x2xf32>
  return %0 : memref<2x3x2xf32>
}
{-#
  dialect_resources: {
    builtin: {
      w: "0x04000000000000000000803F0000004000004040000080400000A0400000C0400000E0400000004100001041000020410000304100"
    }
  }
#-}

// -----

// dense<> initializers are reshaped element for element.
// CHECK: memref.global "private" constant @d : memref<4xi32> = dense<[1, 2, 3, 4]>
// CHECK-LABEL: func.func @dense(
// CHECK: memref.expand_shape
memref.global "private" constant @d : memref<2x2xi32> = dense<[[1, 2], [3, 4]]>
func.func @dense() -> memref<2x2xi32> {
  %0 = memref.get_global @d : memref<2x2xi32>
  return %0 : memref<2x2xi32>
}

// -----

// negative_: 1-D globals, mutable globals and dynamic layouts stay as they
// are.
// CHECK: memref.global "private" constant @flat : memref<4xf32>
// CHECK: memref.global "private" @mutable : memref<2x2xf32>
// CHECK-LABEL: func.func @negative(
// CHECK-NOT: memref.expand_shape
memref.global "private" constant @flat : memref<4xf32> = dense<1.0>
memref.global "private" @mutable : memref<2x2xf32> = dense<0.0>
func.func @negative() -> (memref<4xf32>, memref<2x2xf32>) {
  %0 = memref.get_global @flat : memref<4xf32>
  %1 = memref.get_global @mutable : memref<2x2xf32>
  return %0, %1 : memref<4xf32>, memref<2x2xf32>
}
