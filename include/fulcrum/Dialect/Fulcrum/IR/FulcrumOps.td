//===- FulcrumOps.td - The fulcrum dialect ------------------*- tablegen -*-===//
//
// Part of Fulcrum. What ONNX lacks and the optimizer needs: contractions
// with their epilogue fused (bias, activation, residual add), layer
// normalization and GELU as single ops, and the annotations that later
// decisions (precision, pruning) write.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_DIALECT_FULCRUM_IR_FULCRUMOPS_TD
#define FULCRUM_DIALECT_FULCRUM_IR_FULCRUMOPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Fulcrum_Dialect : Dialect {
  let name = "fulcrum";
  let cppNamespace = "::fulcrum::fused";
  let summary = "Fused operations and optimization annotations";
  let description = [{
    The `fulcrum` dialect sits next to `onnx` in the graph phase. Its ops
    are what the graph-level fusion passes (docs/Passes/FulcrumPasses.md)
    produce; each has the semantics of a short chain of ONNX operators, and
    the ONNX-to-linalg conversion lowers it through the lowerings of those
    operators, so a fused op compiles to exactly the code its unfused chain
    did and the CPU code generator's kernels (convolution and matrix
    products with bias, residual-add and clamp epilogues) still apply.

    **Epilogues.** `fulcrum.conv`, `fulcrum.matmul` and `fulcrum.gemm`
    compute, in this order,

    ```
    y = activation(contraction(x, w) + bias + residual)
    ```

    where `bias` and `residual` are optional operands (the bias broadcast
    like ONNX's, the residual of the result's type) and `activation` is one
    of `none`, `relu`, `clip` (with `clip_min`/`clip_max`), `sigmoid`,
    `hardswish`, `gelu` (erf form), `gelu_tanh` (tanh approximation) and
    `silu` (`x * sigmoid(x)`).

    **Annotations.** Any operation may carry the discardable attributes
    `fulcrum.precision` (one of `"fp32"`, `"bf16"`, `"int8"`,
    `"int8-weights"`) and `fulcrum.pruning_ratio` (a float in [0, 1)): the
    decisions of the trade-off search, recorded on the layer they apply to.
    The dialect verifies their values; passes that do not know them keep
    them or drop them.
  }];
  let hasOperationAttrVerify = 1;
}

class Fulcrum_Op<string mnemonic, list<Trait> traits = []>
    : Op<Fulcrum_Dialect, mnemonic, traits>;

/// The activation attributes every fused contraction has.
defvar Fulcrum_ActivationArgs = (ins
    DefaultValuedStrAttr<StrAttr, "none">:$activation,
    OptionalAttr<F32Attr>:$clip_min,
    OptionalAttr<F32Attr>:$clip_max);

