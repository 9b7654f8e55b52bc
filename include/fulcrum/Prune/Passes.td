//===- Passes.td - Structured pruning passes ----------------*- tablegen -*-===//
//
// Part of Fulcrum. Passes of the graph phase that find the channel groups
// of an onnx graph and remove channels physically.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_PRUNE_PASSES_TD
#define FULCRUM_PRUNE_PASSES_TD

include "mlir/Pass/PassBase.td"

def PrintPruneGroups : Pass<"fulcrum-print-prune-groups",
                            "::mlir::func::FuncOp"> {
  let summary = "Print the channel groups that structured pruning removes together";
  let description = [{
    Structured pruning removes whole channels, and a channel of one tensor
    can only go together with the channels that depend on it. This pass runs
    the dependency analysis (`fulcrum/Prune/Dependency.h`) on a shape-inferred
    `onnx` graph (the graph phase before fusion) and prints one line per
    group to stdout:

    ```
    group 0: 32 units [residual] prunable; tensors: conv1[0..31] add[0..31]
        relu[0..31]; producers: conv1 conv2; consumers: conv3
    ```

    A group gathers the units (sets of channels removed together) that
    touch the same tensors; each tensor is listed with the channels of the
    group (`[lo..hi]`, `xK` when one unit owns K channels of it, as a
    flattened tensor's columns). The kinds say why channels are tied:

    - `residual`: an element-wise op of two activations (Add, Mul, ...)
      ties their channels;
    - `concat`: a Concat maps each input's channels to a range of its
      output (the range is the member's `[lo..hi]`);
    - `batchnorm`: BatchNormalization carries the channels (its parameters
      are sliced);
    - `depthwise`: a depthwise convolution (group = input channels) ties
      input channel c to its output channels;
    - `flatten`: Flatten or Reshape of `[N, C, H, W]` to `[N, C*H*W]` maps
      channel c to columns `c*H*W .. (c+1)*H*W-1`;
    - `broadcast`: a constant of the op broadcasts along the channels and
      is sliced with them;
    - `heads`: one attention head: its columns of the Q, K and V
      projections (one packed projection, or three) and its rows of the
      output projection. The ops between the projections (Reshape,
      Transpose, Gather/Slice/Split of a packed projection, the products
      Q K^T and P V batched over the heads, scales, masks that broadcast
      along the heads, Softmax over the keys, or a fused
      `fulcrum.attention`) must keep the heads apart: the analysis
      (`HeadRegions.cpp`) follows every axis as a product of factors
      through them and finds the head factor. A block with a Softmax that
      is not separable fixes its projections with the reason (a mask that
      differs between heads, a softmax across the heads, a view read
      elsewhere...).

    A group is `fixed` (with the reason) when one of its channels reaches a
    graph input or output or an operator the rewrite cannot follow (a
    grouped convolution, a Transpose, a LayerNormalization or Softmax over
    the channels, a product of two activations...), or when no convolution
    or matrix product with constant weights produces it. Producers are the
    contractions whose output rows are the channels; consumers read them as
    input columns.

    Tracked tensors are float tensors of rank 2 (`[N, C]`), 3 (`[B, T, C]`,
    channels last) and 4 (`[N, C, H, W]`) with a static channel count.
  }];
  let dependentDialects = ["::fulcrum::onnx::ONNXDialect"];
}

def PruneChannels : Pass<"fulcrum-prune-channels", "::mlir::func::FuncOp"> {
  let summary = "Remove the least important channels of every prunable group";
  let description = [{
    Removes, from every prunable channel group (see
    `fulcrum-print-prune-groups`), the fraction `ratio` of its units with the
    smallest weight importance, and rewrites the graph so that it has fewer
    channels rather than masked ones: convolution filters and input
    channels, Gemm and MatMul rows and columns, biases,
    BatchNormalization parameters, constants broadcast along the channels,
    depthwise group counts, the shape constant of a flattening Reshape, and
    the types of every tensor that loses channels. A head group loses whole
    heads: between the projections the head count of every Reshape shape
    (constant, or computed: then scaled by inserted Mul/Div), Slice bound
    and Split size along the heads, every type and a fused
    `fulcrum.attention`'s `num_heads` change with it. At least one unit of
    each group stays.

    Importance (`criterion`): `l1` or `l2` is the norm of the producers'
    weights of a unit (the filters of a convolution, the columns of a
    matrix product), summed over the producers of a group; `bn` the
    magnitude of the BatchNormalization scale divided by its standard
    deviation (`l2` where a group has no BatchNormalization). Ties go to
    the later channel, so that the result is deterministic.

    This pass prunes uniformly; `fulcrum-compile --prune=R` chooses
    per-group counts for a target MAC reduction, measures activations and
    refits the consumers on calibration data (`docs/Pruning.md`).

    ```mlir
    %y = onnx.Conv(%x, %w, %b) : (...) -> tensor<1x8x16x16xf32>
    %r = onnx.Relu(%y) ...
    %z = onnx.Conv(%r, %w2, %b2) : (...) -> tensor<1x4x16x16xf32>
    // with ratio=0.5 becomes
    %y = onnx.Conv(%x, %w', %b') : (...) -> tensor<1x4x16x16xf32>
    %r = onnx.Relu(%y) ...
    %z = onnx.Conv(%r, %w2', %b2) : (...) -> tensor<1x4x16x16xf32>
    ```
  }];
  let dependentDialects = ["::fulcrum::onnx::ONNXDialect"];
  let options = [
    Option<"ratio", "ratio", "double", "0.5",
           "Fraction of each prunable group's units to remove (0 to 1)">,
    Option<"criterion", "criterion", "std::string", "\"l1\"",
           "Importance: l1, l2 or bn">
  ];
  let statistics = [
    Statistic<"numRemoved", "num-removed", "Channel units removed">
  ];
}

#endif // FULCRUM_PRUNE_PASSES_TD
