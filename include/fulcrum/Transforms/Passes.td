//===- Passes.td - Fulcrum's target-independent transforms -*- tablegen -*-===//
//
// Part of Fulcrum. Passes on upstream dialects (linalg on tensors) that the
// phases share.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_TRANSFORMS_PASSES_TD
#define FULCRUM_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FuseElementwise : Pass<"fulcrum-fuse-elementwise", "::mlir::func::FuncOp"> {
  let summary = "Fuse element-wise linalg generics, keeping named ops intact";
  let description = [{
    Upstream's `linalg-fuse-elementwise-ops` with one difference: named
    linalg ops (`linalg.matmul`, `linalg.batch_matmul`, convolutions,
    pooling, `linalg.transpose`, ...) are neither fused into nor rewritten
    into generics when reshapes are propagated through them. Code
    generation recognises named contractions (micro-kernels, upstream
    tiling and vectorization); a generic with a `d0*2+d3`-style map is
    opaque to it.

    A producer generic with one use is fused into its consumer generic;
    `tensor.expand_shape`/`tensor.collapse_shape` are folded into the
    generics they feed or read, by expanding the generic's loops; constant
    generics are folded.

    ```mlir
    %0 = linalg.generic {...} ins(%a) outs(%e) { math.exp }      // one use
    %1 = linalg.generic {...} ins(%0, %b) outs(%e) { arith.addf }
    // becomes one generic computing exp(a) + b, while
    %2 = linalg.matmul ins(%1, %w) outs(%f)
    // stays a linalg.matmul.
    ```

    A producer that divides or computes a square root or transcendental
    function is not fused into a consumer that broadcasts it (reads it
    through a map with fewer results than the consumer's loops): fused, it
    would be computed once per element instead of once per row, as
    LayerNormalization's `1/sqrt(variance + epsilon)` was.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::affine::AffineDialect"];
}

def ChannelsLast : Pass<"fulcrum-channels-last", "::mlir::func::FuncOp"> {
  let summary = "Run convolutions, pooling and their neighbours on NHWC tensors";
  let description = [{
    ONNX convolutions are NCHW: channels outermost, so a pixel's channels
    are a plane apart. Channels-last (NHWC) puts them next to each other,
    which is what fast convolution code wants: a 1x1 convolution becomes a
    plain matrix product of the image with the filter, im2col copies whole
    runs of channels, and depthwise convolutions vectorize over channels.

    The pass rewrites, on tensors:
    - `linalg.conv_2d_nchw_fchw` into `linalg.conv_2d_nhwc_fhwc` (the
      filter transposed FCHW -> FHWC; a constant filter is transposed at
      compile time by the CPU code generator),
      `linalg.depthwise_conv_2d_nchw_chw` into
      `linalg.depthwise_conv_2d_nhwc_hwc` (CHW -> HWC), and
      `linalg.pooling_nchw_max`/`_sum` into their NHWC forms;
    - element-wise `linalg.generic`s (four parallel loops, identity output
      map, no `linalg.index`) that read a rewritten op's result: they run
      on NHWC loops, reading rewritten results in NHWC and other operands
      in their own layout through renamed indexing maps;
    - constant `tensor.pad`s of a rewritten result, with their paddings
      permuted;
    - reductions over four NCHW loops (a global average pooling, often with
      a residual add and a ReLU fused into it) that read a rewritten result
      through an identity map: they read the NHWC value through a permuted
      map instead of a transpose, and keep their loops and result.

    Each rewritten op's result is handed to its other users through a
    transpose back to NCHW; a rewritten user reads the NHWC value instead,
    so layout changes cancel inside such regions and only their edges
    transpose (the model input, a flatten before a classifier). An output
    init that is a `tensor.empty`, a `linalg.fill` of one or a per-channel
    `linalg.broadcast` (a bias) is rebuilt in NHWC rather than transposed.
    8-bit convolutions (generics tagged `fulcrum.qcontraction` with kind
    "conv", from `fulcrum-recognize-quantized`) are rewritten too: the same
    loops and body, with the image's and the result's indexing maps
    permuted to NHWC, the filter kept FCHW, and `layout = "nhwc"` added to
    the tag, so that `fulcrum-cpu-quantized-to-kernel` calls the
    channels-last 8-bit kernel. Their requantizations, being element-wise,
    follow (every rewritten generic keeps its discardable attributes).

    ```mlir
    %y = linalg.conv_2d_nchw_fchw ins(%x, %w : tensor<1x8x16x16xf32>,
        tensor<4x8x1x1xf32>) outs(%b : tensor<1x4x16x16xf32>)
    %r = linalg.generic {...} ins(%y) outs(%e) { max(%in, 0.0) }
    // becomes
    %xt = linalg.transpose ins(%x) outs(...) permutation = [0, 2, 3, 1]
    %wt = linalg.transpose ins(%w) outs(...) permutation = [0, 2, 3, 1]
    %yt = linalg.conv_2d_nhwc_fhwc ins(%xt, %wt) outs(%bt)
    %rt = linalg.generic {...} ins(%yt) outs(%et) { max(%in, 0.0) }
    %r = linalg.transpose ins(%rt) outs(...) permutation = [0, 3, 1, 2]
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
  let statistics = [
    Statistic<"numConverted", "num-converted", "Ops rewritten to NHWC">
  ];
}

#endif // FULCRUM_TRANSFORMS_PASSES_TD
