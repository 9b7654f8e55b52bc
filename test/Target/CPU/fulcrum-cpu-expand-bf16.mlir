// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-expand-bf16 | FileCheck %s
// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-expand-bf16 -stats 2>&1 >/dev/null | FileCheck %s --check-prefix=STATS

// A scalar f32 -> bf16 truncation becomes integer arithmetic: round to
// nearest even on the upper half (add 0x7fff plus the kept lowest bit), the
// quiet NaN 0x7fc0 for NaN inputs, and a bit cast of the upper 16 bits.
// CHECK-LABEL: func.func @trunc(
// CHECK-NOT: arith.truncf %{{.*}} : f32 to bf16
// CHECK-DAG: arith.constant 32767 : i32
// CHECK-DAG: arith.constant 32704 : i16
// CHECK: %[[NAN:.*]] = arith.cmpf une, %[[X:.*]], %[[X]] : f32
// CHECK: arith.bitcast %[[X]] : f32 to i32
// CHECK: %[[H:.*]] = arith.trunci %{{.*}} : i32 to i16
// CHECK: arith.select %[[NAN]], %{{.*}}, %[[H]] : i16
// CHECK: arith.bitcast %{{.*}} : i16 to bf16
// CHECK-NOT: arith.truncf
func.func @trunc(%x: f32) -> bf16 {
  %y = arith.truncf %x : f32 to bf16
  return %y : bf16
}

// -----

// Vectors too, element by element in the same ops, and the extension back
// to f32 is a shift of the bits by 16.
// CHECK-LABEL: func.func @vector_round_trip(
// CHECK-NOT: arith.truncf
// CHECK: arith.bitcast %{{.*}} : vector<8xf32> to vector<8xi32>
// CHECK: arith.bitcast %{{.*}} : vector<8xi16> to vector<8xbf16>
// CHECK: arith.bitcast %{{.*}} : vector<8xbf16> to vector<8xi16>
// CHECK: arith.extui %{{.*}} : vector<8xi16> to vector<8xi32>
// CHECK: arith.shli
// CHECK: arith.bitcast %{{.*}} : vector<8xi32> to vector<8xf32>
// CHECK-NOT: arith.extf
func.func @vector_round_trip(%x: vector<8xf32>) -> vector<8xf32> {
  %h = arith.truncf %x : vector<8xf32> to vector<8xbf16>
  %y = arith.extf %h : vector<8xbf16> to vector<8xf32>
  return %y : vector<8xf32>
}

// -----

// negative_: conversions that do not involve bf16 (f16, f64) stay as they
// are, and the statistic counts nothing.
// CHECK-LABEL: func.func @negative_other_types(
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.truncf %{{.*}} : f64 to f32
// The three conversions of the first two cases, none of this one's:
// STATS: {{^ *}}3 fulcrum-cpu-expand-bf16 - bf16 conversions expanded
func.func @negative_other_types(%x: f32, %d: f64) -> (f32, f32) {
  %h = arith.truncf %x : f32 to f16
  %e = arith.extf %h : f16 to f32
  %f = arith.truncf %d : f64 to f32
  return %e, %f : f32, f32
}
