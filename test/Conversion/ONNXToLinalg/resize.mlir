// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --split-input-file | FileCheck %s

// Resize: one generic over the output whose body maps each resized index
// back to input coordinates (coordinate_transformation_mode), then rounds
// (nearest), blends two (linear) or four (cubic) taps. Dimensions that keep
// their size are read directly. (A linear half_pixel case is in
// reduction-and-loss.mlir.)

// Pattern: ResizeLowering
// Nearest, asymmetric, floor: x / scale, floored, clamped into [0, in - 1];
// both spatial dimensions are resized, the batch and channel ones are not.
// CHECK-LABEL: func @nearest_asymmetric_floor
// CHECK: %[[N:.*]] = linalg.index 0 : index
// CHECK: %[[C:.*]] = linalg.index 1 : index
// CHECK: %[[H:.*]] = linalg.index 2 : index
// CHECK: %[[W:.*]] = linalg.index 3 : index
// CHECK: %[[HI:.*]] = arith.index_cast %[[H]] : index to i64
// CHECK: %[[HF:.*]] = arith.sitofp %[[HI]] : i64 to f32
// CHECK: %[[S:.*]] = arith.constant 2.000000e+00 : f32
// CHECK: %[[HO:.*]] = arith.divf %[[HF]], %[[S]] : f32
// CHECK: %[[HR:.*]] = math.floor %[[HO]] : f32
// CHECK: %[[HLO:.*]] = arith.maximumf %[[HR]], %{{.*}}
// CHECK: %[[LAST:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[HC:.*]] = arith.minimumf %[[HLO]], %[[LAST]]
// CHECK: %[[H64:.*]] = arith.fptosi %[[HC]] : f32 to i64
// CHECK: %[[HIN:.*]] = arith.index_cast %[[H64]] : i64 to index
// CHECK: math.floor
// CHECK: %[[WIN:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: tensor.extract %{{.*}}[%[[N]], %[[C]], %[[HIN]], %[[WIN]]] : tensor<1x1x2x2xf32>
// CHECK-NOT: tensor.extract
// CHECK: linalg.yield
func.func @nearest_asymmetric_floor(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  %none = onnx.NoValue
  %scales = onnx.Constant() {value = dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %0 = onnx.Resize(%x, %none, %scales, %none) {coordinate_transformation_mode = "asymmetric", nearest_mode = "floor"} : (tensor<1x1x2x2xf32>, none, tensor<4xf32>, none) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

// Scales read at run time (tf_half_pixel_for_nn, round_prefer_ceil):
// (x + 0.5) / scales[1], then floor(v + 0.5).
// CHECK-LABEL: func @nearest_runtime_scales
// CHECK-SAME: (%[[X:.*]]: tensor<1x3xf32>, %[[SC:.*]]: tensor<2xf32>)
// CHECK: %[[XF:.*]] = arith.sitofp
// CHECK: %[[S:.*]] = tensor.extract %[[SC]][%c1] : tensor<2xf32>
// CHECK: %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: %[[XH:.*]] = arith.addf %[[XF]], %[[HALF]]
// CHECK: %[[O:.*]] = arith.divf %[[XH]], %[[S]]
// CHECK: %[[OH:.*]] = arith.addf %[[O]], %{{.*}}
// CHECK: %[[R:.*]] = math.floor %[[OH]]
// CHECK: arith.maximumf %[[R]]
func.func @nearest_runtime_scales(%x: tensor<1x3xf32>, %s: tensor<2xf32>) -> tensor<1x6xf32> {
  %none = onnx.NoValue
  %0 = onnx.Resize(%x, %none, %s, %none) {nearest_mode = "round_prefer_ceil", coordinate_transformation_mode = "tf_half_pixel_for_nn"} : (tensor<1x3xf32>, none, tensor<2xf32>, none) -> tensor<1x6xf32>
  return %0 : tensor<1x6xf32>
}

// -----

// The default nearest_mode round_prefer_floor is ceil(v - 0.5); the default
// coordinate mode half_pixel is (x + 0.5) / scale - 0.5.
// CHECK-LABEL: func @nearest_defaults
// CHECK: %[[XH:.*]] = arith.addf %{{.*}}, %{{.*}}
// CHECK: %[[D:.*]] = arith.divf %[[XH]], %{{.*}}
// CHECK: %[[O:.*]] = arith.subf %[[D]], %{{.*}}
// CHECK: %[[OM:.*]] = arith.subf %[[O]], %{{.*}}
// CHECK: math.ceil %[[OM]]
func.func @nearest_defaults(%x: tensor<1x3xf32>) -> tensor<1x6xf32> {
  %none = onnx.NoValue
  %scales = onnx.Constant() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %0 = onnx.Resize(%x, %none, %scales, %none) : (tensor<1x3xf32>, none, tensor<2xf32>, none) -> tensor<1x6xf32>
  return %0 : tensor<1x6xf32>
}

// -----

// Linear, align_corners, sizes given (scale = 5 / 3): x * (in - 1) /
// (in * scale - 1), clamped; taps floor and min(floor + 1, in - 1) with
// weights 1 - frac and frac.
// CHECK-LABEL: func @linear_align_corners
// CHECK: %[[XF:.*]] = arith.sitofp
// CHECK: %[[S:.*]] = arith.constant 1.66666663 : f32
// CHECK: %[[IN:.*]] = arith.constant 3.000000e+00 : f32
// CHECK: %[[LEN:.*]] = arith.mulf %[[IN]], %[[S]]
// CHECK: %[[DEN:.*]] = arith.subf %[[LEN]], %{{.*}}
// CHECK: %[[INM1:.*]] = arith.constant 2.000000e+00 : f32
// CHECK: %[[NUM:.*]] = arith.mulf %[[XF]], %[[INM1]]
// CHECK: %[[O:.*]] = arith.divf %[[NUM]], %[[DEN]]
// CHECK: %[[LO:.*]] = arith.maximumf %[[O]]
// CHECK: %[[CL:.*]] = arith.minimumf %[[LO]]
// CHECK: %[[F:.*]] = math.floor %[[CL]]
// CHECK: %[[FRAC:.*]] = arith.subf %[[CL]], %[[F]]
// CHECK: %[[NEXT:.*]] = arith.addf %[[F]], %{{.*}}
// CHECK: arith.minimumf %[[NEXT]]
// CHECK: %[[W0:.*]] = arith.subf %{{.*}}, %[[FRAC]]
// CHECK: arith.mulf %{{.*}}, %[[W0]]
// CHECK: tensor.extract
// CHECK: arith.mulf %{{.*}}, %[[FRAC]]
// CHECK: tensor.extract
func.func @linear_align_corners(%x: tensor<1x3xf32>) -> tensor<1x5xf32> {
  %none = onnx.NoValue
  %sizes = onnx.Constant() {value = dense<[1, 5]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = onnx.Resize(%x, %none, %none, %sizes) {mode = "linear", coordinate_transformation_mode = "align_corners"} : (tensor<1x3xf32>, none, none, tensor<2xi64>) -> tensor<1x5xf32>
  return %0 : tensor<1x5xf32>
}

// -----

// Cubic with cubic_coeff_a = -0.5 and exclude_outside: four taps floor - 1 ..
// floor + 2 with Keys' kernel ((A + 2) t^3 - (A + 3) t^2 + 1 for t <= 1);
// taps outside [0, in - 1] get weight 0 and the weights are renormalized.
// CHECK-LABEL: func @cubic_exclude_outside
// CHECK: %[[F:.*]] = math.floor
// CHECK: %[[TAP:.*]] = arith.addf %[[F]], %{{.*}}
// CHECK: %[[AP2:.*]] = arith.constant 1.500000e+00 : f32
// CHECK: arith.mulf %[[AP2]]
// CHECK: %[[AP3:.*]] = arith.constant 2.500000e+00 : f32
// CHECK: arith.mulf %[[AP3]]
// CHECK: %[[GE:.*]] = arith.cmpf oge, %[[TAP]], %{{.*}}
// CHECK: %[[LAST:.*]] = arith.constant 3.000000e+00 : f32
// CHECK: %[[LE:.*]] = arith.cmpf ole, %[[TAP]], %[[LAST]]
// CHECK: %[[INSIDE:.*]] = arith.andi %[[GE]], %[[LE]]
// CHECK: arith.select %[[INSIDE]]
// CHECK-COUNT-4: arith.divf %{{.*}}, %{{.*}} : f32
// CHECK-COUNT-4: tensor.extract %{{.*}} : tensor<1x4xf32>
func.func @cubic_exclude_outside(%x: tensor<1x4xf32>) -> tensor<1x8xf32> {
  %none = onnx.NoValue
  %scales = onnx.Constant() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %0 = onnx.Resize(%x, %none, %scales, %none) {mode = "cubic", exclude_outside = 1 : i64, cubic_coeff_a = -0.5 : f32} : (tensor<1x4xf32>, none, tensor<2xf32>, none) -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

// tf_crop_and_resize (linear): the region [start, end] of each resized
// dimension comes from roi (starts at 2 and 3, ends at 6 and 7); the
// coordinate is start * 3 + x * (end - start) * 3 / 2, and an element
// whose coordinate leaves [0, 3] in some dimension is
// extrapolation_value. Size-1 dimensions read their element.
// CHECK-LABEL: func @resize_crop
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<1x1x4x4xf32>, %[[ROI:[a-z0-9_]+]]: tensor<8xf32>)
// CHECK: %[[I2:.*]] = linalg.index 2
// CHECK: %[[S2:.*]] = tensor.extract %[[ROI]][%{{.*}}] : tensor<8xf32>
// CHECK: %[[E2:.*]] = tensor.extract %[[ROI]][%{{.*}}] : tensor<8xf32>
// CHECK: %[[D2:.*]] = arith.subf %[[E2]], %[[S2]]
// CHECK: %[[LO2:.*]] = arith.cmpf olt
// CHECK: %[[HI2:.*]] = arith.cmpf ogt
// CHECK: %[[OUT2:.*]] = arith.ori %[[LO2]], %[[HI2]]
// CHECK: math.floor
// CHECK: %[[S3:.*]] = tensor.extract %[[ROI]][%{{.*}}] : tensor<8xf32>
// CHECK: %[[OUT3:.*]] = arith.ori %{{.*}}, %{{.*}} : i1
// CHECK: %[[OUT:.*]] = arith.ori %[[OUT2]], %[[OUT3]]
// CHECK-COUNT-4: tensor.extract %[[X]]
// CHECK-NOT: tensor.extract %[[X]]
// CHECK: %[[EXTRA:.*]] = arith.constant 1.000000e+01 : f32
// CHECK: %[[V:.*]] = arith.select %[[OUT]], %[[EXTRA]], %{{.*}} : f32
// CHECK: linalg.yield %[[V]]
func.func @resize_crop(%x: tensor<1x1x4x4xf32>, %roi: tensor<8xf32>) -> tensor<1x1x3x3xf32> {
  %none = onnx.NoValue
  %sizes = onnx.Constant() {value = dense<[1, 1, 3, 3]> : tensor<4xi64>} : () -> tensor<4xi64>
  %0 = onnx.Resize(%x, %roi, %none, %sizes) {coordinate_transformation_mode = "tf_crop_and_resize", extrapolation_value = 1.0e+01 : f32, mode = "linear"} : (tensor<1x1x4x4xf32>, tensor<8xf32>, none, tensor<4xi64>) -> tensor<1x1x3x3xf32>
  return %0 : tensor<1x1x3x3xf32>
}
