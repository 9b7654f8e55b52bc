//===- Passes.td - onnx dialect passes ---------------------*- tablegen -*-===//

#ifndef FULCRUM_DIALECT_ONNX_TRANSFORMS_PASSES_TD
#define FULCRUM_DIALECT_ONNX_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def ONNXShapeInference : Pass<"fulcrum-onnx-shape-inference", "::mlir::func::FuncOp"> {
  let summary = "Refine the result types of ONNX operations";
  let description = [{
    Walks a function in order and, for every operation that implements
    `ShapeInferenceOpInterface`, replaces each result type by the most
    specific type compatible with both the declared and the inferred one
    (for example `tensor<*xf32>` or `tensor<?x10xf32>` becomes
    `tensor<4x10xf32>`). Rewrites such as constant folding or pruning leave
    types stale; this pass makes them precise again. The function's result
    types are updated to what it returns. Superseded reductions, whose axes
    are an attribute (ReduceMean-13, say) and which have no interface, are
    inferred too: the input without the reduced axes, or with them as 1
    under `keepdims` (the default); no axes reduce every dimension.

    Subgraphs are inferred too: `onnx.If` results join the types both
    branches yield; the block arguments of `onnx.Loop` and `onnx.Scan`
    bodies take the types of the values they receive (carried values: the
    initial value's type, generalized to dynamic dimensions, or unranked,
    when the body yields another shape, after which the body is inferred
    again; scan elements: the scan input without its scan axis), and their
    results follow (scan outputs stack the yielded elements along a new
    axis of the sequence length, run-time for Loop).

    Assumes the IR verifies; a type that conflicts with inference is an
    error (the verifier would have reported it) and fails the pass.

    ```mlir
    func.func @f(%x: tensor<2x3xf32>) -> tensor<*xf32> {
      %0 = onnx.Relu(%x) : (tensor<2x3xf32>) -> tensor<*xf32>
      return %0 : tensor<*xf32>
    }
    // becomes
    func.func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
      %0 = onnx.Relu(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
      return %0 : tensor<2x3xf32>
    }
    ```
  }];
  let dependentDialects = ["::fulcrum::onnx::ONNXDialect"];
  let statistics = [
    Statistic<"numRefined", "num-refined", "Number of result types refined">
  ];
}

def ONNXFoldShapeComputations
    : Pass<"fulcrum-onnx-fold-shape-computations", "::mlir::func::FuncOp"> {
  let summary = "Replace shape computations known at compile time by constants";
  let description = [{
    Exporters such as `torch.onnx` compute reshape targets and expand sizes
    at run time from `Shape` (`Shape` -> `Gather` -> `Div` -> `Unsqueeze`
    -> `Concat` -> `Reshape`), even when every size involved is static.
    This pass replaces each integer tensor of at most 64 elements whose
    value is fully known (see `getKnownInts`: constants and shape
    arithmetic over static dimensions) by an `onnx.Constant`, so the
    consumers see constant shapes and later passes can drop the
    computation. Partly known values (a dynamic batch in the first
    element) are left in place; shape inference still uses their known
    elements.

    ```mlir
    %s = onnx.Shape(%x) : (tensor<?x50x192xf32>) -> tensor<3xi64>
    %i = onnx.Constant() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
    %d = onnx.Gather(%s, %i) : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
    // %d becomes
    %d = onnx.Constant() {value = dense<192> : tensor<i64>} : () -> tensor<i64>
    ```
  }];
  let dependentDialects = ["::fulcrum::onnx::ONNXDialect"];
  let statistics = [
    Statistic<"numFolded", "num-folded", "Number of values made constant">
  ];
}

