//===- Passes.td - CPU target passes -----------------------*- tablegen -*-===//

#ifndef FULCRUM_TARGET_CPU_PASSES_TD
#define FULCRUM_TARGET_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def EmitCInterface : Pass<"fulcrum-emit-c-interface", "::mlir::ModuleOp"> {
  let summary = "Give the entry point a C interface";
  let description = [{
    Marks the entry point with `llvm.emit_c_interface`, so that the LLVM
    lowering adds `_mlir_ciface_<name>` (the ABI of compiled models and of
    the generated header), and removes the ONNX names of its inputs and
    outputs (`onnx.name` argument/result attributes): the artifact carries
    them in its embedded signature (`fulcrum_signature_<name>`), taken by
    the driver before lowering. Fails when the module has no such function.

    ```mlir
    func.func @main_graph(%x: tensor<2xf32> {onnx.name = "x"}) -> ...
    // becomes
    func.func @main_graph(%x: tensor<2xf32>) -> ...
        attributes {llvm.emit_c_interface}
    ```
  }];
  let options = [
    Option<"entryPoint", "entry-point", "std::string", "\"main_graph\"",
           "Name of the entry-point function">
  ];
}

def CPUTileBatch : Pass<"fulcrum-cpu-tile-batch", "::mlir::ModuleOp"> {
  let summary = "Run a batch-separable entry point image by image, or in "
                "chunks that fit the cache, spread over the threads";
  let description = [{
    A model whose batch dimension is dynamic runs every layer over the whole
    batch before the next layer starts: at batch 8, MobileNetV2's expanded
    feature maps (38 MB) no longer fit the last-level cache, and its
    depthwise layers ran 3-4x slower per image than at batch 1. This pass
    moves the entry point's body into a private function `@<entry>_tile`
    and makes the entry point call it on slices of the batch.

    The rewrite applies when the body is proved batch-separable: each slice
    of the results along dimension 0 depends only on the same slice of the
    inputs. The proof follows every value derived from an argument whose
    dimension 0 is dynamic, tracking how many rows of dimension 0 belong to
    one image (a collapse of `?x197x768` to `?x768` makes 197):
    - structured linalg ops whose batch-carrying operands all read
      dimension 0 through one parallel loop that no other operand or
      index uses, and whose inits carry the batch too;
    - `tensor.pad` that pads no rows, `tensor.cast`, slices over all rows,
      `tensor.collapse_shape`, `tensor.expand_shape` and `tensor.reshape`
      that keep whole images together;
    - the batch size itself (`tensor.dim` of dimension 0) only in integer
      arithmetic, in dimension 0 of `tensor.empty` and in reshape shapes;
    - every result carries the batch, one row per image, with static
      trailing dimensions; every argument with a dynamic dimension 0 meets
      the others in some op (so all have the same batch).
    Anything else (a reduction over the batch, `linalg.index` of the batch
    loop, calls, control flow, a batch-derived value used as data) leaves
    the module as it is.

    The chunk size is a cost rule. Only ops bound by memory traffic suffer
    when their data leaves the cache: those with fewer flops (iterations
    times body ops) per byte of batch-carrying operands and results than
    the target's balance (`balance`: peak flops over DRAM bandwidth, 6.6 on
    a Zen 5 core) - pads, copies, element-wise ops, pooling and depthwise
    convolutions, not convolutions or matrix products. The largest
    per-image working set of such an op is priced against half of the
    last-level cache (`cache-bytes`), which gives the images a chunk may
    hold (MobileNetV2: 1; ResNet-18: 4). At run time, with T = `omp_get_max_threads()` threads:
    - when T > 1 divides the batch and each thread's share holds at least
      the work the kernels split between threads (2^18 multiply-adds; a
      tiny model never forks), each thread runs its share of the images in
      chunks of the budget divided by T (`scf.forall`, one iteration per
      thread, the kernels inside single-threaded): no synchronization
      between layers, and every thread does the same work;
    - otherwise a batch that fits one chunk is one call on the whole input,
      and a larger one runs chunk after chunk, each layer spread over the
      threads as before.
    The order of every sum inside an image is unchanged, so results are
    bit-identical to the untiled model for any batch and thread count.

    ```mlir
    func.func @main(%x: tensor<?x3x224x224xf32>) -> tensor<?x1000xf32>
    // becomes
    func.func private @main_tile(%x: tensor<?x3x224x224xf32>)
        -> tensor<?x1000xf32>   // the body, as it was
    func.func @main(%x: tensor<?x3x224x224xf32>) -> tensor<?x1000xf32> {
      // scf.forall over the threads, or scf.for over chunks, of
      // tensor.extract_slice, func.call @main_tile, and insert_slice
    }
    ```
  }];
  let options = [
    Option<"entryPoint", "entry-point", "std::string", "\"main_graph\"",
           "Name of the entry-point function">,
    Option<"cacheBytes", "cache-bytes", "int64_t", "33554432",
           "Bytes of the target's last-level cache (half is the budget of "
           "one chunk's working set)">,
    Option<"balance", "balance", "double", "6.5",
           "Flops per byte of DRAM traffic at which a core is compute-bound "
           "(its peak over its DRAM bandwidth): ops above it do not size "
           "the chunks">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
  let statistics = [
    Statistic<"numTiled", "num-tiled", "Entry points run in batch chunks">,
    Statistic<"chunkImages", "chunk-images",
              "Images one chunk holds within the cache budget">
  ];
}