def Fulcrum_ConvOp : Fulcrum_Op<"conv", [Pure, AttrSizedOperandSegments]> {
  let summary = "Convolution with fused bias, residual add and activation";
  let description = [{
    `onnx.Conv` (same operands and attributes: `auto_pad`, `dilations`,
    `group`, `kernel_shape`, `pads`, `strides`) followed by the epilogue of
    the dialect: `activation(Conv(X, W, B) + residual)`.

    ```mlir
    %y = fulcrum.conv %x, %w bias %b residual %r {activation = "relu",
        pads = array<i64: 1, 1, 1, 1>}
        : (tensor<1x8x16x16xf32>, tensor<8x8x3x3xf32>, tensor<8xf32>,
           tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
    ```
  }];
  let arguments = !con((ins
    AnyRankedTensor:$X,
    AnyRankedTensor:$W,
    Optional<AnyRankedTensor>:$B,
    Optional<AnyRankedTensor>:$residual,
    DefaultValuedStrAttr<StrAttr, "NOTSET">:$auto_pad,
    OptionalAttr<DenseI64ArrayAttr>:$dilations,
    DefaultValuedAttr<I64Attr, "1">:$group,
    OptionalAttr<DenseI64ArrayAttr>:$kernel_shape,
    OptionalAttr<DenseI64ArrayAttr>:$pads,
    OptionalAttr<DenseI64ArrayAttr>:$strides), Fulcrum_ActivationArgs);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = [{
    $X `,` $W (`bias` $B^)? (`residual` $residual^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Fulcrum_MatMulOp : Fulcrum_Op<"matmul", [Pure, AttrSizedOperandSegments]> {
  let summary = "Matrix product with fused bias, residual add and activation";
  let description = [{
    `onnx.MatMul(A, B)` (numpy `matmul`, batch dimensions broadcast)
    followed by the epilogue of the dialect: `activation(MatMul(A, B) +
    bias + residual)`; `bias` broadcasts to the result (typically a vector
    of the result's last dimension) without changing its shape.

    ```mlir
    %y = fulcrum.matmul %a, %w bias %b {activation = "gelu"}
        : (tensor<1x128x256xf32>, tensor<256x1024xf32>, tensor<1024xf32>)
        -> tensor<1x128x1024xf32>
    ```
  }];
  let arguments = !con((ins
    AnyRankedTensor:$A,
    AnyRankedTensor:$B,
    Optional<AnyRankedTensor>:$bias,
    Optional<AnyRankedTensor>:$residual), Fulcrum_ActivationArgs);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = [{
    $A `,` $B (`bias` $bias^)? (`residual` $residual^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Fulcrum_GemmOp : Fulcrum_Op<"gemm", [Pure, AttrSizedOperandSegments]> {
  let summary = "Gemm with fused residual add and activation";
  let description = [{
    `onnx.Gemm` (same operands and attributes: `alpha`, `beta`, `transA`,
    `transB`; `C` is the bias) followed by the epilogue of the dialect:
    `activation(alpha * A' B' + beta * C + residual)`.

    ```mlir
    %y = fulcrum.gemm %a, %w bias %c {transB = 1 : i64, activation = "relu"}
        : (tensor<1x512xf32>, tensor<10x512xf32>, tensor<10xf32>)
        -> tensor<1x10xf32>
    ```
  }];
  let arguments = !con((ins
    AnyRankedTensor:$A,
    AnyRankedTensor:$B,
    Optional<AnyRankedTensor>:$C,
    Optional<AnyRankedTensor>:$residual,
    DefaultValuedAttr<F32Attr, "1.0">:$alpha,
    DefaultValuedAttr<F32Attr, "1.0">:$beta,
    DefaultValuedAttr<I64Attr, "0">:$transA,
    DefaultValuedAttr<I64Attr, "0">:$transB), Fulcrum_ActivationArgs);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = [{
    $A `,` $B (`bias` $C^)? (`residual` $residual^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Fulcrum_LayerNormOp : Fulcrum_Op<"layer_norm", [Pure]> {
  let summary = "Layer normalization";
  let description = [{
    `onnx.LayerNormalization`'s first result: `X` normalized over the
    dimensions from `axis` on (mean 0, variance 1 with `epsilon` added to
    the variance), times `scale`, plus `bias` (both broadcast to the
    normalized dimensions). The fusion pass
    `fulcrum-recognize-layer-norm` builds it from the decomposed form
    (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add) that
    exports below opset 17 spell out.

    ```mlir
    %y = fulcrum.layer_norm %x, %g bias %b {axis = -1 : i64, epsilon = 1.0e-05 : f32}
        : (tensor<1x128x256xf32>, tensor<256xf32>, tensor<256xf32>)
        -> tensor<1x128x256xf32>
    ```
  }];
  let arguments = (ins
    AnyRankedTensor:$X,
    AnyRankedTensor:$scale,
    Optional<AnyRankedTensor>:$bias,
    DefaultValuedAttr<I64Attr, "-1">:$axis,
    DefaultValuedAttr<F32Attr, "1.0e-05">:$epsilon);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = [{
    $X `,` $scale (`bias` $bias^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Fulcrum_GeluOp : Fulcrum_Op<"gelu", [Pure, SameOperandsAndResultType]> {
  let summary = "Gaussian error linear unit";
  let description = [{
    `0.5 * x * (1 + erf(x / sqrt(2)))` with `approximate = "none"`, or
    `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))` with
    `approximate = "tanh"` (ONNX Gelu, opset 20).

    ```mlir
    %y = fulcrum.gelu %x : tensor<1x128x1024xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$X,
                   DefaultValuedStrAttr<StrAttr, "none">:$approximate);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = "$X attr-dict `:` type($X)";
  let hasVerifier = 1;
}

def Fulcrum_AttentionOp : Fulcrum_Op<"attention", [Pure]> {
  let summary = "Scaled dot-product attention over heads";
  let description = [{
    `softmax(scale * Q K^T + mask) V` over the last two dimensions, for
    every index of the leading (batch and head) dimensions: with `Q` of
    shape `[N..., Lq, D]`, `K` `[N..., Lk, D]` and `V` `[N..., Lk, Dv]`
    the result is `[N..., Lq, Dv]`. The leading dimensions are `[B, H]`
    (per-head exports) or `[B*H]` (`nn.MultiheadAttention` exports).

    - `num_heads` and `head_dim` (`D`) describe the block the op came
      from (`num_heads` is 0 where the pass could not tell); head pruning
      reads them.
    - `scale` multiplies the scores (`1/sqrt(D)` in most exports; the
      recognizer folds scales found on `Q`, `K` or the scores into it).
    - `mask_kind` is `none`, `additive` (the optional `mask` operand is
      added to the scaled scores) or `boolean` (an `i1` mask: where it is
      false, the score is `-inf`). The mask broadcasts to `[N..., Lq, Lk]`
      and has the scores' rank.
    - `causal` masks keys after the query (`j > i`).
    - `window` (0: none) keeps only keys with `|i - j| <= window`, except
      that the first `global_tokens` queries and keys (a class token)
      attend and are attended everywhere: local attention.
    - `packed_qkv` records that Q, K and V are slices of one projection.

    A row whose every score is masked becomes NaN, as the unfused graph's
    softmax computes it.

    ```mlir
    %o = fulcrum.attention %q, %k, %v {num_heads = 4 : i64,
        head_dim = 16 : i64, scale = 2.500000e-01 : f32}
        : (tensor<1x4x50x16xf32>, tensor<1x4x50x16xf32>,
           tensor<1x4x50x16xf32>) -> tensor<1x4x50x16xf32>
    ```
  }];
  let arguments = (ins
    AnyRankedTensor:$Q,
    AnyRankedTensor:$K,
    AnyRankedTensor:$V,
    Optional<AnyRankedTensor>:$mask,
    DefaultValuedAttr<I64Attr, "0">:$num_heads,
    I64Attr:$head_dim,
    F32Attr:$scale,
    DefaultValuedStrAttr<StrAttr, "none">:$mask_kind,
    DefaultValuedAttr<BoolAttr, "false">:$causal,
    DefaultValuedAttr<I64Attr, "0">:$window,
    DefaultValuedAttr<I64Attr, "0">:$global_tokens,
    DefaultValuedAttr<BoolAttr, "false">:$packed_qkv);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = [{
    $Q `,` $K `,` $V (`mask` $mask^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Quantized contractions
//===----------------------------------------------------------------------===//

/// The quantization parameters every quantized contraction has.
defvar Fulcrum_QuantizationArgs = (ins
    F32Attr:$x_scale,
    DefaultValuedAttr<I64Attr, "0">:$x_zero_point,
    DenseF32ArrayAttr:$w_scale,
    OptionalAttr<F32Attr>:$y_scale,
    DefaultValuedAttr<I64Attr, "0">:$y_zero_point);

def Fulcrum_QConvOp : Fulcrum_Op<"qconv", [Pure]> {
  let summary = "8-bit convolution with requantization and activation";
  let description = [{
    A 2-D convolution of 8-bit integers (NCHW), what the ONNX pattern
    `QuantizeLinear(act(Conv(DequantizeLinear(x), DequantizeLinear(w),
    DequantizeLinear(b))))` and QLinearConv compute, in integers:

    ```
    acc[n,f,p] = sum_{c,kh,kw} (X - x_zero_point) * W[f,c,kh,kw] + B[f]
    ```

    `X` is `ui8` (asymmetric) or `i8`, per tensor (`x_scale`,
    `x_zero_point`); `W` is `i8`, symmetric (zero point 0), per output
    channel (`w_scale` has one value, or one per output channel); `B`
    (optional) is `i32` in units of `x_scale * w_scale[f]`. The result is

    - `ui8`/`i8` (`y_scale` given): `clamp(roundeven(acc * m[f]) +
      y_zero_point, lo, hi)` with `m[f] = x_scale * w_scale[f] / y_scale`
      rounded once to f32, and `[lo, hi]` the type's range narrowed by the
      activation (`relu`: from `y_zero_point`; `clip`: `clip_min`/`clip_max`
      quantized);
    - `f32`: `acc * (x_scale * w_scale[f])` (activation `none`);
    - `i32`: `acc` (ConvInteger; scales unused, activation `none`).

    `pads` (top, left, bottom, right), `strides` and `dilations` are
    explicit; the padding holds `x_zero_point` (a real zero). `group` is 1
    (W is `F x C x KH x KW`) or, for a depthwise convolution, the number of
    channels C = F (W is `C x 1 x KH x KW`, and channel c of the result
    reads only channel c: `acc[n,c,p] = sum_{kh,kw} (X[n,c,..] -
    x_zero_point) * W[c,0,kh,kw] + B[c]`).

    ```mlir
    %y = fulcrum.qconv %x, %w bias %b {x_scale = 0.02 : f32,
        x_zero_point = 128 : i64, w_scale = array<f32: 0.01, 0.02>,
        y_scale = 0.05 : f32, y_zero_point = 0 : i64, activation = "relu",
        pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>,
        dilations = array<i64: 1, 1>}
        : (tensor<1x3x8x8xui8>, tensor<2x3x3x3xi8>, tensor<2xi32>)
        -> tensor<1x2x8x8xui8>
    ```
  }];
  let arguments = !con((ins
    AnyRankedTensor:$X,
    AnyRankedTensor:$W,
    Optional<AnyRankedTensor>:$B), Fulcrum_QuantizationArgs, (ins
    DenseI64ArrayAttr:$pads,
    DenseI64ArrayAttr:$strides,
    DenseI64ArrayAttr:$dilations,
    DefaultValuedAttr<I64Attr, "1">:$group), Fulcrum_ActivationArgs);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = [{
    $X `,` $W (`bias` $B^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def Fulcrum_QGemmOp : Fulcrum_Op<"qgemm", [Pure]> {
  let summary = "8-bit matrix product with requantization and activation";
  let description = [{
    `Y = A * W^T` of 8-bit integers, what `QuantizeLinear(act(Gemm or
    MatMul(DequantizeLinear(a), DequantizeLinear(w), bias)))`,
    QLinearMatMul and MatMulInteger compute, in integers:
    `acc[..., m, n] = sum_k (A[..., m, k] - x_zero_point) * W[n, k] +
    B[n]`. `A` has rank 2 or more (leading dimensions are rows too); `W`
    is `i8` `[N, K]` (the weights' rows, i.e. Gemm's `transB = 1` form),
    per output column (`w_scale`: one value or N); the result types and
    the requantization are those of `fulcrum.qconv`.

    ```mlir
    %y = fulcrum.qgemm %a, %w bias %b {x_scale = 0.02 : f32,
        x_zero_point = 128 : i64, w_scale = array<f32: 0.01>}
        : (tensor<1x512xui8>, tensor<10x512xi8>, tensor<10xi32>)
        -> tensor<1x10xf32>
    ```
  }];
  let arguments = !con((ins
    AnyRankedTensor:$A,
    AnyRankedTensor:$W,
    Optional<AnyRankedTensor>:$B), Fulcrum_QuantizationArgs,
    Fulcrum_ActivationArgs);
  let results = (outs AnyRankedTensor:$Y);
  let assemblyFormat = [{
    $A `,` $W (`bias` $B^)? attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

#endif // FULCRUM_DIALECT_FULCRUM_IR_FULCRUMOPS_TD
