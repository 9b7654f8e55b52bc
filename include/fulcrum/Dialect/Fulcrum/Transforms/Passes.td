//===- Passes.td - Graph-level fusion passes ----------------*- tablegen -*-===//
//
// Part of Fulcrum. Passes on the onnx and fulcrum dialects that fold and
// fuse operators of the graph phase into `fulcrum` ops.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_DIALECT_FULCRUM_TRANSFORMS_PASSES_TD
#define FULCRUM_DIALECT_FULCRUM_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FoldScaleShift : Pass<"fulcrum-fold-scale-shift", "::mlir::func::FuncOp"> {
  let summary = "Fold BatchNormalization and constant Mul/Add into Conv and Gemm";
  let description = [{
    An affine map per output channel that follows a convolution or a Gemm
    is folded into its constant weights and bias, so that it costs nothing
    at run time:

    - `BatchNormalization(Conv(X, W, B))` (inference: only its first result
      used, constant scale, bias, mean and variance) becomes
      `Conv(X, W * s, (B - mean) * s + bias)` with
      `s = scale / sqrt(var + epsilon)` per output channel;
    - `Mul(Conv(X, W, B), c)` with a constant `c` that is a scalar or one
      value per output channel (shape `[C,1,...,1]` or `[1,C,1,...,1]`)
      scales W and B; `Add(Conv(X, W, B), c)` adds `c` to B;
    - `Mul(Gemm(A, W, C), c)` and `Add(Gemm(A, W, C), c)` with a constant
      `c` that is a scalar or one value per output column (`[N]` or
      `[1,N]`) scale the columns of W (and C) or add to C.

    Only f32 operators whose weights are constants are folded, and only
    when the contraction has no other user: folding into a shared
    contraction would change what its other users read.

    ```mlir
    %y = onnx.Conv(%x, %w, %b) : (...) -> tensor<1x8x16x16xf32>
    %z = onnx.BatchNormalization(%y, %s, %beta, %m, %v) ...
    // becomes
    %z = onnx.Conv(%x, %w2, %b2) : (...) -> tensor<1x8x16x16xf32>
    ```
  }];
  let dependentDialects = ["::fulcrum::onnx::ONNXDialect"];
  let statistics = [
    Statistic<"numFolded", "num-folded", "Operators folded into weights">
  ];
}