def CPUMatmulToKernel : Pass<"fulcrum-cpu-matmul-to-kernel", "::mlir::ModuleOp"> {
  let summary = "Run fp32 matrix products on the CPU's GEMM micro-kernels";
  let description = [{
    Replaces each `linalg.matmul` on f32 memrefs (after bufferization) whose
    rows are contiguous by a call of the GEMM micro-kernel for the target's
    ISA (`fulcrum_sgemm_f32_<isa>`, lib/Target/CPU/Kernels/gemm.c, linked
    into the artifact from bitcode): a register tile of MR x NR (AVX-512:
    8 x 32; AVX2: 6 x 16) with k innermost, K blocked for the first-level
    cache, leftover rows and columns handled by the same vector code.

    A right-hand side that is a constant (a weight) is packed at compile
    time into a new global of zero-padded `[N/NR][K][NR]` panels, 64-byte
    aligned. A zero `linalg.fill` of the output right before the product is
    folded into the call (the kernel overwrites instead of accumulating)
    when K is static and positive. An epilogue that follows, `D = clamp((C
    + bias[j]) + R, lo, hi)` with each part optional (a linalg.generic that
    is the only reader of C, with no memory writes in between), is applied
    by the kernel as it stores, writing D directly: a bias per column, a
    residual R (accumulated into when it is D itself), and a clamp by
    constants (ReLU, ReLU6). The generic may read C through a
    `memref.expand_shape` that only splits its rows, as the bias and
    residual adds of a transformer's projections on `?x128x768` do.
    `linalg.batch_matmul` calls the kernel once per batch in an `scf.for`,
    the pointers advanced by the batch strides. `linalg.matmul_transpose_b`
    with a
    constant right-hand side is packed the same way. Other products (other
    element types, strided rows, a transposed run-time operand) are left to
    the loop lowering.

    ```mlir
    linalg.fill ins(%zero : f32) outs(%c : memref<4x10xf32>)
    linalg.matmul ins(%a, %w : memref<4x784xf32>, memref<784x10xf32>)
                  outs(%c : memref<4x10xf32>)
    // becomes (isa=avx512)
    %wp = memref.get_global @__fulcrum_packed_0 : memref<1x784x32xf32>
    func.call @fulcrum_sgemm_f32_avx512(%m, %n, %k, %pa, %lda, %pwp, %c32,
        %panel, %pc, %ldc, %c0, %c0, %c0, %c0, %c0, %c0) : (i64, ...) -> ()
    ```
  }];
  let options = [
    Option<"kernelIsa", "isa", "std::string", "\"avx512\"",
           "Kernel variant: avx512, avx2 or generic (portable C)">,
    Option<"epilogues", "epilogues", "bool", "true",
           "Take the element-wise epilogue that follows (residual add, "
           "clamp) into the kernel call; false leaves it as its own loop "
           "(the unfused baseline of --fuse=false)">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
  let statistics = [
    Statistic<"numKernels", "num-kernels", "Matrix products run on kernels">,
    Statistic<"numPacked", "num-packed", "Weights packed at compile time">,
    Statistic<"numEpilogues", "num-epilogues",
              "Bias, residual and clamp epilogues applied by the kernel">
  ];
}

def CPUConvToKernel : Pass<"fulcrum-cpu-conv-to-kernel", "::mlir::ModuleOp"> {
  let summary = "Run fp32 NCHW convolutions on the CPU's GEMM micro-kernel";
  let description = [{
    Replaces each `linalg.conv_2d_nchw_fchw` on f32 memrefs (after
    bufferization) with static channel, spatial and kernel sizes and
    row-major layouts by a call of `fulcrum_conv2d_nchw_f32_<isa>`
    (lib/Target/CPU/Kernels/gemm.c): per image, the input is written as
    im2col panels packed for the GEMM register tile into a workspace, and
    the product `Y[f, pixel] = W[f, (c, kh, kw)] * X'[(c, kh, kw), pixel]`
    runs on the GEMM kernel with the weights read in place. The workspace is
    a `memref.alloc` around the call.
    `linalg.depthwise_conv_2d_nchw_chw` (static sizes, row-major) calls
    `fulcrum_dwconv2d_nchw_f32_<isa>`, which computes each output plane row
    by row with the horizontal stride a constant (1 and 2 are specialized)
    so the row loops vectorize, planes spread over the threads. Other
    convolutions are left to the loop lowering.

    The channels-last forms (`fulcrum-channels-last`) call the `_nhwc`
    kernels. `linalg.conv_2d_nhwc_fhwc` needs its filter to be a transpose
    of a constant FCHW global: the filter is packed at compile time into
    the GEMM's column panels, a new global, and the transpose goes.
    `linalg.depthwise_conv_2d_nhwc_hwc` reads an HWC filter; when that is a
    transpose of a constant CHW global (or of a reshaped view of one, such
    as ONNX's C1HW), the transposed filter becomes a new global at compile
    time too, so no call allocates or transposes weights.

    A channels-last 3x3 convolution at stride 1 without dilation, with at
    least 16 input and 16 output channels, calls
    `fulcrum_conv2d_winograd_nhwc_f32_<isa>` instead (option `winograd`,
    default on): Winograd F(2x2, 3x3), which computes each 2x2 block of
    output pixels from the 4x4 input block under it with 16 products of K =
    C instead of 36, 2.25x fewer multiply-adds. The filter is transformed
    (`G g G^T`, in double, rounded once) and packed into the GEMM's panels
    at compile time, one C x F matrix per position of the 4x4 block; the
    kernel transforms the input blocks and the products (additions and
    subtractions only) on the fly, in a workspace of a few slots per call.

    The kernels also take over what bufferized `tensor.pad`, bias and
    activation code would otherwise do in separate passes over memory:
    - **Padding.** When the input is a fresh buffer that is zero-filled,
      gets the real input copied into a `memref.subview` at offsets
      `[0, 0, top, left]`, and is read by nothing else, the kernel reads the
      real input and treats rows and columns outside it as zeros; the
      buffer, fill and copy go away.
    - **Initial value.** A `linalg.broadcast` of a per-channel bias
      (dimensions `[0, 2, 3]`) into the output, or a zero `linalg.fill` of
      it, before the convolution becomes the kernel's starting value;
      otherwise the kernel accumulates into the output.
    - **Epilogue.** When the next reader of the output is a
      `linalg.generic` with identity maps computing
      `clamp(y [+ residual], lo, hi)` (`arith.maximumf`/`arith.minimumf` by
      constants: ReLU, ReLU6, Clip; a residual only for full
      convolutions), and nothing else reads the output, the kernel applies
      it as it stores the last K block and writes the generic's output.

    ```mlir
    linalg.broadcast ins(%bias : memref<64xf32>)
        outs(%y : memref<1x64x28x28xf32>) dimensions = [0, 2, 3]
    linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>,
        strides = dense<1> : tensor<2xi64>}
        ins(%x, %w : memref<1x32x30x30xf32>, memref<64x32x3x3xf32>)
        outs(%y : memref<1x64x28x28xf32>)
    linalg.generic {...} ins(%y : memref<1x64x28x28xf32>)
        outs(%y : memref<1x64x28x28xf32>) { max(%in, 0.0) }
    // becomes (isa=avx2: workspace ceil(784/16) * 288 * 16 floats; clamp
    // bounds as float bits: 0.0 and +inf = 2139095040; flags 8 = clamp)
    %ws = memref.alloc() {alignment = 64 : i64} : memref<225792xf32>
    func.call @fulcrum_conv2d_nchw_f32_avx2(%n, %c32, %c30, %c30, %c64, %c3,
        %c3, %c28, %c28, %c1, %c1, %c1, %c1, %c0, %c0, %px, %pw, %py, %pws,
        %pbias, %c0, %c0, %c2139095040, %c8)
    memref.dealloc %ws : memref<225792xf32>
    ```
  }];
  let options = [
    Option<"kernelIsa", "isa", "std::string", "\"avx512\"",
           "Kernel variant: avx512, avx2 or generic (portable C)">,
    Option<"epilogues", "epilogues", "bool", "true",
           "Take the element-wise epilogue that follows (residual add, "
           "clamp) into the kernel call; false leaves it as its own loop "
           "(the unfused baseline of --fuse=false)">,
    Option<"useWinograd", "winograd", "bool", "true",
           "Run channels-last 3x3 convolutions at stride 1 (at least 16 "
           "input and output channels) as Winograd F(2x2, 3x3)">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
  let statistics = [
    Statistic<"numKernels", "num-kernels", "Convolutions run on kernels">,
    Statistic<"numWinograd", "num-winograd",
              "Convolutions run as Winograd F(2x2, 3x3)">,
    Statistic<"numDepthwise", "num-depthwise",
              "Depthwise convolutions run on kernels">,
    Statistic<"numPaddings", "num-paddings",
              "Zero paddings applied by kernels">,
    Statistic<"numBiases", "num-biases", "Bias broadcasts applied by kernels">,
    Statistic<"numEpilogues", "num-epilogues",
              "Element-wise epilogues applied by kernels">,
    Statistic<"numPacked", "num-packed",
              "Channels-last filters packed or transposed at compile time">
  ];
}

def CPUPoolToKernel : Pass<"fulcrum-cpu-pool-to-kernel", "::mlir::ModuleOp"> {
  let summary = "Run channels-last max poolings on the pooling kernels";
  let description = [{
    Replaces `linalg.pooling_nhwc_max` on row-major f32 or i8 memrefs
    (static but the batch) by one call of

    ```
    fulcrum_maxpool2d_nhwc_<f32|i8>_<isa>(N, H, W, C, KH, KW, OH, OW,
        strideH, strideW, dilationH, dilationW, padTop, padLeft, x, y, init,
        flags)
    ```

    (lib/Target/CPU/Kernels/pool.c), one vector of channels per operation
    (16 floats, or 64, 32 or 16 bytes), with output rows spread over the
    OpenMP threads. It takes over two neighbours of the pooling:

    - the padded copy of its input with the type's least value (-infinity,
      or -128; an alloc, a fill, a subview and a copy, as the ONNX MaxPool
      lowering makes it): the kernel reads the input in place and skips the
      window's parts outside it, since that value never wins a maximum. On
      ResNet-18 this copy is the size of the largest activation, and it
      and the pooling took 2 % of the model at batch 8. The 8-bit model's
      pooling runs on i8 (u8 activations flipped by 128, which keeps their
      order): its padded copy took 0.14 ms and the loops 0.02 ms of 5 ms
      on a Zen 5 core.
    - the constant fill of its output before it, with nothing reading or
      writing the output between: the kernel starts from the constant
      instead of the output's values.

    The f32 maximum is `arith.maximumf`'s (NaN when any element is NaN, +0
    above -0), whatever order the kernel takes the window in. Other
    poolings (average, NCHW, another element type, a padding with another
    value: that padded copy stays and the kernel reads it whole) keep their
    loops or their copies.
  }];
  let options = [
    Option<"kernelIsa", "isa", "std::string", "\"avx512\"",
           "Kernel variant: avx512, avx2 or generic (portable C)">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
  let statistics = [
    Statistic<"numKernels", "num-kernels", "Max poolings run on the kernel">,
    Statistic<"numPaddings", "num-paddings",
              "-infinity and -128 paddings skipped by the kernel">,
    Statistic<"numInits", "num-inits",
              "Output fills the kernel starts from">
  ];
}

def CPUSoftmaxToKernel : Pass<"fulcrum-cpu-softmax-to-kernel", "::mlir::ModuleOp"> {
  let summary = "Run softmaxes along the last dimension on the row kernel";
  let description = [{
    Replaces the three loop nests of a softmax over the last dimension of a
    row-major f32 memref, as the ONNX lowering decomposes it,

    ```mlir
    linalg.fill ins(%neg_inf) outs(%m)       // m = max over the row
    linalg.generic {.., "reduction"} ins(%x) outs(%m) { maximumf }
    linalg.fill ins(%zero) outs(%s)          // s = sum of exp(x - m)
    linalg.generic {.., "reduction"} ins(%x, %m) outs(%s) { exp(x - m) + s }
    linalg.generic {all parallel} ins(%x, %m, %s) outs(%y) { exp(x - m) / s }
    ```

    by one call of `fulcrum_softmax_f32_<isa>(rows, n, x, ldx, y, ldy)`
    (lib/Target/CPU/Kernels/softmax.c). The kernel takes each row through
    its three passes while it is in the first-level cache, computes exp
    once per element with vector code and no scalar tail loop of NaN
    checks, and spreads rows over the OpenMP threads. Rows with a NaN or an
    infinity become NaN, as the decomposition computes them. The maximum
    and sum buffers, read by nothing else, disappear. Runs before
    `fulcrum-cpu-approximate-math`, which would rewrite the `math.exp` it
    matches. Other shapes (a softmax over another axis, log-softmax, an
    output that is the input) keep their loops.
  }];
  let options = [
    Option<"kernelIsa", "isa", "std::string", "\"avx512\"",
           "Kernel variant: avx512, avx2 or generic (portable C)">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
  let statistics = [
    Statistic<"numKernels", "num-kernels", "Softmaxes run on the row kernel">
  ];
}

def CPUAttentionToKernel : Pass<"fulcrum-cpu-attention-to-kernel", "::mlir::ModuleOp"> {
  let summary = "Run lowered attention on the fused, tiled kernel";
  let description = [{
    Finds the linalg ops the ONNX-to-linalg lowering makes of one
    `fulcrum.attention` (tagged `fulcrum.attention_id` and
    `fulcrum.attention_part`: the scores `Q K^T`, the scaled and masked
    logits, the softmax's maximum, sum and normalization, `P V`, and the
    fills of their accumulators) in one block, with nothing between them
    that writes memory, and replaces them by one call of
    `fulcrum_attention_f32_<isa>` (lib/Target/CPU/Kernels/attention.c):

    ```mlir
    linalg.generic ins(%q, %k) outs(%s) {"fulcrum.attention_part" = "scores"}
    ...
    linalg.generic ins(%p, %v) outs(%o) {"fulcrum.attention_part" = "output"}
    // becomes
    func.call @fulcrum_attention_f32_avx2(%batch, %heads, %lq, %lk, %d, %dv,
        %q, ..., %tile) : (i64, ...) -> ()
    ```

    The kernel never holds the `[Lq, Lk]` score matrix: it takes the keys a
    tile at a time with an online softmax (running maximum and sum per
    query row), packs each head's keys transposed once per task for vector
    multiply-adds, and spreads (batch, head, chunk of query rows) tasks
    over the OpenMP threads. The score, probability and statistics
    buffers, read by nothing else, disappear, which lowers peak memory at
    long sequences. The key tile is the cost model's choice
    (`fulcrum::cost::chooseAttentionKeyTile`, priced on the `target`
    description): the direct form (one tile of every key: a two-pass
    softmax over the whole row) or a multiple of 32 keys, whichever it
    predicts fastest from the columns each computes (every tile is padded
    to whole vectors of its keys), the online softmax's bookkeeping per
    query row and tile (`overheads_us.attention_tile_row`), and the cache
    level a tile's keys and values are read from. Short rows run in the
    direct form; rows whose keys and values outgrow the second-level cache
    run in tiles that fit it. A dynamic key count is priced at 4096 keys
    (shorter rows still run direct when no longer than the tile). `tile`
    overrides the choice (tests and measurements; `fulcrum-compile
    --attention-key-tile`). With a static key count the
    threads' scratch (packed keys, scores, accumulators) is a workspace
    `memref.alloc` of 8 slots that the memory plan places with the other
    buffers, so the call allocates nothing; with a dynamic one the kernel
    allocates its threads' scratch itself. An unmasked fp32 attention over
    at most 512 keys in the direct form runs transposed: a block of 16
    query rows keeps one vector of scores per key (no padded keys, the
    softmax's maximum and sum element-wise across vectors).

    Q, K and V that a `linalg.transpose` copied into a buffer (the heads'
    layout gathered from a projection's token-major output) are read in
    place, through a `memref.transpose` view of the copy's source and its
    strides, when nothing writes the source before the call; an output
    that one `linalg.transpose` copies on is written through the inverse
    view of that copy's buffer. Copies nothing else reads go.

    Operands must be f32 with a unit innermost stride and rank 3
    (`[B*H, L, D]`) or 4 (`[B, H, L, D]`); a boolean mask must start at
    its buffer's first element. Other groups keep their loops (and the
    softmax then goes to `fulcrum-cpu-softmax-to-kernel`).

    An attention the lowering marked `precision = "bf16"` (from
    `fulcrum.precision`, `--attention-precision=bf16`) calls the kernel
    with flag 8: both products take bf16 operands and accumulate in f32.
    `isa=avx512bf16` (AVX512-BF16 hosts) runs them on `vdpbf16ps`; the
    other ISAs unpack the same bf16 pairs into f32 multiply-adds.
  }];
  let options = [
    Option<"kernelIsa", "isa", "std::string", "\"avx512\"",
           "Kernel variant: avx512bf16, avx512, avx2 or generic (portable "
           "C)">,
    Option<"targetName", "target", "std::string", "\"x86-64-v4\"",
           "Target description the key tile is priced on: a preset name or "
           "a JSON file (fulcrum-calibrate writes one)">,
    Option<"tile", "tile", "int64_t", "0",
           "Key tile (0: the cost model's choice)">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
  let statistics = [
    Statistic<"numKernels", "num-kernels", "Attentions run on the fused kernel">,
    Statistic<"numDirect", "num-direct",
              "Attentions in the direct form (one key tile)">,
    Statistic<"numTiled", "num-tiled",
              "Attentions in key tiles with the online softmax">
  ];
}

def CPUApproximateMath : Pass<"fulcrum-cpu-approximate-math", "::mlir::ModuleOp"> {
  let summary = "Replace f32 transcendental functions by vectorizable polynomials";
  let description = [{
    Rewrites f32 `math.exp`, `math.expm1`, `math.log`, `math.log1p`,
    `math.log2`, `math.erf`, `math.tanh`, `math.atan`, `math.atan2`,
    `math.sin`, `math.cos` and `math.cbrt` into the polynomial
    approximations of upstream MLIR (range reduction plus a minimax
    polynomial, accurate to a few ulp, with infinities and NaN handled), so
    that loops computing them contain no calls to the C library and LLVM
    vectorizes them (Softmax, GELU, Sigmoid, Tanh, LayerNormalization's
    statistics). Other element types keep their library calls. `math.erf`
    gets a cheaper form of its own: `x P(x^2) / Q(x^2)` on `x` clamped to
    `[-4, 4]` (degrees 13 over 8, within 4.2e-7 of erf everywhere), a third
    of the instructions of upstream's three-interval approximation.

    ```mlir
    %y = math.exp %x : f32
    // becomes arith/math.fma/bit-casts only, e.g.
    %k = math.floor %t : f32
    %p = math.fma %a, %r, %b : f32
    ...
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def CPUExpandBFloat16 : Pass<"fulcrum-cpu-expand-bf16", "::mlir::ModuleOp"> {
  let summary = "Convert between f32 and bf16 with integer arithmetic";
  let description = [{
    Rewrites every `arith.truncf` from f32 to bf16 and every `arith.extf`
    from bf16 to f32 (scalars and vectors) into bit casts and integer
    arithmetic (the upstream `arith` expansion): the truncation rounds to
    nearest, ties to even, as ONNX's Cast and PyTorch do, keeps infinities,
    signed zeros and subnormals, and gives NaN as the quiet NaN `0x7fc0`;
    the extension is a shift. The CPU pipeline runs it for targets without
    AVX512-BF16, where LLVM would otherwise lower the truncation to a call
    to `__truncsfbf2`, a function that Debian 12's runtime libraries lack,
    so that neither the JIT nor a library could resolve it. On AVX512-BF16
    targets the conversions stay, and LLVM emits `vcvtneps2bf16`.

    ```mlir
    %y = arith.truncf %x : f32 to bf16
    // becomes
    %b = arith.bitcast %x : f32 to i32
    ... (round to nearest even on the upper 16 bits; NaN -> 0x7fc0)
    %y = arith.bitcast %h : i16 to bf16
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  let statistics = [
    Statistic<"numExpanded", "num-expanded", "bf16 conversions expanded">
  ];
}

def CPUReassociateReductions
    : Pass<"fulcrum-cpu-reassociate-reductions", "::mlir::ModuleOp"> {
  let summary = "Let floating-point reductions be reordered, so they vectorize";
  let description = [{
    Marks the combiner of every floating-point reduction in a
    `linalg.generic` (an `arith.addf`, `mulf`, `maximumf`, `minimumf`,
    `maxnumf` or `minnumf` that reads the accumulator) with the `reassoc`
    fast-math flag. LLVM then vectorizes the reduction loops of Softmax,
    LayerNormalization, ReduceMean and pooling with partial sums per vector
    lane, as ONNX Runtime's kernels do, instead of one scalar chain. The sum
    may differ from the sequential one in the last bits (well within the
    tolerances the conformance tests use); results stay deterministic.

    ```mlir
    linalg.generic {iterator_types = ["parallel", "reduction"]} ... {
    ^bb0(%in: f32, %acc: f32):
      %s = arith.addf %in, %acc : f32
    // becomes
      %s = arith.addf %in, %acc fastmath<reassoc> : f32
    ```
  }];
  let statistics = [
    Statistic<"numMarked", "num-marked", "Reduction combiners marked">
  ];
}

def CPULinalgToLoops : Pass<"fulcrum-cpu-linalg-to-loops", "::mlir::func::FuncOp"> {
  let summary = "Lower linalg ops to loops, parallel where the work pays for threads";
  let description = [{
    Lowers every linalg op on memrefs to loops like upstream's
    `convert-linalg-to-loops`, except that an op whose iteration space has
    at least `min-parallel-work` points and whose outermost loop is
    parallel with two or more iterations becomes an `scf.parallel` over its
    parallel loops (reductions stay sequential inside), which
    `convert-scf-to-openmp` later spreads over the OpenMP threads. Small
    ops stay sequential: starting a parallel region costs microseconds.
    Each point is still computed by one thread in the same order, so the
    results do not depend on the thread count.

    A small static reduction (a pooling window of at most 16 points, a
    global pool over a 4x4 map) is unrolled into the payload first: the op
    becomes a parallel `linalg.generic` that reads each window point through
    its own indexing map and applies the payload once per point, in the
    loops' order, so the results are bit-identical. Each output element is
    then independent, and LLVM vectorizes the innermost loop; a window
    reduction carried through memory was fully unrolled into scalar code
    first (the Fashion-MNIST CNN's channels-last 2x2 max pool over bytes took
    8.8 us; unrolled, 0.3 us).

    ```mlir
    linalg.generic {iterator_types = ["parallel", "parallel"]}
        ins(%a : memref<512x1024xf32>) outs(%b : memref<512x1024xf32>) ...
    // becomes
    scf.parallel (%i, %j) = (%c0, %c0) to (%c512, %c1024) step (%c1, %c1) {
      ...
    }
    ```
  }];
  let options = [
    Option<"minParallelWork", "min-parallel-work", "int64_t", "32768",
           "Iteration-space points from which an op runs in parallel">
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::affine::AffineDialect"];
  let statistics = [
    Statistic<"numParallel", "num-parallel", "Ops lowered to parallel loops">,
    Statistic<"numGuarded", "num-guarded",
              "Ops parallel only when their run-time size is large">,
    Statistic<"numInterchanged", "num-interchanged",
              "Ops whose unit-stride loop moved innermost">,
    Statistic<"numWindowsUnrolled", "num-windows-unrolled",
              "Ops whose small reduction window was unrolled into the payload">
  ];
}

def CPUPlanMemory : Pass<"fulcrum-cpu-plan-memory", "::mlir::ModuleOp"> {
  let summary = "Place a function's intermediate buffers in one arena by lifetime";
  let description = [{
    Gives the buffers of each function one arena, sized and laid out at
    compile time, so that a call allocates one block (which the runtime's
    caching allocator hands back on the next call) instead of one per
    intermediate, and buffers whose lifetimes do not overlap share memory.

    A buffer qualifies when it is a `memref.alloc` in the function's
    top-level block with a row-major integer or float type, at most one
    dynamic dimension, and a `memref.dealloc` in that block. A dynamic size
    must be proved a multiple of the batch (one dimension of one argument,
    the same for all buffers) or a constant, from the integer arithmetic
    that computes it: products, sums, exact divisions by constants and the
    sign tests and selects of floor divisions (a Reshape's `-1`); buffers handed to the caller are
    never freed there and stay as they are, as do buffers freed
    conditionally inside regions. A buffer lives from its allocation to the
    last use (positions in the block; a use in a nested region counts at
    its ancestor) of it or of anything that may point into it: views, the
    base buffer of its strided metadata, its address as an integer and
    arithmetic on that (kernel calls take addresses). Deallocations often
    come much later and do not count. A buffer that loops read or write
    (`memref.load`/`memref.store`) stays out of the arena: loops over views
    of one arena lose LLVM's proof that their operands do not overlap, and
    with it their vectorization (BERT's GELU and normalization loops ran
    scalar, 40% slower). Such a buffer keeps its own allocation and is
    freed right after its last use instead, so the allocator's cache hands
    its block on; kernels take addresses and are unaffected. Static buffers
    are placed
    first-fit, largest first, in the arena's static part; buffers that grow
    with the batch are placed the same way by their bytes per batch row, in
    a part that starts after it, so the arena needs
    `static + batch * per-row` bytes. Each allocation becomes a
    `memref.view` of the arena at its offset (64-byte aligned), its
    deallocations go, and the arena is allocated once where the batch size
    is known (a `memref.dim` of the argument, made at the start of the body)
    and freed before the return. The pass runs after
    `expand-strided-metadata`, which would take a view's aligned pointer to
    be its source's and so drop the byte shift.

    For every function with `llvm.emit_c_interface` (the entry point) the
    pass adds `i64 fulcrum_workspace_size_<name>(i64 batch)`, returning the
    arena's bytes at that batch size, and `<name>_workspace` (with a C
    interface too): the entry point's body with one more argument, a
    `memref<?xi8>` workspace the caller owns, which holds the arena when it
    is large enough (a smaller one is ignored and the arena allocated). The
    entry point becomes a call of it with an empty workspace. The C header
    declares both.

    ```mlir
    %a = memref.alloc() : memref<1024xf32>   // lives until %b is made
    ... uses of %a ...
    memref.dealloc %a : memref<1024xf32>
    %b = memref.alloc() : memref<1024xf32>
    // becomes
    %arena = memref.alloc(%c4096) {alignment = 64 : i64} : memref<?xi8>
    %a = memref.view %arena[%c0][] : memref<?xi8> to memref<1024xf32>
    %b = memref.view %arena[%c0][] : memref<?xi8> to memref<1024xf32>
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
  let statistics = [
    Statistic<"numPlanned", "num-planned", "Buffers placed in an arena">,
    Statistic<"numFreedEarly", "num-freed-early",
              "Buffers read by loops, freed right after their last use">
  ];
}

def CPUFlattenGlobals : Pass<"fulcrum-cpu-flatten-globals", "::mlir::ModuleOp"> {
  let summary = "Store constant globals as flat arrays";
  let description = [{
    Rewrites every constant `memref.global` of rank 2 or more (static shape,
    row-major) as a 1-D global over the same data (a `dense_resource`
    initializer keeps its blob), and each `memref.get_global` of it as a
    get of the flat global followed by a `memref.expand_shape` back to the
    original type. The LLVM translation turns an N-D initializer into
    nested arrays with one uniqued constant per innermost row (a 512x512x3x3
    convolution weight makes 786,432 of them), which dominated compile time
    and memory; a flat initializer is one constant.

    ```mlir
    memref.global "private" constant @w : memref<64x3x3x3xf32> = dense_resource<w>
    %0 = memref.get_global @w : memref<64x3x3x3xf32>
    // becomes
    memref.global "private" constant @w : memref<1728xf32> = dense_resource<w>
    %f = memref.get_global @w : memref<1728xf32>
    %0 = memref.expand_shape %f [[0, 1, 2, 3]] output_shape [64, 3, 3, 3]
        : memref<1728xf32> into memref<64x3x3x3xf32>
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
  let statistics = [
    Statistic<"numFlattened", "num-flattened", "Globals stored flat">
  ];
}


def CPUQuantizedToKernel
    : Pass<"fulcrum-cpu-quantized-to-kernel", "::mlir::ModuleOp"> {
  let summary = "Run 8-bit quantized contractions on integer dot-product kernels";
  let description = [{
    `fulcrum.qconv` and `fulcrum.qgemm` lower (on tensors) to an integer
    contraction `linalg.generic` tagged `fulcrum.qcontraction` that
    accumulates into a zero-filled i32 buffer, and a requantizing
    `linalg.generic` tagged `fulcrum.requantize` that reads it. After
    bufferization, this pass replaces such a pair (the accumulator read by
    nothing else, nothing between them writing memory, constant weights
    and bias) by one call of `fulcrum_qconv2d_nchw_<isa>` or
    `fulcrum_qgemm_<isa>` (lib/Target/CPU/Kernels/qgemm.c), or
    `fulcrum_qconv2d_nhwc_<isa>` (Kernels/qconv.c) for a convolution whose
    tag says `layout = "nhwc"` (`fulcrum-channels-last`) and for every
    matrix product (a 1x1 convolution over one row of M pixels of K
    channels: its register tiles take 6 rows of A, where the qgemm
    kernel's take 32). The accumulator
    may also start as a `memref.copy` of a zero-filled buffer (CSE merges
    the zero fills of equal-shaped accumulators, and bufferization copies
    the shared one); the copy goes, and the shared buffer too once nothing
    else reads it.

    For the NCHW kernel and matrix products:

    - the weights become rows of K bytes rounded up to a multiple of 4
      (FCHW order for convolutions; `[N, K]` for matrix products), read 4
      bytes at a time as one 32-bit lane of `vpdpbusd`;
    - the zero point of the activations and the bias fold into one i32
      per output channel, `bias - x_zero_point * sum(w)`, computed at
      compile time (i8 activations are shifted to u8 by the kernel, their
      zero point by 128);
    - per output channel a flag tells the AVX2 variant whether a pair of
      weights could saturate `vpmaddubsw` (then the channels-last kernel
      multiplies u16 activations by sign-extended weights with `vpmaddwd`,
      and the NCHW kernel splits the activations into 7 + 1 bits);
    - the kernel packs the activations (im2col panels of 4-byte k groups)
      into a workspace allocated around the call and writes the requantized
      output (bytes with the clamp of the activation, f32 or i32) directly.

    For the NHWC kernel, the weights become FHWC rows (k = (kh, kw, c)),
    packed at compile time into panels of 64 output channels (the last
    narrower, channels padded to 16), `[kq][width][4]`: one vector load
    gives 16 channels' 4-byte k groups, against an activation word
    broadcast from an im2col row of the image (1x1 convolutions at unit
    stride over a multiple of 4 channels read the image in place). A
    padding of the image with its zero point (alloc, constant fill,
    subview, copy) goes: the kernel reads the unpadded image and writes
    the zero point where the window leaves it. An f32 result's clamp
    (maximumf/minimumf by constants in the generic right after the
    requantization, e.g. the ReLU6 before MobileNetV2's float depthwise
    convolutions) is applied by the kernel as it stores, into the clamp's
    output; the f32 buffer between goes. So are the adds of a per-channel
    constant bias and, after it, of a residual of the output's shape
    (`bias + y` or `residual + (bias + y)` in the generic right after the
    requantization: a QDQ MatMul's bias Add and a transformer block's
    residual Add), in the graph's order of roundings.

    A channels-last depthwise contraction (kind `dwconv`: one filter per
    channel, `C x 1 x KH x KW` weights, at most 512 taps) with a byte or
    f32 requantization calls `fulcrum_qdwconv2d_nhwc_<isa>` instead: its
    weights become f32 `[KH*KW][C]` and its bias i32 `[C]` at compile time;
    the kernel sums `(x - x_zero_point) * w` in f32, which is exact at
    that size, so the results equal the integer loops'. Its padding and an
    f32 result's clamp go into the call as above.

    On `avx2`, where no instruction multiplies bytes into 32-bit sums
    exactly, a channels-last 3x3 convolution at unit stride and dilation
    with at most 1536 input channels calls
    `fulcrum_qconv2d_winograd_nhwc_avx2` instead (unless `winograd=false`):
    Winograd F(2x2, 3x3) in integers. Its weights become `U = G2 g G2^T`
    (`G2 = 2G`, so U is 4 G g G^T, integral and within 16 bits) at compile
    time, as i16 `[F/16][16][C/2][16][2]` (a panel of 16 output channels
    is one run of memory); the kernel transforms each 2x2
    output tile's 4x4 input pixels with integer adds (within 16 bits too),
    multiplies with `vpmaddwd`, and takes a quarter of the output
    transform, exactly: the sums are the direct kernel's, with 2.25x
    fewer multiply-adds. Its workspace holds one image's transformed
    tiles.

    `isa` picks the variant: `amx` (the `avx512vnni` kernels, whose
    channels-last calls may also run on AMX tiles, `tdpbusd`, where the CPU
    and the OS allow it at run time: flag 16), `avx512vnni` (`vpdpbusd` on
    zmm), `avxvnni` (on ymm), `avx2` (`vpmaddubsw` + `vpmaddwd`) or
    `generic`; the target's features choose it (Kernels.h:
    selectQuantizedKernelISA). Pairs that do not fit stay as they are and
    run as loops, with the same results.

    ```mlir
    linalg.fill ins(%c0_i32 : i32) outs(%acc : memref<1x8x6x6xi32>)
    linalg.generic {... fulcrum.qcontraction = {kind = "conv", ...}}
        ins(%x, %w : memref<1x3x8x8xi8>, memref<8x3x3x3xi8>)
        outs(%acc : memref<1x8x6x6xi32>) { ... }
    linalg.generic {... fulcrum.requantize = {mode = "bytes", ...}}
        ins(%acc, %bias, %mult : ...) outs(%y : memref<1x8x6x6xi8>) { ... }
    // becomes
    func.call @fulcrum_qconv2d_nchw_avx512vnni(%n, %c3, ..., %px, %pw,
        %pcomp, %pexact, %pmult, %py, %pws, %yzp, %lo, %hi, %flags)
    ```
  }];
  let options = [
    Option<"kernelIsa", "isa", "std::string", "\"avx512vnni\"",
           "Kernel variant: amx, avx512vnni, avxvnni, avx2 or generic">,
    Option<"useWinograd", "winograd", "bool", "true",
           "On avx2, run 3x3 convolutions at unit stride on the integer "
           "Winograd F(2x2, 3x3) kernel">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
  let statistics = [
    Statistic<"numConvs", "num-convs", "Quantized convolutions run on kernels">,
    Statistic<"numGemms", "num-gemms",
              "Quantized matrix products run on kernels">,
    Statistic<"numPaddings", "num-paddings",
              "Zero-point paddings applied by the channels-last kernel">,
    Statistic<"numClamps", "num-clamps",
              "Clamps of f32 results applied by the channels-last kernel">,
    Statistic<"numAdds", "num-adds",
              "Bias (and residual) adds of f32 results applied by the "
              "channels-last kernel">,
    Statistic<"numDepthwise", "num-depthwise",
              "Quantized depthwise convolutions run on kernels">,
    Statistic<"numWinograd", "num-winograd",
              "Quantized 3x3 convolutions run on the integer Winograd kernel">
  ];
}

#endif // FULCRUM_TARGET_CPU_PASSES_TD