def ONNXResolveSequences : Pass<"fulcrum-onnx-resolve-sequences", "::mlir::func::FuncOp"> {
  let summary = "Replace sequences of known elements by their tensors";
  let description = [{
    Follows the sequences of a function (subgraphs included) whose
    elements are known at compile time: `SequenceEmpty`, `SequenceConstruct`, and `SequenceInsert` /
    `SequenceErase` with constant (or absent) positions on a known
    sequence, and `SplitToSequence` of a static axis with absent or
    constant split sizes (which becomes a `Split`, and `Squeeze`s for
    `keepdims=0`). What reads such a sequence is replaced: `SequenceAt` of
    a constant position by the element (a `tensor.cast` to the declared
    type when they differ), `SequenceLength` by a constant and
    `ConcatFromSequence` by a `Concat` (of `Unsqueeze`d elements for
    `new_axis=1`). A `SplitToSequence` with run-time split sizes of static
    count has a known length only.

    A sequence carried by a `Loop` that starts empty and to which the body
    appends one tensor per iteration (`SequenceInsert` without position:
    a list built in a loop, as PyTorch exports scripted loops) becomes a
    scan output S of the rebuilt `Loop`; its readers after the loop read S
    (`ConcatFromSequence` with `new_axis`: S, transposed for another axis;
    along axis 0: S reshaped; `SequenceAt`: a `Gather`; `SequenceLength`:
    S's first dimension). Sequence operations left without users are erased;
    sequences that escape (function results, loop-carried values) or whose
    positions are known only at run time stay, and the lowering reports
    them.

    ```mlir
    %s = onnx.SequenceConstruct(%x, %y) : (tensor<2xf32>, tensor<3xf32>) -> !onnx.seq<tensor<*xf32>>
    %n = onnx.SequenceLength(%s) : (!onnx.seq<tensor<*xf32>>) -> tensor<i64>
    %c = onnx.ConcatFromSequence(%s) {axis = 0 : i64} : (!onnx.seq<tensor<*xf32>>) -> tensor<?xf32>
    // becomes
    %n = onnx.Constant() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
    %c = onnx.Concat(%x, %y) {axis = 0 : i64} : (tensor<2xf32>, tensor<3xf32>) -> tensor<?xf32>
    ```
  }];
  let dependentDialects = ["::fulcrum::onnx::ONNXDialect",
                           "::mlir::tensor::TensorDialect"];
  let statistics = [
    Statistic<"numResolved", "num-resolved", "Sequence reads resolved">
  ];
}

def ONNXDecompose : Pass<"fulcrum-onnx-decompose", "::mlir::func::FuncOp"> {
  let summary = "Rewrite composite ONNX operators as simpler ONNX operators";
  let description = [{
    Replaces operators that are compositions of other ONNX operators by
    that composition, so that later passes and the lowering see only the
    simpler operators:

    - `SoftmaxCrossEntropyLoss` becomes `LogSoftmax` over the class axis
      followed by `NegativeLogLikelihoodLoss` (the log-probabilities are
      its second result when it has one).
    - `MatMulInteger` becomes `Cast`s to int32, `Sub` of the zero points
      and an int32 `MatMul`. A 1-D `a_zero_point` holds one value per row
      of A, so it is unsqueezed to `[M, 1]` to broadcast along M (a 1-D
      `b_zero_point` is per column and broadcasts as is).
    - `QLinearMatMul` becomes `DequantizeLinear` of both operands (A along
      its rows, B along its columns), a float `MatMul` and
      `QuantizeLinear`.
    - `ConvInteger` becomes `Cast`s to f64 (exact for every int32 sum of
      8-bit products; `Conv` has no integer form), `Sub` of the zero points
      (a 1-D `w_zero_point` unsqueezed per output channel), an f64 `Conv`
      and a `Cast` to int32.
    - `QLinearConv` becomes `DequantizeLinear` of x and of w (per output
      channel), the int32 bias cast and scaled by `x_scale * w_scale`, a
      float `Conv` and `QuantizeLinear`.
    - `DynamicQuantizeLinear` becomes `ReduceMin`/`ReduceMax` (widened to
      include 0), the scale `(max - min) / 255`, the zero point
      `Round(Clip(-min / scale, 0, 255))` cast to uint8, and
      `QuantizeLinear` with both.
    - `MeanVarianceNormalization` becomes `(X - E[X]) / (Sqrt(E[X^2] -
      E[X]^2) + 1e-9)` with `ReduceMean`s over its axes.
    - `BatchNormalization` in training mode becomes the normalization by
      the batch's mean and population variance (`ReduceMean`s over all
      dimensions but the channels) and the running statistics
      `input * momentum + batch * (1 - momentum)`.
    - Superseded versions that the version converter could not upgrade
      become the current operator where the meaning is the same:
      `Add`/`Sub`/`Mul`/`Div`-1/6 and `And`/`Or`/`Xor`/`Equal`/`Greater`/
      `Less`/`Pow`-1 (a broadcast B starting at `axis` is unsqueezed to
      numpy broadcasting), `Gemm`-1/6 (`broadcast` dropped), `Softmax`/
      `LogSoftmax`/`Hardmax`-1 and -11 (along the last axis, or at an inner
      axis along the last axis of the 2-D `Flatten`, reshaped back),
      `BatchNormalization`-1/6/7/9 with unused statistics outputs
      (training mode where -1/-6 say `is_test = 0`; `spatial = 0` in
      inference as element-wise arithmetic with per-activation
      statistics).
      Attributes that became operands: `Clip`-1/6 (min/max; none without
      them in -1), `Pad`-1/2 (pads and value), `Slice`-1, `TopK`-1,
      `Reshape`-1, `Tile`-1 (constant tiles along one axis), `Split`-1,
      `Squeeze`/`Unsqueeze`/`ReduceSum`-1/11 and `Split`-2/11 (none without
      the attribute). `Dropout`-1/6/7/10 become `Dropout` with the ratio
      operand (a used float mask of -7 and earlier is the boolean mask
      cast to the data's type).
      `Cast`-1's type name becomes its number; `Concat`-1's axis defaults
      to 1; `MaxPool`-1 gets an absent Indices result. `Upsample`-1/7/9 and
      `Resize`-10 are `Resize` with `asymmetric` coordinates and, nearest,
      `floor` rounding; `Resize`-11 (but `tf_half_pixel_for_nn`) with empty
      roi/scales constants as absent operands; `RoiAlign`-10 with
      `output_half_pixel`; `ConvTranspose`-1 without SAME padding;
      `LpPool`-1/`GlobalLpPool`-1 with an integral p. About 150 versions
      whose meaning is the current version's (the newer one only admits
      more types, adds attributes or operands whose defaults keep the old
      behaviour, or accepts more, such as negative axes or broadcasting)
      are renamed, e.g. `Add`-7/13, `Relu`-6/13, `Conv`-1, `Gemm`-7/9/11,
      `MaxPool`-8/10/11, `Reshape`-5/13, `Gather`-1/11, `ReduceMax`-1,
      `LSTM`/`GRU`/`RNN`-7 (the list is `FULCRUM_RENAMED_VERSIONS` in
      `LegacyVersions.cpp`), and opset 1's `consumed_inputs` and the
      recurrent operators' `output_sequence` are dropped
      (`FULCRUM_DROPPED_ATTRIBUTE`). Every upgrade happens only when the
      current operator verifies with the operands, attributes and results
      it gets; otherwise the operator stays at its version, which the
      lowering refuses by name. `If`/`Loop`-1/11/13 and `Scan`-9/11 are
      renamed with their regions moved over.

    With `quantized=false` the four quantized operators (`MatMulInteger`,
    `QLinearMatMul`, `ConvInteger`, `QLinearConv`) are kept, for a
    later pass that lowers them in integer arithmetic. Operands must be
    ranked tensors (run `fulcrum-onnx-shape-inference` first); an operator
    whose operands are not is left as it is.

    ```mlir
    %y = onnx.MatMulInteger(%a, %b, %azp, %none)
        : (tensor<3x4xui8>, tensor<4x2xui8>, tensor<3xui8>, none) -> tensor<3x2xi32>
    // becomes
    %a32 = onnx.Cast(%a) {to = 6 : i64} : (tensor<3x4xui8>) -> tensor<3x4xi32>
    %z32 = onnx.Cast(%azp) {to = 6 : i64} : (tensor<3xui8>) -> tensor<3xi32>
    %axes = onnx.Constant() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
    %z = onnx.Unsqueeze(%z32, %axes) : (tensor<3xi32>, tensor<1xi64>) -> tensor<3x1xi32>
    %a0 = onnx.Sub(%a32, %z) : (tensor<3x4xi32>, tensor<3x1xi32>) -> tensor<3x4xi32>
    %b32 = onnx.Cast(%b) {to = 6 : i64} : (tensor<4x2xui8>) -> tensor<4x2xi32>
    %y = onnx.MatMul(%a0, %b32) : (tensor<3x4xi32>, tensor<4x2xi32>) -> tensor<3x2xi32>
    ```
  }];
  let dependentDialects = ["::fulcrum::onnx::ONNXDialect"];
  let options = [
    Option<"quantized", "quantized", "bool", /*default=*/"true",
           "Decompose QLinearMatMul, MatMulInteger, ConvInteger and QLinearConv (off: keep them)">
  ];
  let statistics = [
    Statistic<"numDecomposed", "num-decomposed",
              "Number of operators decomposed">
  ];
}