def FoldTranspose : Pass<"fulcrum-fold-transpose", "::mlir::func::FuncOp"> {
  let summary = "Fold 2-D transposes into the indexing of Gemm";
  let description = [{
    A matrix transpose that feeds a matrix product costs a copy; the
    product can read its operand transposed instead:

    - `Gemm(Transpose(A), B)` becomes `Gemm(A, B)` with `transA` flipped,
      and likewise for B and `transB`;
    - `MatMul(A, Transpose(B))` of matrices becomes
      `Gemm(A, B) {transB = 1}`, which lowers to `linalg.matmul_transpose_b`
      (the CPU code generator's GEMM kernels take it as it is).

    A transpose with another user stays, and is then not folded either:
    its copy would be made anyway. Batched products (attention's
    `Q @ K^T`) are left alone.

    ```mlir
    %t = onnx.Transpose(%w) {perm = array<i64: 1, 0>} : ...
    %y = onnx.MatMul(%a, %t) : ...
    // becomes
    %y = onnx.Gemm(%a, %w, %none) {transB = 1 : i64} : ...
    ```
  }];
  let dependentDialects = ["::fulcrum::onnx::ONNXDialect"];
  let statistics = [
    Statistic<"numFolded", "num-folded", "Transposes folded">
  ];
}

def RecognizeLayerNorm : Pass<"fulcrum-recognize-layer-norm",
                              "::mlir::func::FuncOp"> {
  let summary = "Recognize decomposed layer normalization";
  let description = [{
    Exports below opset 17 spell layer normalization out. This pass finds

    ```
    mean = ReduceMean(x, axes = [a, ..., r-1], keepdims = 1)
    d    = Sub(x, mean)
    var  = ReduceMean(Pow(d, 2) or Mul(d, d), same axes, keepdims = 1)
    y    = Div(d, Sqrt(Add(var, epsilon)))
    z    = Add(Mul(y, scale), bias)          (the Add optional)
    ```

    (commuted operands included) and replaces it with
    `fulcrum.layer_norm %x, %scale bias %bias {axis = a, epsilon = ...}`,
    which lowers to one statistics reduction and one element-wise loop.
    Every intermediate must have no user outside the pattern (`d` has
    exactly its two), otherwise the pattern is left alone.
  }];
  let dependentDialects = ["::fulcrum::fused::FulcrumDialect"];
  let statistics = [
    Statistic<"numRecognized", "num-recognized", "Layer norms recognized">
  ];
}

def RecognizeGelu : Pass<"fulcrum-recognize-gelu", "::mlir::func::FuncOp"> {
  let summary = "Recognize decomposed GELU (erf and tanh forms)";
  let description = [{
    Finds the product `0.5 * x * (1 + erf(x / sqrt(2)))` (the divisor may
    be a multiplication by `1/sqrt(2)`) and
    `0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))` (`x^3` as
    `Pow(x, 3)` or `x * x * x`), with its multiplications in any order and
    association, and replaces it with `fulcrum.gelu %x` (with
    `approximate = "tanh"` for the second). Constants match to a relative
    1e-4. Intermediates with users outside the pattern keep it unfused.

    ```mlir
    %0 = onnx.Div(%x, %sqrt2)
    %1 = onnx.Erf(%0)
    %2 = onnx.Add(%1, %one)
    %3 = onnx.Mul(%x, %2)
    %4 = onnx.Mul(%3, %half)
    // becomes
    %4 = fulcrum.gelu %x : tensor<...>
    ```
  }];
  let dependentDialects = ["::fulcrum::fused::FulcrumDialect"];
  let statistics = [
    Statistic<"numRecognized", "num-recognized", "GELUs recognized">
  ];
}

def FuseEpilogue : Pass<"fulcrum-fuse-epilogue", "::mlir::func::FuncOp"> {
  let summary = "Fuse bias, residual-add and activation epilogues into contractions";
  let description = [{
    Rewrites `onnx.Conv`, `onnx.MatMul` and `onnx.Gemm` (f32) together
    with the element-wise operators that follow them into `fulcrum.conv`,
    `fulcrum.matmul` and `fulcrum.gemm`, absorbing in this order:

    1. for MatMul, a bias: `Add` of a constant that broadcasts along the
       result's last dimension;
    2. a residual: `Add` of a value of the result's type;
    3. an activation: `Relu`, `Clip` with constant bounds, `Sigmoid`,
       `HardSwish`, `fulcrum.gelu` (run `fulcrum-recognize-gelu` first) or
       SiLU (`Mul(y, Sigmoid(y))`).

    Each step needs the value so far to have no other user (SiLU: exactly
    the Sigmoid and the Mul), so nothing is computed twice. Each step is
    also a decision of the fusion policy, a callback
    (`fulcrum::fused::FusionPolicy`, see FusionPolicy.h). The driver's
    tools install the cost model's policy (fulcrum/Cost/FusionCost.h),
    which predicts each step's time saved on the target; the pass's own
    default fuses every legal step and prices it by the intermediate it
    keeps out of memory against `cache-bytes`. With
    `remarks`, each decision is reported as a remark on the producer with
    its reason and predicted benefit.

    ```mlir
    %y = onnx.Conv(%x, %w, %b) : (...) -> tensor<1x8x16x16xf32>
    %s = onnx.Add(%y, %r) : ...
    %z = onnx.Relu(%s) : ...
    // becomes
    %z = fulcrum.conv %x, %w bias %b residual %r {activation = "relu"} : ...
    ```
  }];
  let options = [
    Option<"cacheBytes", "cache-bytes", "int64_t", "1048576",
           "Cache size the default policy compares intermediates with">,
    Option<"remarks", "remarks", "bool", "false",
           "Emit a remark for each fusion decision with its reason">
  ];
  let dependentDialects = ["::fulcrum::fused::FulcrumDialect"];
  let statistics = [
    Statistic<"numFused", "num-fused", "Epilogue operators fused">
  ];
}

def RecognizeAttention : Pass<"fulcrum-recognize-attention",
                              "::mlir::func::FuncOp"> {
  let summary = "Recognize scaled dot-product attention";
  let description = [{
    Finds, around every `onnx.Softmax`, the attention block PyTorch exports
    spell out, at opsets 13 to 17:

    ```
    S = MatMul(Q', Transpose(K'))        Q' = Q * a or Q / a or Q,
                                         K' likewise, the Transpose
                                         swapping the last two axes
                                         (possibly merged with the head
                                         split: perm [1, 2, 0])
    T = S * c or S / c or S              (the scale, before or after
    T = Add(T, mask)                       the mask)
      or Where(cond, T, -inf)            (boolean mask; masked_fill's
      or Where(cond, -inf, T)              Where(cond, -inf, T) negates)
    Y = MatMul(Softmax(T, axis = -1), V)
    ```

    and replaces it with one `fulcrum.attention %q, %k, %v [mask %m]`
    whose `scale` is the product of the scales found. `Q`, `K` and `V`
    keep whatever produced them: the explicit form's Reshape/Transpose
    of a packed projection (`[B, H, L, D]` operands) and
    `nn.MultiheadAttention`'s Slice/Split, Reshape and Transpose at static
    or dynamic batch (its Shape/Gather/Concat shape computations feed
    those Reshapes; `[B*H, L, D]` operands). `num_heads` is the head
    dimension of `[B, H, L, D]` operands, or the projection width over the
    head dimension where a Reshape split the heads off; `packed_qkv` is
    set when Q, K and V are views of one value. A mask of lower rank is
    unsqueezed to the scores' rank.

    The block is left alone, and with `remarks` the Softmax gets a remark
    naming its ONNX node and the reason, when: the softmax is not over the
    last axis; its probabilities or its scores (the product or any scaled
    or masked intermediate) have another user (e.g. `need_weights`); the
    scores are not a product with a transposed K; the operands' batch and
    head dimensions differ (a broadcast product); the head dimension is
    not static; or, with `require-scale` (the default), no scale was found
    on Q, K or the scores. With `remarks`, each function also gets a
    remark counting the blocks recognized and the Softmax nodes left.

    ```mlir
    %kt = onnx.Transpose(%k) {perm = array<i64: 0, 1, 3, 2>} : ...
    %s = onnx.MatMul(%q, %kt) : ...
    %t = onnx.Div(%s, %c4) : ...
    %p = onnx.Softmax(%t) {axis = -1 : si64} : ...
    %y = onnx.MatMul(%p, %v) : ...
    // becomes
    %y = fulcrum.attention %q, %k, %v {head_dim = 16 : i64,
        num_heads = 4 : i64, scale = 2.500000e-01 : f32} : ...
    ```
  }];
  let options = [
    Option<"requireScale", "require-scale", "bool", "true",
           "Match only blocks with a scale on Q, K or the scores">,
    Option<"remarks", "remarks", "bool", "false",
           "Emit a remark naming each Softmax left alone and why, and the "
           "count of blocks recognized">
  ];
  let dependentDialects = ["::fulcrum::fused::FulcrumDialect"];
  let statistics = [
    Statistic<"numRecognized", "num-recognized",
              "Attention blocks recognized">
  ];
}

def AttentionPrecision : Pass<"fulcrum-attention-precision", "::mlir::func::FuncOp"> {
  let summary = "Run attention's two products in a reduced precision";
  let description = [{
    Annotates every `fulcrum.attention` of the function with
    `fulcrum.precision` (run `fulcrum-recognize-attention` first). With
    `precision=bf16` the score product `Q K^T` and the value product `P V`
    take their operands rounded to bf16 (to nearest, ties to even) and
    accumulate in f32; the softmax stays f32. The lowering rounds the
    operands in both products' loops, so every target computes the same
    thing, and the CPU's fused kernel runs them on AVX512-BF16's
    `vdpbf16ps` where the host has it (elsewhere it unpacks the bf16 pairs
    into f32 multiply-adds, with the same rounding). This is the accuracy
    side of a trade-off (`--attention-precision=bf16` in the tools):
    about three significant decimal digits per operand.

    ```mlir
    %y = fulcrum.attention %q, %k, %v {head_dim = 16 : i64, scale = ...}
    // with precision=bf16 becomes
    %y = fulcrum.attention %q, %k, %v {fulcrum.precision = "bf16",
        head_dim = 16 : i64, scale = ...}
    ```

    `precision=fp32` removes the annotation; any other value is an error.
  }];
  let options = [
    Option<"precision", "precision", "std::string", "\"bf16\"",
           "Precision of the two products: bf16 or fp32">
  ];
  let dependentDialects = ["::fulcrum::fused::FulcrumDialect"];
  let statistics = [
    Statistic<"numAnnotated", "num-annotated",
              "Attentions given a reduced precision">
  ];
}

def AttentionWindow : Pass<"fulcrum-attention-window", "::mlir::func::FuncOp"> {
  let summary = "Make attention local: a window of keys plus global tokens";
  let description = [{
    Sets `window` and `global_tokens` on every `fulcrum.attention` of the
    function (run `fulcrum-recognize-attention` first): each query then
    attends only to keys at most `window` positions away, except that the
    first `global-tokens` positions (a class token) attend to every key and
    every query attends to them. Scores outside the window are masked like
    a causal mask's, so the kernel skips nothing yet: this is the accuracy
    side of the trade-off (`--attention-window=W` in the tools); a window
    no smaller than the sequence changes nothing.

    ```mlir
    %y = fulcrum.attention %q, %k, %v {head_dim = 16 : i64, scale = ...}
    // with window=8 becomes
    %y = fulcrum.attention %q, %k, %v {global_tokens = 1 : i64,
        head_dim = 16 : i64, scale = ..., window = 8 : i64}
    ```
  }];
  let options = [
    Option<"window", "window", "int64_t", "0",
           "Keys at most this far from the query are kept (0: all)">,
    Option<"globalTokens", "global-tokens", "int64_t", "1",
           "Leading tokens that attend and are attended everywhere">
  ];
  let dependentDialects = ["::fulcrum::fused::FulcrumDialect"];
  let statistics = [
    Statistic<"numWindowed", "num-windowed", "Attentions made local">
  ];
}

def RecognizeQuantized : Pass<"fulcrum-recognize-quantized",
                              "::mlir::func::FuncOp"> {
  let summary = "Recognize quantize/dequantize pairs around contractions";
  let description = [{
    Quantized ONNX models (the QDQ form ONNX Runtime's and other
    quantization tools write, and QLinearConv/QLinearMatMul once
    `fulcrum-onnx-decompose` has spelled them out) compute contractions
    in float between `DequantizeLinear` and `QuantizeLinear`. This pass
    finds

    ```
    x' = DequantizeLinear(x)           per tensor, x ui8 or i8
    w' = DequantizeLinear(w)           w a constant i8, zero point 0, one
                                       scale or one per output channel
    b' = DequantizeLinear(b) or a float constant (optional bias)
    y  = Conv(x', w', b') | Gemm(x', w', b') | MatMul(x', w')
    [y = Relu(y) | Clip(y, constant, constant)]
    [y = QuantizeLinear(y)]            per tensor
    ```

    and replaces it with `fulcrum.qconv` (2-D, one group or depthwise,
    explicit or VALID padding) or `fulcrum.qgemm` (Gemm with `alpha = beta = 1` and
    `transA = 0`; MatMul with 2-D weights), which compute the contraction
    in integers (the bias is rounded to accumulator units `x_scale *
    w_scale`; a bias quantized with exactly that scale stays exact) and
    requantize with the activation clamped in; without a QuantizeLinear the
    result is dequantized f32 and an activation stays a separate op. Each
    link of the chain must be the only user of the one before it;
    `DequantizeLinear`s with other users stay for them. What does not
    match (per-channel activations, weights computed at run time,
    asymmetric weights, grouped convolutions other than depthwise, SAME
    padding)
    is left alone and keeps its float lowering.

    First, a per-tensor `QuantizeLinear` (one positive constant scale) of
    a `MaxPool` (no Indices, no other user) moves above the pooling:
    quantization is monotonic, so `Q(MaxPool(y)) = MaxPool(Q(y))` bit for
    bit, and a convolution that ends in Relu → MaxPool → QuantizeLinear
    (ResNet's stem) ends in a QuantizeLinear, becomes a `fulcrum.qconv`
    with its activation fused, and the pooling runs on bytes.

    ```mlir
    %x1 = onnx.DequantizeLinear(%x, %sx, %zx) : ...
    %w1 = onnx.DequantizeLinear(%w, %sw, %none) {axis = 0 : i64} : ...
    %y = onnx.Conv(%x1, %w1, %none) {pads = array<i64: 1, 1, 1, 1>} : ...
    %r = onnx.Relu(%y) : ...
    %q = onnx.QuantizeLinear(%r, %sy, %zy) : ...
    // becomes
    %q = fulcrum.qconv %x, %w {activation = "relu", ...}
        : (tensor<1x8x16x16xui8>, tensor<8x8x3x3xi8>) -> tensor<1x8x16x16xui8>
    ```
  }];
  let dependentDialects = ["::fulcrum::fused::FulcrumDialect"];
  let statistics = [
    Statistic<"numRecognized", "num-recognized",
              "Quantized contractions recognized">,
    Statistic<"numHoisted", "num-hoisted",
              "QuantizeLinear ops moved above a MaxPool">
  ];
}

#endif // FULCRUM_DIALECT_FULCRUM_TRANSFORMS_PASSES_TD
