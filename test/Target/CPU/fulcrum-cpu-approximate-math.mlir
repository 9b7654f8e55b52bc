// RUN: fulcrum-opt %s --split-input-file --fulcrum-cpu-approximate-math | FileCheck %s

// f32 exp, erf and tanh become polynomials (no library call remains); the
// result of exp is built from its exponent bits.
// CHECK-LABEL: func.func @transcendental(
// CHECK-NOT: math.exp
// CHECK-NOT: math.erf
// CHECK-NOT: math.tanh
// CHECK: math.fma
// CHECK: arith.bitcast %{{.*}} : i32 to f32
// CHECK: return
func.func @transcendental(%x: f32) -> (f32, f32, f32) {
  %0 = math.exp %x : f32
  %1 = math.erf %x : f32
  %2 = math.tanh %x : f32
  return %0, %1, %2 : f32, f32, f32
}

// -----

// Vectors of f32 are approximated too.
// CHECK-LABEL: func.func @vector(
// CHECK-NOT: math.exp
// CHECK: math.fma {{.*}} : vector<16xf32>
func.func @vector(%x: vector<16xf32>) -> vector<16xf32> {
  %0 = math.exp %x : vector<16xf32>
  return %0 : vector<16xf32>
}

// -----

// negative_: f64 keeps its library functions, and so do asin and acos,
// whose upstream approximations are not accurate enough.
// CHECK-LABEL: func.func @negative_kept(
// CHECK: math.exp %{{.*}} : f64
// CHECK: math.asin %{{.*}} : f32
// CHECK: math.acos %{{.*}} : f32
func.func @negative_kept(%d: f64, %x: f32) -> (f64, f32, f32) {
  %0 = math.exp %d : f64
  %1 = math.asin %x : f32
  %2 = math.acos %x : f32
  return %0, %1, %2 : f64, f32, f32
}

// -----

// erf is x P(x^2) / Q(x^2) on x clamped to [-4, 4]: two clamps, x^2, six
// and four multiply-adds (Horner), one multiply by x and one division; no
// interval selects. Vectors get the same form with splat constants.
// CHECK-LABEL: func.func @erf(
// CHECK-SAME: %[[X:.*]]: f32, %[[V:.*]]: vector<8xf32>)
// CHECK-NOT: math.erf
// CHECK-NOT: arith.select
// CHECK: %[[LO:.*]] = arith.maximumf %[[X]], %{{.*}} : f32
// CHECK: %[[C:.*]] = arith.minimumf %[[LO]], %{{.*}} : f32
// CHECK: %[[X2:.*]] = arith.mulf %[[C]], %[[C]] : f32
// CHECK-COUNT-6: math.fma %{{.*}}, %[[X2]], %{{.*}} : f32
// CHECK: %[[P:.*]] = arith.mulf %{{.*}}, %[[C]] : f32
// CHECK-COUNT-4: math.fma %{{.*}}, %[[X2]], %{{.*}} : f32
// CHECK: %[[R:.*]] = arith.divf %[[P]], %{{.*}} : f32
// CHECK: arith.maximumf %[[V]], %{{.*}} : vector<8xf32>
// CHECK: arith.divf %{{.*}} : vector<8xf32>
// CHECK-NOT: math.erf
// CHECK: return %[[R]]
func.func @erf(%x: f32, %v: vector<8xf32>) -> (f32, vector<8xf32>) {
  %0 = math.erf %x : f32
  %1 = math.erf %v : vector<8xf32>
  return %0, %1 : f32, vector<8xf32>
}

// -----

// negative_: f64 erf keeps its library call.
// CHECK-LABEL: func.func @negative_erf_f64(
// CHECK: math.erf %{{.*}} : f64
func.func @negative_erf_f64(%x: f64) -> f64 {
  %0 = math.erf %x : f64
  return %0 : f64
}
