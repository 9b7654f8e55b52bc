// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --split-input-file | FileCheck %s

// The optimizers of ai.onnx.preview.training: the learning rate R and the
// update count T are read once; per optimized tensor one element-wise
// generic reads (X, G, states...) and writes (X_new, new states...).

// Pattern: AdagradLowering
// r = R / (1 + T * decay_factor), g = norm_coefficient * X + G,
// H_new = H + g * g, X_new = X - r * g / (sqrt(H_new) + epsilon).
// CHECK-LABEL: func @adagrad
// CHECK-SAME: (%[[R:[a-z0-9_]+]]: tensor<f32>, %[[T:[a-z0-9_]+]]: tensor<i64>, %[[X:[a-z0-9_]+]]: tensor<2xf32>, %[[G:[a-z0-9_]+]]: tensor<2xf32>, %[[H:[a-z0-9_]+]]: tensor<2xf32>)
// CHECK: %[[RV:.*]] = tensor.extract %[[R]][] : tensor<f32>
// CHECK: %[[TV:.*]] = tensor.extract %[[T]][] : tensor<i64>
// CHECK: %[[TF:.*]] = arith.sitofp %[[TV]] : i64 to f32
// CHECK: %[[RES:.*]]:2 = linalg.generic {{.*}} ins(%[[X]], %[[G]], %[[H]] : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) outs(%{{.*}}, %{{.*}} : tensor<2xf32>, tensor<2xf32>)
// CHECK: ^bb0(%[[XE:[a-z0-9_]+]]: f32, %[[GE:[a-z0-9_]+]]: f32, %[[HE:[a-z0-9_]+]]: f32, %{{.*}}: f32, %{{.*}}: f32):
// CHECK: %[[DECAY:.*]] = arith.constant 1.000000e-01 : f32
// CHECK: %[[TD:.*]] = arith.mulf %[[TF]], %[[DECAY]]
// CHECK: %[[DEN:.*]] = arith.addf %{{.*}}, %[[TD]]
// CHECK: %[[RATE:.*]] = arith.divf %[[RV]], %[[DEN]]
// CHECK: %[[NX:.*]] = arith.mulf %{{.*}}, %[[XE]]
// CHECK: %[[GR:.*]] = arith.addf %[[NX]], %[[GE]]
// CHECK: %[[G2:.*]] = arith.mulf %[[GR]], %[[GR]]
// CHECK: %[[HN:.*]] = arith.addf %[[HE]], %[[G2]]
// CHECK: %[[SQ:.*]] = math.sqrt %[[HN]]
// CHECK: %[[AD:.*]] = arith.addf %[[SQ]], %{{.*}}
// CHECK: %[[RG:.*]] = arith.mulf %[[RATE]], %[[GR]]
// CHECK: %[[STEP:.*]] = arith.divf %[[RG]], %[[AD]]
// CHECK: %[[XN:.*]] = arith.subf %[[XE]], %[[STEP]]
// CHECK: linalg.yield %[[XN]], %[[HN]]
// CHECK: return %[[RES]]#0, %[[RES]]#1
func.func @adagrad(%r: tensor<f32>, %t: tensor<i64>, %x: tensor<2xf32>, %g: tensor<2xf32>, %h: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  %0:2 = onnx.Adagrad(%r, %t, %x, %g, %h) {decay_factor = 1.000000e-01 : f32, epsilon = 1.0e-05 : f32, norm_coefficient = 1.0e-03 : f32} : (tensor<f32>, tensor<i64>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>)
  return %0#0, %0#1 : tensor<2xf32>, tensor<2xf32>
}

// -----

// Pattern: AdamLowering
// Two tensors: two generics, results ordered X1_new, X2_new, V1_new,
// V2_new, H1_new, H2_new. The bias-corrected rate
// R * sqrt(1 - beta^T) / (1 - alpha^T) applies once T > 0.
// CHECK-LABEL: func @adam_two
// CHECK: %[[TV:.*]] = tensor.extract %arg1[]
// CHECK: %[[POS:.*]] = arith.cmpi sgt, %[[TV]]
// CHECK: %[[A:.*]]:3 = linalg.generic {{.*}} ins(%arg2, %arg4, %arg6, %arg8 : tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>)
// CHECK: math.powf
// CHECK: math.powf
// CHECK: arith.select %[[POS]]
// CHECK: linalg.yield
// CHECK: %[[B:.*]]:3 = linalg.generic {{.*}} ins(%arg3, %arg5, %arg7, %arg9 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>)
// CHECK: return %[[A]]#0, %[[B]]#0, %[[A]]#1, %[[B]]#1, %[[A]]#2, %[[B]]#2
func.func @adam_two(%r: tensor<f32>, %t: tensor<i64>, %x1: tensor<1xf32>, %x2: tensor<2xf32>, %g1: tensor<1xf32>, %g2: tensor<2xf32>, %v1: tensor<1xf32>, %v2: tensor<2xf32>, %h1: tensor<1xf32>, %h2: tensor<2xf32>) -> (tensor<1xf32>, tensor<2xf32>, tensor<1xf32>, tensor<2xf32>, tensor<1xf32>, tensor<2xf32>) {
  %0:6 = onnx.Adam(%r, %t, %x1, %x2, %g1, %g2, %v1, %v2, %h1, %h2) {alpha = 9.5e-01 : f32, beta = 8.5e-01 : f32} : (tensor<f32>, tensor<i64>, tensor<1xf32>, tensor<2xf32>, tensor<1xf32>, tensor<2xf32>, tensor<1xf32>, tensor<2xf32>, tensor<1xf32>, tensor<2xf32>) -> (tensor<1xf32>, tensor<2xf32>, tensor<1xf32>, tensor<2xf32>, tensor<1xf32>, tensor<2xf32>)
  return %0#0, %0#1, %0#2, %0#3, %0#4, %0#5 : tensor<1xf32>, tensor<2xf32>, tensor<1xf32>, tensor<2xf32>, tensor<1xf32>, tensor<2xf32>
}

