//===- ONNXOps.td - onnx dialect operations ----------------*- tablegen -*-===//
//
// The hand-written operations of the `onnx` dialect, and the generated ones
// (ONNXOps.gen.td, one record per ONNX operator version).
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_DIALECT_ONNX_IR_ONNXOPS_TD
#define FULCRUM_DIALECT_ONNX_IR_ONNXOPS_TD

include "fulcrum/Dialect/ONNX/IR/ONNXBase.td"

def ONNX_NoValueOp : Op<ONNX_Dialect, "NoValue", [Pure, ConstantLike]> {
  let summary = "An absent optional input";
  let description = [{
    Produces the `none` value passed for an optional ONNX input that a node
    leaves out.

    ```mlir
    %none = onnx.NoValue
    %y = onnx.Conv(%x, %w, %none) : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<1x4x6x6xf32>
    ```
  }];
  let results = (outs NoneType:$none);
  let assemblyFormat = "attr-dict";
  let hasFolder = 1;
}

def ONNX_YieldOp : Op<ONNX_Dialect, "Yield", [Pure, Terminator, ReturnLike]> {
  let summary = "Returns the outputs of an ONNX subgraph";
  let description = [{
    Terminates the region of an `onnx.If`, `onnx.Loop` or `onnx.Scan` (the
    subgraph's outputs, in order).
  }];
  let arguments = (ins Variadic<AnyType>:$operands);
  let assemblyFormat = "attr-dict ($operands^ `:` type($operands))?";
}

//===----------------------------------------------------------------------===//
// Optimizers of the ai.onnx.preview.training domain (version 1)
//===----------------------------------------------------------------------===//

// The importer accepts these three operators of the training domain; its
// other operators (Gradient) are refused. Each takes the learning rate R and
// the update count T (scalars), then N tensors to optimize followed by their
// gradients and states, and returns the N updated tensors followed by their
// updated states.

def ONNX_AdagradOp : ONNX_Op<"Adagrad", 1, [Pure]> {
  let summary = "ONNX Adagrad (ai.onnx.preview.training), version 1";
  let description = [{
Inputs R, T, X_1..X_N, G_1..G_N, H_1..H_N; outputs X_new_1..X_new_N,
H_new_1..H_new_N, with r = R / (1 + T * decay_factor),
g = norm_coefficient * X + G, H_new = H + g * g and
X_new = X - r * g / (sqrt(H_new) + epsilon).
  }];
  let arguments = (ins
    TensorOf<[F32, F64]>:$R,
    TensorOf<[I64]>:$T,
    Variadic<TensorOf<[F32, F64]>>:$inputs,
    DefaultValuedAttr<F32Attr, "0.0">:$decay_factor,
    DefaultValuedAttr<F32Attr, "1e-06">:$epsilon,
    DefaultValuedAttr<F32Attr, "0.0">:$norm_coefficient);
  let results = (outs Variadic<TensorOf<[F32, F64]>>:$outputs);
}

def ONNX_AdamOp : ONNX_Op<"Adam", 1, [Pure]> {
  let summary = "ONNX Adam (ai.onnx.preview.training), version 1";
  let description = [{
Inputs R, T, X_1..X_N, G_1..G_N, V_1..V_N, H_1..H_N; outputs X_new_1..,
V_new_1.., H_new_1.., with g = norm_coefficient * X + G,
V_new = alpha * V + (1 - alpha) * g, H_new = beta * H + (1 - beta) * g * g,
R_adjusted = R * sqrt(1 - beta^T) / (1 - alpha^T) when T > 0 (R otherwise),
X_new = (1 - norm_coefficient_post) *
        (X - R_adjusted * V_new / (sqrt(H_new) + epsilon)).
  }];
  let arguments = (ins
    TensorOf<[F32, F64]>:$R,
    TensorOf<[I64]>:$T,
    Variadic<TensorOf<[F32, F64]>>:$inputs,
    DefaultValuedAttr<F32Attr, "0.9">:$alpha,
    DefaultValuedAttr<F32Attr, "0.999">:$beta,
    DefaultValuedAttr<F32Attr, "1e-06">:$epsilon,
    DefaultValuedAttr<F32Attr, "0.0">:$norm_coefficient,
    DefaultValuedAttr<F32Attr, "0.0">:$norm_coefficient_post);
  let results = (outs Variadic<TensorOf<[F32, F64]>>:$outputs);
}

def ONNX_MomentumOp : ONNX_Op<"Momentum", 1, [Pure]> {
  let summary = "ONNX Momentum (ai.onnx.preview.training), version 1";
  let description = [{
Inputs R, T, X_1..X_N, G_1..G_N, V_1..V_N; outputs X_new_1..X_new_N,
V_new_1..V_new_N, with g = norm_coefficient * X + G,
V_new = alpha * V + (T > 0 ? beta : 1) * g, and X_new = X - R * V_new
(mode "standard") or X - R * (g + alpha * V_new) (mode "nesterov").
  }];
  let arguments = (ins
    TensorOf<[F32, F64]>:$R,
    TensorOf<[I64]>:$T,
    Variadic<TensorOf<[F32, F64]>>:$inputs,
    F32Attr:$alpha,
    F32Attr:$beta,
    StrAttr:$mode,
    F32Attr:$norm_coefficient);
  let results = (outs Variadic<TensorOf<[F32, F64]>>:$outputs);
}

include "fulcrum/Dialect/ONNX/IR/ONNXOps.gen.td"

#endif // FULCRUM_DIALECT_ONNX_IR_ONNXOPS_TD