def ONNXQuantize : Pass<"fulcrum-onnx-quantize", "::mlir::func::FuncOp"> {
  let summary = "Rewrite calibrated Conv, MatMul and Gemm into QDQ form (int8)";
  let description = [{
    Post-training quantization, in ONNX's standard QDQ form, of every
    `Conv`, `MatMul` and `Gemm` (f32) that calibration annotated with the
    ranges of its inputs. The attribute `fulcrum.input_ranges` holds
    `[lo0, hi0, lo1, hi1]`: the observed range of operand 0 and of
    operand 1 (NaN where an operand was not calibrated, e.g. a constant
    weight); `fulcrum-compile --quantize=int8 --calibration-data` computes
    them by running the fp32 model (MinMax, Percentile, Entropy or MSE).
    The rewrite:

    - an activation operand (not a constant) with a range becomes
      `DequantizeLinear(QuantizeLinear(x, s, z), s, z)` with a per-tensor
      scale and zero point: uint8 asymmetric (the range widened to contain
      0, `s = (hi - lo) / 255`, `z = round(-lo / s)`) by default, or int8
      symmetric (`s = max(|lo|, |hi|) / 127`, `z = 0`) with
      `activation-type=s8`. One QDQ pair per value is shared by its users.
    - a constant f32 weight (Conv `W`, Gemm `B`, a 2-D MatMul `B`) becomes
      an int8 constant and `DequantizeLinear` with one scale per output
      channel (`axis` 0 for Conv and a Gemm with `transB`, else the last
      dimension): symmetric, `s_c = max|w_c| / 127` (`/ 63` with
      `weight-bits=7`, reduced range for kernels whose 16-bit
      intermediate sums would saturate), zero point 0, values rounded half
      to even.
    - a constant 1-D f32 bias (Conv `B`, Gemm `C` of one value per output
      column) of a contraction whose activation and weight are both
      quantized becomes an int32 constant and `DequantizeLinear` with
      scale `s_x * s_w[c]` per channel and zero point 0.

    Contractions annotated `fulcrum.precision = "fp32"` (the mixed
    precision choice) are left in float, as are ones without ranges,
    non-f32 ones and MatMuls of two activations when
    `quantize-activation-matmuls=false`. The annotation is removed from
    every rewritten operation. Until integer kernels recognize the QDQ
    pairs, the lowering executes them in float, which simulates the
    quantized model exactly.

    ```mlir
    %y = onnx.Gemm(%x, %w, %b) {fulcrum.input_ranges = array<f32: 0.0, 1.0, 0x7FC00000, 0x7FC00000>, transB = 1 : i64}
        : (tensor<?x784xf32>, tensor<512x784xf32>, tensor<512xf32>) -> tensor<?x512xf32>
    // becomes
    %q = onnx.QuantizeLinear(%x, %s, %z) : (...) -> tensor<?x784xui8>
    %xd = onnx.DequantizeLinear(%q, %s, %z) : (...) -> tensor<?x784xf32>
    %wd = onnx.DequantizeLinear(%wq, %ws, %wz) {axis = 0 : i64}
        : (tensor<512x784xi8>, tensor<512xf32>, tensor<512xi8>) -> tensor<512x784xf32>
    %bd = onnx.DequantizeLinear(%bq, %bs, %bz) {axis = 0 : i64}
        : (tensor<512xi32>, tensor<512xf32>, tensor<512xi32>) -> tensor<512xf32>
    %y = onnx.Gemm(%xd, %wd, %bd) {transB = 1 : i64} : ...
    ```
  }];
  let dependentDialects = ["::fulcrum::onnx::ONNXDialect"];
  let options = [
    Option<"activationType", "activation-type", "std::string",
           /*default=*/"\"u8\"",
           "Activations: u8 (asymmetric uint8) or s8 (symmetric int8)">,
    Option<"weightBits", "weight-bits", "unsigned", /*default=*/"8",
           "Weight range: 8 ([-127, 127]) or 7 ([-63, 63], reduced range)">,
    Option<"quantizeActivationMatMuls", "quantize-activation-matmuls",
           "bool", /*default=*/"true",
           "Quantize MatMuls of two activations (attention's Q K^T, P V)">
  ];
  let statistics = [
    Statistic<"numQuantized", "num-quantized",
              "Contractions rewritten into QDQ form">
  ];
}

#endif // FULCRUM_DIALECT_ONNX_TRANSFORMS_PASSES_TD
