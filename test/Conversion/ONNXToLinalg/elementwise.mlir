// RUN: fulcrum-opt %s --fulcrum-convert-onnx-to-linalg --split-input-file | FileCheck %s

// Element-wise operators: one broadcasting linalg.generic each, whose body is
// the scalar code of the operator (see scalarTable() in Elementwise.cpp).
// Broadcasting, unsigned types and dynamic sizes are also covered in
// fulcrum-convert-onnx-to-linalg.mlir.

// Pattern: ElementwiseLowering
// Unary math: Round is round-half-to-even, not round-half-away.
// CHECK-LABEL: func @round
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[R:.*]] = math.roundeven %[[X]] : f32
// CHECK-NEXT: linalg.yield %[[R]]
func.func @round(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.Round(%a) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Abs of an unsigned tensor is the identity (no math.absi, which would read
// the top bit as a sign).
// CHECK-LABEL: func @abs_unsigned
// CHECK-NOT: math.absi
// CHECK: ^bb0(%[[X:.*]]: i8, %{{.*}}: i8):
// CHECK-NEXT: linalg.yield %[[X]] : i8
func.func @abs_unsigned(%a: tensor<4xui8>) -> tensor<4xui8> {
  %0 = onnx.Abs(%a) : (tensor<4xui8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

// -----

// Sign of a signed integer: 1 above zero, -1 below, else 0.
// CHECK-LABEL: func @sign_int
// CHECK: ^bb0(%[[X:.*]]: i32, %{{.*}}: i32):
// CHECK: %[[Z:.*]] = arith.constant 0 : i32
// CHECK: %[[POS:.*]] = arith.cmpi sgt, %[[X]], %[[Z]] : i32
// CHECK: %[[ONE:.*]] = arith.constant 1 : i32
// CHECK: %[[R:.*]] = arith.select %[[POS]], %[[ONE]], %[[Z]]
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[X]], %[[Z]] : i32
// CHECK: %[[M1:.*]] = arith.constant -1 : i32
// CHECK: %[[S:.*]] = arith.select %[[NEG]], %[[M1]], %[[R]]
// CHECK: linalg.yield %[[S]]
func.func @sign_int(%a: tensor<4xi32>) -> tensor<4xi32> {
  %0 = onnx.Sign(%a) : (tensor<4xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// LeakyRelu: x < 0 ? alpha * x : x, with the attribute's alpha.
// CHECK-LABEL: func @leaky_relu
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[NEG:.*]] = arith.cmpf olt, %[[X]], %{{.*}} : f32
// CHECK: %[[A:.*]] = arith.constant 2.500000e-01 : f32
// CHECK: %[[M:.*]] = arith.mulf %[[X]], %[[A]]
// CHECK: %[[R:.*]] = arith.select %[[NEG]], %[[M]], %[[X]]
// CHECK: linalg.yield %[[R]]
func.func @leaky_relu(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.LeakyRelu(%a) {alpha = 0.25 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// HardSigmoid: clamp(alpha * x + beta, 0, 1).
// CHECK-LABEL: func @hard_sigmoid
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[A:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: %[[AX:.*]] = arith.mulf %[[X]], %[[A]]
// CHECK: %[[B:.*]] = arith.constant 2.500000e-01 : f32
// CHECK: %[[Y:.*]] = arith.addf %[[AX]], %[[B]]
// CHECK: %[[LO:.*]] = arith.maximumf %[[Y]], %{{.*}}
// CHECK: %[[HI:.*]] = arith.minimumf %[[LO]], %{{.*}}
// CHECK: linalg.yield %[[HI]]
func.func @hard_sigmoid(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.HardSigmoid(%a) {alpha = 0.5 : f32, beta = 0.25 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Selu: gamma * (x <= 0 ? alpha * (exp(x) - 1) : x).
// CHECK-LABEL: func @selu
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[LE:.*]] = arith.cmpf ole, %[[X]]
// CHECK: %[[E:.*]] = math.exp %[[X]]
// CHECK: %[[EM1:.*]] = arith.subf %[[E]]
// CHECK: %[[ALPHA:.*]] = arith.constant 2.000000e+00 : f32
// CHECK: %[[NEG:.*]] = arith.mulf %[[EM1]], %[[ALPHA]]
// CHECK: %[[SEL:.*]] = arith.select %[[LE]], %[[NEG]], %[[X]]
// CHECK: %[[GAMMA:.*]] = arith.constant 3.000000e+00 : f32
// CHECK: %[[R:.*]] = arith.mulf %[[SEL]], %[[GAMMA]]
// CHECK: linalg.yield %[[R]]
func.func @selu(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.Selu(%a) {alpha = 2.0 : f32, gamma = 3.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Celu: max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).
// CHECK-LABEL: func @celu
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[D:.*]] = arith.divf %[[X]], %{{.*}}
// CHECK: math.exp %[[D]]
// CHECK: %[[MIN:.*]] = arith.minimumf
// CHECK: %[[MAX:.*]] = arith.maximumf %{{.*}}, %[[X]]
// CHECK: %[[R:.*]] = arith.addf %[[MAX]], %[[MIN]]
// CHECK: linalg.yield %[[R]]
func.func @celu(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.Celu(%a) {alpha = 2.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Division picks divui for unsigned operands.
// CHECK-LABEL: func @div_unsigned
// CHECK: arith.divui %{{.*}}, %{{.*}} : i32
func.func @div_unsigned(%a: tensor<4xui32>, %b: tensor<4xui32>) -> tensor<4xui32> {
  %0 = onnx.Div(%a, %b) : (tensor<4xui32>, tensor<4xui32>) -> tensor<4xui32>
  return %0 : tensor<4xui32>
}

// -----

// Pow with an integer base computes in f64 and converts back; the scalar
// exponent is broadcast through a rank-0 map.
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func @pow_int
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[SCALAR]], #{{.*}}]
// CHECK: ^bb0(%[[X:.*]]: i32, %[[Y:.*]]: i64, %{{.*}}: i32):
// CHECK: %[[XF:.*]] = arith.sitofp %[[X]] : i32 to f64
// CHECK: %[[YF:.*]] = arith.sitofp %[[Y]] : i64 to f64
// CHECK: %[[P:.*]] = math.powf %[[XF]], %[[YF]] : f64
// CHECK: %[[R:.*]] = arith.fptosi %[[P]] : f64 to i32
// CHECK: linalg.yield %[[R]]
func.func @pow_int(%a: tensor<4xi32>, %b: tensor<i64>) -> tensor<4xi32> {
  %0 = onnx.Pow(%a, %b) : (tensor<4xi32>, tensor<i64>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// Variadic Mean folds all operands (a size-1 one broadcast) and divides by
// their count.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[BCAST:.*]] = affine_map<(d0) -> (0)>
// CHECK-LABEL: func @mean_variadic
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[BCAST]], #[[ID]], #[[ID]]]
// CHECK: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %[[C:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[S1:.*]] = arith.addf %[[A]], %[[B]]
// CHECK: %[[S2:.*]] = arith.addf %[[S1]], %[[C]]
// CHECK: %[[N:.*]] = arith.constant 3.000000e+00 : f32
// CHECK: %[[M:.*]] = arith.divf %[[S2]], %[[N]]
// CHECK: linalg.yield %[[M]]
func.func @mean_variadic(%a: tensor<4xf32>, %b: tensor<1xf32>, %c: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.Mean(%a, %b, %c) : (tensor<4xf32>, tensor<1xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Comparisons of unsigned integers use unsigned predicates.
// CHECK-LABEL: func @less_unsigned
// CHECK: %[[C:.*]] = arith.cmpi ult, %{{.*}}, %{{.*}} : i8
// CHECK: linalg.yield %[[C]] : i1
func.func @less_unsigned(%a: tensor<4xui8>, %b: tensor<4xui8>) -> tensor<4xi1> {
  %0 = onnx.Less(%a, %b) : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// Not is xor with true.
// CHECK-LABEL: func @not
// CHECK: ^bb0(%[[X:.*]]: i1, %{{.*}}: i1):
// CHECK: %[[T:.*]] = arith.constant true
// CHECK: %[[R:.*]] = arith.xori %[[X]], %[[T]] : i1
// CHECK: linalg.yield %[[R]]
func.func @not(%a: tensor<4xi1>) -> tensor<4xi1> {
  %0 = onnx.Not(%a) : (tensor<4xi1>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// Where broadcasts all three operands (a size-1 column, a scalar).
// CHECK-DAG: #[[COND:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func @where
// CHECK: linalg.generic {indexing_maps = [#[[COND]], #[[ID]], #[[SCALAR]], #[[ID]]]
// CHECK: ^bb0(%[[C:.*]]: i1, %[[X:.*]]: f32, %[[Y:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[R:.*]] = arith.select %[[C]], %[[X]], %[[Y]] : f32
func.func @where(%c: tensor<4x1xi1>, %a: tensor<4x3xf32>, %b: tensor<f32>) -> tensor<4x3xf32> {
  %0 = onnx.Where(%c, %a, %b) : (tensor<4x1xi1>, tensor<4x3xf32>, tensor<f32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// Clip of signed integers: max with the lower bound, then min with the upper.
// CHECK-LABEL: func @clip_int
// CHECK: ^bb0(%[[X:.*]]: i32, %[[LO:.*]]: i32, %[[HI:.*]]: i32, %{{.*}}: i32):
// CHECK: %[[A:.*]] = arith.maxsi %[[X]], %[[LO]]
// CHECK: %[[B:.*]] = arith.minsi %[[A]], %[[HI]]
// CHECK: linalg.yield %[[B]]
func.func @clip_int(%a: tensor<4xi32>, %lo: tensor<i32>, %hi: tensor<i32>) -> tensor<4xi32> {
  %0 = onnx.Clip(%a, %lo, %hi) : (tensor<4xi32>, tensor<i32>, tensor<i32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// Cast from float: fptoui to unsigned, "!= 0" to bool, truncf to f16.
// CHECK-LABEL: func @cast_from_float
// CHECK: arith.fptoui %{{.*}} : f32 to i8
// CHECK: arith.cmpf une, %{{.*}}, %{{.*}} : f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @cast_from_float(%a: tensor<4xf32>) -> (tensor<4xui8>, tensor<4xi1>, tensor<4xf16>) {
  %0 = onnx.Cast(%a) {to = 2 : i64} : (tensor<4xf32>) -> tensor<4xui8>
  %1 = onnx.Cast(%a) {to = 9 : i64} : (tensor<4xf32>) -> tensor<4xi1>
  %2 = onnx.Cast(%a) {to = 10 : i64} : (tensor<4xf32>) -> tensor<4xf16>
  return %0, %1, %2 : tensor<4xui8>, tensor<4xi1>, tensor<4xf16>
}

// -----

// CastLike takes the target type from its second operand, which the body
// does not read.
// CHECK-LABEL: func @cast_like
// CHECK: ^bb0(%[[X:.*]]: i8, %{{.*}}: i64, %{{.*}}: i64):
// CHECK-NEXT: %[[R:.*]] = arith.extsi %[[X]] : i8 to i64
// CHECK-NEXT: linalg.yield %[[R]]
func.func @cast_like(%a: tensor<4xi8>, %t: tensor<1xi64>) -> tensor<4xi64> {
  %0 = onnx.CastLike(%a, %t) : (tensor<4xi8>, tensor<1xi64>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

// QuantizeLinear to uint8: round half to even, add the zero point, saturate
// to [0, 255] with maxnumf/minnumf (a NaN becomes 0), convert unsigned.
// CHECK-LABEL: func @quantize_uint8
// CHECK: ^bb0(%[[X:.*]]: f32, %[[S:.*]]: f32, %[[Z:.*]]: i8, %{{.*}}: i8):
// CHECK: %[[D:.*]] = arith.divf %[[X]], %[[S]]
// CHECK: %[[R:.*]] = math.roundeven %[[D]]
// CHECK: %[[ZF:.*]] = arith.uitofp %[[Z]] : i8 to f32
// CHECK: %[[Q:.*]] = arith.addf %[[R]], %[[ZF]]
// CHECK: %[[LO:.*]] = arith.maxnumf %[[Q]], %{{.*}}
// CHECK: %[[C255:.*]] = arith.constant 2.550000e+02 : f32
// CHECK: %[[HI:.*]] = arith.minnumf %[[LO]], %[[C255]]
// CHECK: %[[Y:.*]] = arith.fptoui %[[HI]] : f32 to i8
// CHECK: linalg.yield %[[Y]]
func.func @quantize_uint8(%x: tensor<2x4xf32>, %s: tensor<f32>, %z: tensor<ui8>) -> tensor<2x4xui8> {
  %0 = onnx.QuantizeLinear(%x, %s, %z) : (tensor<2x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<2x4xui8>
  return %0 : tensor<2x4xui8>
}

// -----

// DequantizeLinear per axis along the last dimension: the scale and zero
// point are read along it.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[LAST:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @dequantize_last_axis
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[LAST]], #[[LAST]], #[[ID]]]
// CHECK: ^bb0(%[[X:.*]]: i8, %[[S:.*]]: f32, %[[Z:.*]]: i8, %{{.*}}: f32):
// CHECK: %[[XF:.*]] = arith.sitofp %[[X]] : i8 to f32
// CHECK: %[[ZF:.*]] = arith.sitofp %[[Z]] : i8 to f32
// CHECK: %[[D:.*]] = arith.subf %[[XF]], %[[ZF]]
// CHECK: %[[Y:.*]] = arith.mulf %[[D]], %[[S]]
// CHECK: linalg.yield %[[Y]]
func.func @dequantize_last_axis(%x: tensor<2x4xi8>, %s: tensor<4xf32>, %z: tensor<4xi8>) -> tensor<2x4xf32> {
  %0 = onnx.DequantizeLinear(%x, %s, %z) : (tensor<2x4xi8>, tensor<4xf32>, tensor<4xi8>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// QuantizeLinear per axis along dimension 1 of 3: the 1-D scale and zero
// point are read along d1, not broadcast from the right.
// CHECK-DAG: #[[ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[AXIS:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func @quantize_axis1
// CHECK: linalg.generic {indexing_maps = [#[[ID3]], #[[AXIS]], #[[AXIS]], #[[ID3]]]
// CHECK: math.roundeven
func.func @quantize_axis1(%x: tensor<1x3x4xf32>, %s: tensor<3xf32>, %z: tensor<3xui8>) -> tensor<1x3x4xui8> {
  %0 = onnx.QuantizeLinear(%x, %s, %z) {axis = 1 : i64} : (tensor<1x3x4xf32>, tensor<3xf32>, tensor<3xui8>) -> tensor<1x3x4xui8>
  return %0 : tensor<1x3x4xui8>
}

// -----

// IsInf with detect_negative = 0 only tests |x| == inf and x > 0.
// CHECK-LABEL: func @is_inf_positive
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: i1):
// CHECK: %[[INF:.*]] = arith.constant 0x7F800000 : f32
// CHECK: %[[ABS:.*]] = math.absf %[[X]]
// CHECK: %[[ISINF:.*]] = arith.cmpf oeq, %[[ABS]], %[[INF]]
// CHECK: %[[POS:.*]] = arith.cmpf ogt, %[[X]]
// CHECK: %[[BOTH:.*]] = arith.andi %[[ISINF]], %[[POS]]
// CHECK: %[[R:.*]] = arith.ori %{{.*}}, %[[BOTH]]
// CHECK-NOT: arith.xori
// CHECK: linalg.yield %[[R]]
func.func @is_inf_positive(%x: tensor<4xf32>) -> tensor<4xi1> {
  %0 = onnx.IsInf(%x) {detect_negative = 0 : i64} : (tensor<4xf32>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// Shrink: x < -lambd ? x + bias : (x > lambd ? x - bias : 0).
// CHECK-LABEL: func @shrink
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[NL:.*]] = arith.constant -2.000000e+00 : f32
// CHECK: %[[LT:.*]] = arith.cmpf olt, %[[X]], %[[NL]]
// CHECK: %[[L:.*]] = arith.constant 2.000000e+00 : f32
// CHECK: %[[GT:.*]] = arith.cmpf ogt, %[[X]], %[[L]]
// CHECK: %[[SUB:.*]] = arith.subf %[[X]], %{{.*}}
// CHECK: %[[HI:.*]] = arith.select %[[GT]], %[[SUB]], %{{.*}}
// CHECK: %[[ADD:.*]] = arith.addf %[[X]], %{{.*}}
// CHECK: %[[R:.*]] = arith.select %[[LT]], %[[ADD]], %[[HI]]
// CHECK: linalg.yield %[[R]]
func.func @shrink(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.Shrink(%x) {bias = 1.5 : f32, lambd = 2.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Integer Mod (fmod = 0) has Python semantics: the remainder takes the sign
// of the divisor.
// CHECK-LABEL: func @mod_python
// CHECK: ^bb0(%[[A:.*]]: i32, %[[B:.*]]: i32, %{{.*}}: i32):
// CHECK: %[[R:.*]] = arith.remsi %[[A]], %[[B]]
// CHECK: %[[NZ:.*]] = arith.cmpi ne, %[[R]]
// CHECK: %[[RNEG:.*]] = arith.cmpi slt, %[[R]]
// CHECK: %[[BNEG:.*]] = arith.cmpi slt, %[[B]]
// CHECK: %[[DIFF:.*]] = arith.xori %[[RNEG]], %[[BNEG]]
// CHECK: %[[FIX:.*]] = arith.andi %[[NZ]], %[[DIFF]]
// CHECK: %[[RB:.*]] = arith.addi %[[R]], %[[B]]
// CHECK: %[[M:.*]] = arith.select %[[FIX]], %[[RB]], %[[R]]
// CHECK: linalg.yield %[[M]]
func.func @mod_python(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %0 = onnx.Mod(%a, %b) : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// Float Mod (fmod = 1) is C fmod.
// CHECK-LABEL: func @mod_float
// CHECK: arith.remf %{{.*}}, %{{.*}} : f32
func.func @mod_float(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.Mod(%a, %b) {fmod = 1 : i64} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// BitShift RIGHT is a logical shift (the operands are unsigned).
// CHECK-LABEL: func @bitshift_right
// CHECK: arith.shrui %{{.*}}, %{{.*}} : i8
func.func @bitshift_right(%x: tensor<4xui8>, %y: tensor<4xui8>) -> tensor<4xui8> {
  %0 = onnx.BitShift(%x, %y) {direction = "RIGHT"} : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}

// -----

// Trilu (lower) keeps x[..., i, j] where j - i <= k over the two innermost
// dimensions; k is a run-time scalar.
// CHECK-LABEL: func @trilu_lower
// CHECK: ^bb0(%[[X:.*]]: f32, %[[K:.*]]: i64, %{{.*}}: f32):
// CHECK: %[[I:.*]] = linalg.index 1 : index
// CHECK: %[[J:.*]] = linalg.index 2 : index
// CHECK: %[[D:.*]] = arith.subi %[[J]], %[[I]] : index
// CHECK: %[[D64:.*]] = arith.index_cast %[[D]] : index to i64
// CHECK: %[[KEEP:.*]] = arith.cmpi sle, %[[D64]], %[[K]] : i64
// CHECK: %[[R:.*]] = arith.select %[[KEEP]], %[[X]], %{{.*}}
// CHECK: linalg.yield %[[R]]
func.func @trilu_lower(%x: tensor<2x3x4xf32>, %k: tensor<i64>) -> tensor<2x3x4xf32> {
  %0 = onnx.Trilu(%x, %k) {upper = 0 : i64} : (tensor<2x3x4xf32>, tensor<i64>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// Pattern: PReluV6Lowering
// PRelu-6 applies a 1-D slope along the channel dimension (d1), not from the
// right as numpy broadcasting (and PRelu-16) would.
// CHECK-DAG: #[[CHANNEL:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func @prelu_v6_channel
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[CHANNEL]], #{{.*}}]
// CHECK: ^bb0(%[[X:.*]]: f32, %[[S:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[NEG:.*]] = arith.cmpf olt, %[[X]]
// CHECK: %[[M:.*]] = arith.mulf %[[X]], %[[S]]
// CHECK: arith.select %[[NEG]], %[[M]], %[[X]]
func.func @prelu_v6_channel(%x: tensor<2x3x4xf32>, %s: tensor<3xf32>) -> tensor<2x3x4xf32> {
  %0 = onnx.PReluV6(%x, %s) : (tensor<2x3x4xf32>, tensor<3xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}