// -----

// Pattern: MomentumLowering
// Nesterov: V_new = alpha * V + (T > 0 ? beta : 1) * g, and
// X_new = X - R * (g + alpha * V_new).
// CHECK-LABEL: func @momentum_nesterov
// CHECK: %[[RV:.*]] = arith.extf
// CHECK: %[[POS:.*]] = arith.cmpi sgt
// CHECK: ^bb0(%[[XE:[a-z0-9_]+]]: f64, %[[GE:[a-z0-9_]+]]: f64, %[[VE:[a-z0-9_]+]]: f64, %{{.*}}: f64, %{{.*}}: f64):
// CHECK: %[[GR:.*]] = arith.addf %{{.*}}, %[[GE]]
// CHECK: %[[BT:.*]] = arith.select %[[POS]]
// CHECK: %[[AV:.*]] = arith.mulf %{{.*}}, %[[VE]]
// CHECK: %[[BG:.*]] = arith.mulf %[[BT]], %[[GR]]
// CHECK: %[[VN:.*]] = arith.addf %[[AV]], %[[BG]]
// CHECK: %[[AVN:.*]] = arith.mulf %{{.*}}, %[[VN]]
// CHECK: %[[STEP:.*]] = arith.addf %[[GR]], %[[AVN]]
// CHECK: %[[RS:.*]] = arith.mulf %[[RV]], %[[STEP]]
// CHECK: %[[XN:.*]] = arith.subf %[[XE]], %[[RS]]
// CHECK: linalg.yield %[[XN]], %[[VN]]
func.func @momentum_nesterov(%r: tensor<f32>, %t: tensor<i64>, %x: tensor<2xf64>, %g: tensor<2xf64>, %v: tensor<2xf64>) -> (tensor<2xf64>, tensor<2xf64>) {
  %0:2 = onnx.Momentum(%r, %t, %x, %g, %v) {alpha = 9.5e-01 : f32, beta = 1.0 : f32, mode = "nesterov", norm_coefficient = 1.0e-02 : f32} : (tensor<f32>, tensor<i64>, tensor<2xf64>, tensor<2xf64>, tensor<2xf64>) -> (tensor<2xf64>, tensor<2xf64>)
  return %0#0, %0#1 : tensor<2xf64>, tensor<2xf64>
}

// -----

// Standard momentum steps by V_new alone; an f32 rate is widened to f64.
// CHECK-LABEL: func @momentum_standard
// CHECK: %[[RV:.*]] = tensor.extract %arg0[]
// CHECK: %[[RW:.*]] = arith.extf %[[RV]] : f32 to f64
// CHECK: ^bb0(%[[XE:[a-z0-9_]+]]: f64,
// CHECK: %[[RS:.*]] = arith.mulf %[[RW]], %[[VN:[a-z0-9_]+]] : f64
// CHECK-NEXT: %[[XN:.*]] = arith.subf %[[XE]], %[[RS]]
// CHECK-NEXT: linalg.yield %[[XN]], %[[VN]]
func.func @momentum_standard(%r: tensor<f32>, %t: tensor<i64>, %x: tensor<2xf64>, %g: tensor<2xf64>, %v: tensor<2xf64>) -> (tensor<2xf64>, tensor<2xf64>) {
  %0:2 = onnx.Momentum(%r, %t, %x, %g, %v) {alpha = 9.5e-01 : f32, beta = 1.0e-01 : f32, mode = "standard", norm_coefficient = 0.0 : f32} : (tensor<f32>, tensor<i64>, tensor<2xf64>, tensor<2xf64>, tensor<2xf64>) -> (tensor<2xf64>, tensor<2xf64>)
  return %0#0, %0#1 : tensor<2xf64>, tensor<2xf64>
}
