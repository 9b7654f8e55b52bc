// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --canonicalize --split-input-file | FileCheck %s

// Det and RoiAlign: per output element, scf loops over tensors (Gaussian
// elimination; bilinear samples of a bin). Canonicalized after the
// conversion.

// Pattern: DetLowering
// Per matrix (the batch loop), a copy of the [2, 2] slice is eliminated:
// for each column k the row of the largest |a[i, k]| is found and swapped
// with row k (negating the determinant), the pivot multiplies it, and the
// rows below subtract f * row k (f = 0 for a zero pivot).
// CHECK-LABEL: func @det
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<3x2x2xf32>)
// CHECK: %[[R:.*]] = scf.for %[[BI:[a-z0-9_]+]] = {{.*}} iter_args(%[[OUT:[a-z0-9_]+]] = %{{.*}}) -> (tensor<3xf32>)
// CHECK: %[[A:.*]] = tensor.extract_slice %[[X]][%[[BI]], 0, 0] [1, 2, 2] [1, 1, 1] : tensor<3x2x2xf32> to tensor<2x2xf32>
// CHECK: %[[E:.*]]:2 = scf.for %[[K:[a-z0-9_]+]] = {{.*}} -> (tensor<?x?xf32>, f32)
// CHECK: math.absf
// CHECK: %[[P:.*]]:2 = scf.for {{.*}} -> (index, f32)
// CHECK: arith.cmpf ogt
// CHECK: %[[SW:.*]] = scf.for {{.*}} -> (tensor<?x?xf32>)
// CHECK: %[[PIV:.*]] = tensor.extract %[[SW]][%[[K]], %[[K]]]
// CHECK: %[[SWAPPED:.*]] = arith.cmpi ne, %[[P]]#0, %[[K]]
// CHECK: %[[D:.*]] = arith.mulf %{{.*}}, %[[PIV]]
// CHECK: %[[ND:.*]] = arith.negf %[[D]]
// CHECK: %[[DET:.*]] = arith.select %[[SWAPPED]], %[[ND]], %[[D]]
// CHECK: %[[ZERO:.*]] = arith.cmpf oeq, %[[PIV]]
// CHECK: scf.for
// CHECK: arith.divf %{{.*}}, %[[PIV]]
// CHECK: arith.select %[[ZERO]]
// CHECK: scf.for
// CHECK: arith.subf
// CHECK: tensor.insert %[[E]]#1 into %[[OUT]][%[[BI]]]
// CHECK: return %[[R]]
func.func @det(%x: tensor<3x2x2xf32>) -> tensor<3xf32> {
  %0 = onnx.Det(%x) : (tensor<3x2x2xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// A single matrix: no batch loop, a 0-d result.
// CHECK-LABEL: func @det_single
// CHECK-NOT: tensor.extract_slice %arg0[%
// CHECK: tensor.insert %{{.*}} into %{{.*}}[] : tensor<f64>
func.func @det_single(%x: tensor<4x4xf64>) -> tensor<f64> {
  %0 = onnx.Det(%x) : (tensor<4x4xf64>) -> tensor<f64>
  return %0 : tensor<f64>
}

// -----

// Pattern: RoiAlignLowering
// Half-pixel coordinates (offset 0.5), a 2 x 2 grid per bin: the generic's
// body sums the bilinear samples of the grid, 0 for those outside
// [-1, 10], clamping the high index at 9, and divides by 4.
// CHECK-LABEL: func @roialign
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<1x1x10x10xf32>, %[[R:[a-z0-9_]+]]: tensor<3x4xf32>, %[[B:[a-z0-9_]+]]: tensor<3xi64>)
// CHECK-DAG: %[[C9:.*]] = arith.constant 9 : i64
// CHECK-DAG: %[[TEN:.*]] = arith.constant 1.000000e+01 : f32
// CHECK-DAG: %[[FOUR:.*]] = arith.constant 4.000000e+00 : f32
// CHECK-DAG: %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<3x1x5x5xf32>)
// CHECK: %[[ROI:.*]] = linalg.index 0
// CHECK: %[[CH:.*]] = linalg.index 1
// CHECK: %[[BV:.*]] = tensor.extract %[[B]][%[[ROI]]]
// CHECK: %[[N:.*]] = arith.index_cast %[[BV]]
// CHECK: %[[X1:.*]] = tensor.extract %[[R]][%[[ROI]], %{{.*}}]
// CHECK: arith.subf %[[X1]], %[[HALF]]
// CHECK: %[[SUM:.*]] = scf.for {{.*}} -> (f32)
// CHECK: scf.for {{.*}} -> (f32)
// CHECK: arith.cmpf ogt, %{{.*}}, %[[TEN]]
// CHECK: arith.cmpi sge, %{{.*}}, %[[C9]]
// CHECK: tensor.extract %[[X]][%[[N]], %[[CH]], %{{.*}}, %{{.*}}]
// CHECK: %[[AVG:.*]] = arith.divf %[[SUM]], %[[FOUR]]
// CHECK: linalg.yield %[[AVG]]
func.func @roialign(%x: tensor<1x1x10x10xf32>, %r: tensor<3x4xf32>, %b: tensor<3xi64>) -> tensor<3x1x5x5xf32> {
  %0 = onnx.RoiAlign(%x, %r, %b) {output_height = 5 : i64, output_width = 5 : i64, sampling_ratio = 2 : i64} : (tensor<1x1x10x10xf32>, tensor<3x4xf32>, tensor<3xi64>) -> tensor<3x1x5x5xf32>
  return %0 : tensor<3x1x5x5xf32>
}

// -----

// output_half_pixel: no offset, regions at least 1 x 1; sampling_ratio 0:
// ceil(bin size) samples per bin, counted at run time.
// CHECK-LABEL: func @roialign_adaptive
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK: math.ceil
// CHECK: math.ceil
// CHECK: arith.divf %{{.*}}, %{{.*}} : f32
func.func @roialign_adaptive(%x: tensor<1x2x8x8xf32>, %r: tensor<2x4xf32>, %b: tensor<2xi64>) -> tensor<2x2x3x3xf32> {
  %0 = onnx.RoiAlign(%x, %r, %b) {coordinate_transformation_mode = "output_half_pixel", output_height = 3 : i64, output_width = 3 : i64} : (tensor<1x2x8x8xf32>, tensor<2x4xf32>, tensor<2xi64>) -> tensor<2x2x3x3xf32>
  return %0 : tensor<2x2x3x3xf32>
}
