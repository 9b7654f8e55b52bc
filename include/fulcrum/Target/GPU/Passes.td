//===- Passes.td - GPU target passes -----------------------*- tablegen -*-===//

#ifndef FULCRUM_TARGET_GPU_PASSES_TD
#define FULCRUM_TARGET_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def GPUMapParallelLoops
    : Pass<"fulcrum-gpu-map-parallel-loops", "::mlir::func::FuncOp"> {
  let summary = "Map the outermost scf.parallel loops a GPU can run to "
                "workgroups and threads";
  let description = [{
    The shared GPU mapping of the `vulkan` and `nvptx` targets, on memrefs
    after `convert-linalg-to-parallel-loops`. Each outermost `scf.parallel`
    (one per linalg op: its parallel dimensions; reductions are `scf.for`
    loops inside, run by each thread) whose body a GPU kernel can hold is
    collapsed to one dimension, tiled by `workgroup-size` and annotated for
    `convert-parallel-loops-to-gpu`: the tile loop goes to workgroups
    (`block_x`), the loop inside a tile to threads (`thread_x`), loops
    nested deeper run sequentially in each thread. A loop of fewer
    iterations than `workgroup-size` gets one workgroup of that many
    threads. When the tiles would
    exceed `max-workgroups`, each thread runs several iterations (a
    sequential loop between the two).

    A body qualifies when it holds only `arith`, `math`, `scf`, `affine`
    index arithmetic and `memref.load`/`memref.store` on memrefs with a
    static shape and the identity layout, whose elements are f32, f16, i32,
    i16, i8 or i1 (and i64/f64 with `allow-64-bit`), captures no more than
    `max-buffers` memrefs, and the loop has no reductions. With
    `allow-dynamic-leading-dim` (the vulkan target) the first dimension of
    a memref may be dynamic (a dynamic batch). Other loops
    (data-dependent scatters, calls, allocations, dynamic shapes) are left
    alone: they run on the host side of the artifact.

    Serial work in the function's body, outside any parallel loop, runs on
    one GPU thread instead: a run of consecutive loads, stores, arithmetic
    and `scf.for` nests of at most `max-serial-iterations` iterations (what
    a reduction to a single value, or a rank-0 op, becomes) is wrapped in a
    one-iteration `scf.parallel` and mapped to one workgroup of one thread,
    when a kernel can hold it and no value it computes is used after it.
    On the host such work would read buffers the GPU writes, so each would
    wait for every kernel queued before it: the ViT's last LayerNorm (one
    row) split a Vulkan call into 12 submissions.

    ```mlir
    scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
      %v = memref.load %in[%i, %j] : memref<4x8xf32>
      memref.store %v, %out[%i, %j] : memref<4x8xf32>
    }
    // becomes (workgroup-size=16): 32 iterations in 2 workgroups
    scf.parallel (%t) = (%c0) to (%c32) step (%c16) {
      scf.parallel (%l) = (%c0) to (%c16) step (%c1) {
        ... // %i, %j from %t + %l, guarded by %t + %l < 32
      } {mapping = [#gpu.loop_dim_map<processor = thread_x, ...>]}
    } {mapping = [#gpu.loop_dim_map<processor = block_x, ...>]}
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
  let options = [
    Option<"workgroupSize", "workgroup-size", "int64_t", "64",
           "Threads per workgroup (tile size of the collapsed loop)">,
    Option<"maxWorkgroups", "max-workgroups", "int64_t", "65535",
           "Most workgroups one dispatch may have in x">,
    Option<"maxBuffers", "max-buffers", "int64_t", "30",
           "Most memrefs (plus scalars) one kernel may capture">,
    Option<"allow64Bit", "allow-64-bit", "bool", "true",
           "Map loops that load or store i64 or f64 elements">,
    Option<"maxSerialIterations", "max-serial-iterations", "int64_t",
           "1024",
           "Most loop iterations of serial work (outside any parallel loop) "
           "that one GPU thread takes over from the host">,
    Option<"allowDynamicLeadingDim", "allow-dynamic-leading-dim", "bool",
           "false",
           "Map loops on memrefs whose first dimension is dynamic (the "
           "strides stay static; SPIR-V runtime arrays)">
  ];
  let statistics = [
    Statistic<"numMapped", "mapped-loops", "Loops mapped to the GPU">,
    Statistic<"numHost", "host-loops", "Loops left to the host">,
    Statistic<"numSerial", "serial-kernels",
              "Runs of serial work given to a kernel of one thread">
  ];
}

def GPUTileContractions
    : Pass<"fulcrum-gpu-tile-contractions", "::mlir::func::FuncOp"> {
  let summary = "Map matrix products and convolutions to tiled GPU kernels "
                "that stage their inputs in workgroup memory";
  let description = [{
    The GPU mapping of contractions, on memrefs after bufferization (before
    `convert-linalg-to-parallel-loops`, which would give each output
    element one thread and a sequential reduction). It takes every linalg
    op with two inputs and one output whose payload is `out + a * b` on
    f32, with static loop ranges and buffers that are (views of) static,
    identity-layout memrefs, or with one dynamic loop range read only as
    the first index of buffers static but for their first dimension (a
    dynamic batch): `linalg.matmul`, `batch_matmul`, the
    transposed forms, every `conv_*` with a filter, and generic ops of the
    same form. It sees the op as a batch of matrix products: parallel loop
    dimensions only the first input reads are the rows, those only the
    second reads the columns, those both read the batches, and the
    reduction dimensions the depth (a convolution becomes an implicit
    GEMM: the input's window is gathered through its indexing map, nothing
    is copied).

    Each op becomes one `gpu.launch`: workgroups of
    `(tile-rows / thread-rows) * (tile-cols / thread-cols)` threads, one per
    `tile-rows x tile-cols` tile of the output (grid x: rows, y: columns,
    z: batches). For each step of `tile-depth` the threads copy both input
    tiles into workgroup memory (consecutive threads read consecutive
    addresses; a padded row avoids bank conflicts where they store down a
    column), wait at a barrier, and each accumulates its
    `thread-rows x thread-cols` outputs in registers; at the end it adds
    them to the output (whose initial value, a fill or a bias, stays the
    op's). Edges are guarded where the sizes do not divide the tiles.

    A dynamic batch must be the outermost of the rows, columns or batches
    (a dynamic reduction is left alone). Its extent is read on the host
    (`memref.dim` of an operand that has it first), the grid is computed
    from it, and its side is always guarded; the tiles are chosen as for
    a batch of one, never with a split reduction.

    Small problems (a batch of one image through a late ResNet layer has
    49 output pixels) would give a few workgroups on a GPU of a hundred
    multiprocessors. With `min-workgroups` set, an op whose grid has fewer
    workgroups halves the larger tile side (and its outputs per thread),
    down to 16x16 tiles of one output per thread, and if that is still too
    few, splits the reduction among workgroups (split-K, for unbatched
    ops, each part at least 4 staging steps): each split writes its
    partial sums to a workspace (`memref.alloc` on the host side, used by
    kernels only), and a second kernel adds them to the output in split
    order, so results do not depend on scheduling.

    `workgroup-memory=attribution` declares the tiles as the launch's
    workgroup attributions (what NVVM lowers), `alloc` as `memref.alloc` in
    `#gpu.address_space<workgroup>` inside the kernel (what the SPIR-V
    conversion lowers to Workgroup variables). Ops whose rows or columns
    are fewer than `min-extent` (matrix-vector products, depthwise
    convolutions) are left to `fulcrum-gpu-map-parallel-loops`.

    ```mlir
    linalg.matmul ins(%a, %b : memref<128x64xf32>, memref<64x96xf32>)
                  outs(%c : memref<128x96xf32>)
    // becomes
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c2, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1)
               workgroup(%as : memref<16x65xf32, #gpu.address_space<workgroup>>,
                         %bs : memref<16x64xf32, #gpu.address_space<workgroup>>) {
      %sums:16 = scf.for %k0 = %c0 to %c64 step %c16 iter_args(...) {
        ... // stage A and B tiles, gpu.barrier, 16 x (4x4 multiply-adds)
      }
      ... // C[m, n] += sum
    }
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
  let options = [
    Option<"tileRows", "tile-rows", "int64_t", "64",
           "Output rows per workgroup">,
    Option<"tileCols", "tile-cols", "int64_t", "64",
           "Output columns per workgroup">,
    Option<"tileDepth", "tile-depth", "int64_t", "16",
           "Reduction steps staged in workgroup memory at a time">,
    Option<"threadRows", "thread-rows", "int64_t", "4",
           "Output rows each thread accumulates">,
    Option<"threadCols", "thread-cols", "int64_t", "4",
           "Output columns each thread accumulates">,
    Option<"minExtent", "min-extent", "int64_t", "16",
           "Fewest rows and columns an op needs to be tiled">,
    Option<"minWorkgroups", "min-workgroups", "int64_t", "0",
           "Workgroups a launch should have to fill the GPU (e.g. twice "
           "its multiprocessors; 0: keep the tiles as given): smaller tiles, "
           "then a split reduction, until it has">,
    Option<"workgroupMemory", "workgroup-memory", "std::string",
           "\"attribution\"",
           "How the tiles are declared: 'attribution' (NVVM) or 'alloc' "
           "(SPIR-V)">
  ];
  let statistics = [
    Statistic<"numTiled", "tiled-contractions",
              "Contractions mapped to tiled kernels">
  ];
}

def GPUSubgroupReductions
    : Pass<"fulcrum-gpu-subgroup-reductions", "::mlir::func::FuncOp"> {
  let summary = "Map reductions to kernels in which a subgroup computes "
                "each output";
  let description = [{
    The GPU mapping of reductions, on memrefs after bufferization (before
    `convert-linalg-to-parallel-loops`, which would give each output one
    thread that walks the whole reduction). It takes every linalg op with
    static loop ranges on (views of) static, identity-layout f32 buffers
    whose payload is `combine(out, x)`: `combine` one of `arith.addf`,
    `maximumf`, `maxnumf`, `minimumf`, `minnumf`, `out` used by it alone,
    `x` computed from the inputs by `arith`/`math` ops (a sum of squares,
    a sum of exponentials, a max), and at least `min-reduction` reduced
    elements (all reduction dimensions together).

    Each op becomes one `gpu.launch` of `subgroups-per-workgroup`
    subgroups of `subgroup-size` lanes per workgroup, one subgroup per
    output element (outputs in the output's order). Lane `l` folds
    elements `l`, `l + subgroup-size`, ... of the reduction into a partial
    result that starts at the combiner's identity (0, -inf, +inf), the
    lanes combine their partials with `gpu.shuffle xor` in log2 steps, and
    lane 0 folds the total into the output (whose initial value stays the
    op's). A subgroup either has a row or has none, so the shuffles never
    run in a divergent subgroup.

    `gpu.shuffle` needs the hardware's subgroup size: the `nvptx` target
    runs this pass with 32 (NVIDIA warps). SPIR-V subgroups have the
    driver's size (32 on NVIDIA, 64 on some AMD GPUs, 4 to 16 on lavapipe
    depending on the CPU), so the `vulkan` target runs it with
    `mode=subgroup-reduce`: one workgroup of `workgroup-size` threads per
    output; the threads fold strided parts of the reduction,
    `gpu.subgroup_reduce` (SPIR-V `GroupNonUniformFAdd`/`FMax`/`FMin`)
    combines each subgroup's lanes whatever its size, lane 0 of each
    subgroup (`gpu.lane_id`, `gpu.subgroup_id`) stores the subgroup's
    result in workgroup memory, and after a barrier thread 0 folds the
    `gpu.num_subgroups` results in order into the output (beyond 65535
    outputs, the most workgroups Vulkan guarantees, each workgroup takes
    every 65535th). That mode takes reductions of one input only (sums,
    maxima, norms, pools): a matrix product or convolution would get a
    workgroup per output element. Across lanes, max and min are SPIR-V's
    `GroupNonUniformFMax`/`FMin`, whose result for NaN inputs the driver
    decides.

    ```mlir
    linalg.generic {iterator_types = ["parallel", "reduction"], ...}
        ins(%x : memref<128x256xf32>) outs(%sum : memref<128xf32>) {
    ^bb0(%in: f32, %out: f32):
      %e = math.exp %in : f32
      %s = arith.addf %out, %e : f32
      linalg.yield %s : f32
    }
    // becomes 32 workgroups of 4 x 32 threads; per lane
    //   scf.for %k = %lane to %c256 step %c32 (exp, addf)
    //   5 x gpu.shuffle xor + addf; lane 0: sum[row] += total
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
  let options = [
    Option<"mode", "mode", "std::string", "\"shuffle\"",
           "How lanes combine: 'shuffle' (xor shuffles within a subgroup of "
           "subgroup-size lanes: nvptx) or 'subgroup-reduce' "
           "(gpu.subgroup_reduce in subgroups of the device's size, then "
           "workgroup memory: vulkan)">,
    Option<"workgroupSize", "workgroup-size", "int64_t", "64",
           "mode=subgroup-reduce: threads per output">,
    Option<"subgroupSize", "subgroup-size", "int64_t", "32",
           "mode=shuffle: lanes per subgroup (a power of two; the "
           "hardware's)">,
    Option<"subgroupsPerWorkgroup", "subgroups-per-workgroup", "int64_t",
           "4", "Subgroups (outputs) per workgroup">,
    Option<"minReduction", "min-reduction", "int64_t", "32",
           "Fewest reduced elements per output for this mapping">
  ];
  let statistics = [
    Statistic<"numReductions", "subgroup-reductions",
              "Reductions mapped to subgroups">
  ];
}

def GPUInterchangeReductions
    : Pass<"fulcrum-gpu-interchange-reductions", "::mlir::func::FuncOp"> {
  let summary = "Move the reduction dimensions of linalg ops inside their "
                "parallel ones";
  let description = [{
    Part of the GPU mapping, on memrefs, before
    `convert-linalg-to-parallel-loops`. That pass nests the loops in the
    op's dimension order: parallel dimensions become `scf.parallel` loops,
    reductions `scf.for` loops. A reduction that comes before a parallel
    dimension, such as a mean over the tokens of a `[1, 128, 256]` tensor
    (dimensions parallel, reduction, parallel), would then leave a host
    loop of 128 iterations around a kernel of 256 threads: 128 launches,
    each waiting for the one before, where one launch can do it all.

    This pass permutes the dimensions of every linalg op in which a
    reduction comes before a parallel dimension so that the parallel ones
    come first, in their order, and the reductions after them, in theirs
    (`linalg::interchangeGenericOp`; named ops are generalized first). The
    indexing maps and `linalg.index` ops follow the new order, so the
    result is the same computation: each thread then walks its outputs'
    reductions in the same order as before, and the floating-point sums
    are bit-identical. Ops whose reductions already come last, matrix
    products and convolutions among them, are left as they are.

    ```mlir
    linalg.generic {indexing_maps = [affine_map<(b, t, c) -> (b, t, c)>,
                                     affine_map<(b, t, c) -> (b, c)>],
                    iterator_types = ["parallel", "reduction", "parallel"]}
    // becomes
    linalg.generic {indexing_maps = [affine_map<(b, c, t) -> (b, t, c)>,
                                     affine_map<(b, c, t) -> (b, c)>],
                    iterator_types = ["parallel", "parallel", "reduction"]}
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
  let statistics = [
    Statistic<"numInterchanged", "interchanged-ops",
              "Linalg ops whose reductions were moved inside">
  ];
}

def GPUMergeKernelModules
    : Pass<"fulcrum-gpu-merge-kernel-modules", "::mlir::ModuleOp"> {
  let summary = "Put every outlined kernel into one gpu.module";
  let description = [{
    `gpu-kernel-outlining` makes one `gpu.module` per kernel, each holding a
    function named after the host function. This pass moves every kernel
    into one module, `@fulcrum_kernels`, renamed after its old module (which
    is unique), and points the `gpu.launch_func` ops at them: a model then
    has one shader module (SPIR-V) or one PTX file with every entry point.
    Each launch gets `fulcrum.written_args`, the operands its kernel may
    write (used other than by `memref.load`), which the runtime copies back.

    ```mlir
    gpu.module @f_kernel { gpu.func @f_kernel(...) kernel {...} }
    gpu.module @f_kernel_0 { gpu.func @f_kernel(...) kernel {...} }
    // become
    gpu.launch_func @fulcrum_kernels::@f_kernel ... {fulcrum.written_args = array<i64: 1>}
    gpu.module @fulcrum_kernels {
      gpu.func @f_kernel(...) kernel {...}
      gpu.func @f_kernel_0(...) kernel {...}
    }
    ```
  }];
}

def GPUStaticKernelArguments
    : Pass<"fulcrum-gpu-static-kernel-arguments", "::mlir::ModuleOp"> {
  let summary = "Give kernels static memref arguments plus their dynamic "
                "sizes as scalars";
  let description = [{
    NVVM's bare-pointer calling convention passes a memref kernel argument
    as one pointer, so its type must have a static shape (the lowering
    builds the kernel's descriptor from the type alone). A model with a
    dynamic batch has buffers whose first dimension is dynamic
    (`memref<?x64xf32>`; the identity layout keeps the other strides
    static). For every `gpu.func` kernel argument of that kind, this pass

    - changes the argument to the static type with the dynamic dimension
      set to 1 and appends an `index` argument carrying the size;
    - rebuilds the original type at the kernel's entry with a
      `memref.reinterpret_cast` to the size argument (so loads, stores and
      `memref.dim` see the real extent);
    - at each `gpu.launch_func` of the kernel, passes a host-side
      `memref.reinterpret_cast` of the operand to the static type (marked
      `fulcrum.kernel_argument`: `fulcrum-gpu-lower-launches` treats it as
      a full view of its source, with the source's extent and device copy)
      and the operand's `memref.dim`. Both are made once per operand, right
      after its definition (at the start of its block for a block
      argument), so that nothing new stands between two launches of the
      same buffer.

    Kernels whose arguments are all static, arguments with another layout,
    and launches from outside a function body are left alone.

    ```mlir
    gpu.func @k(%a: memref<?x4xf32>) kernel { ... %a ... }
    gpu.launch_func @m::@k ... args(%buf : memref<?x4xf32>)
    // becomes
    gpu.func @k(%a: memref<1x4xf32>, %n: index) kernel {
      %v = memref.reinterpret_cast %a to offset: [0], sizes: [%n, 4],
          strides: [4, 1] : memref<1x4xf32> to memref<?x4xf32>
      ... %v ...
    }
    %s = memref.reinterpret_cast %buf to offset: [0], sizes: [1, 4],
        strides: [4, 1] {fulcrum.kernel_argument}
        : memref<?x4xf32> to memref<1x4xf32>
    %n = memref.dim %buf, %c0 : memref<?x4xf32>
    gpu.launch_func @m::@k ... args(%s : memref<1x4xf32>, %n : index)
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
  let statistics = [
    Statistic<"numArguments", "num-arguments",
              "Kernel arguments given a static type">
  ];
}

def GPUKernelsToSPIRV
    : Pass<"fulcrum-gpu-kernels-to-spirv", "::mlir::ModuleOp"> {
  let summary = "Convert gpu.module kernels to Vulkan SPIR-V modules";
  let description = [{
    For each `gpu.module`, adds a `spirv.module` (Logical/GLSL450, for the
    Vulkan environment of `spirv.target_env` on the module or the pass's
    default: SPIR-V 1.3, Shader, Int8/16/64, Float16/64 and 8/16-bit storage
    buffers) of the same name next to it: each kernel becomes a
    GLCompute entry point whose local size is the kernel's
    `known_block_size`, each argument a storage buffer (set 0, binding =
    argument number; scalars are wrapped in a one-member struct), index
    arithmetic 32-bit. Transcendental functions without a GLSL instruction
    (erf) are first expanded into polynomials. The gpu.module stays, for
    the launches that name it; `fulcrum-gpu-serialize-spirv` replaces both.
    Fails, naming the op, when a kernel holds something SPIR-V cannot
    express.

    ```mlir
    gpu.module @m {
      gpu.func @k(%a: memref<4xf32>) kernel
          attributes {known_block_size = array<i32: 4, 1, 1>} {...}
    }
    // adds
    spirv.module @m Logical GLSL450 requires #spirv.vce<...> {
      spirv.GlobalVariable @k_arg_0 bind(0, 0) : !spirv.ptr<...>
      spirv.func @k() "None" {...}
      spirv.EntryPoint "GLCompute" @k, ...
      spirv.ExecutionMode @k "LocalSize", 4, 1, 1
    }
    ```
  }];
  let dependentDialects = ["::mlir::spirv::SPIRVDialect"];
}

def GPUSerializeSPIRV
    : Pass<"fulcrum-gpu-serialize-spirv", "::mlir::ModuleOp"> {
  let summary = "Serialize SPIR-V modules into gpu.binary ops";
  let description = [{
    Replaces each `spirv.module` made by `fulcrum-gpu-kernels-to-spirv`,
    and the `gpu.module` of the same name, by a `gpu.binary` holding the
    serialized SPIR-V words (one `#gpu.object` whose target is the module's
    `spirv.target_env`). The launches keep naming `@module::@kernel`.

    ```mlir
    gpu.module @m {...}
    spirv.module @m Logical GLSL450 {...}
    // become
    gpu.binary @m [#gpu.object<#spirv.target_env<...>, "\03\02#\07...">]
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def GPULowerLaunches
    : Pass<"fulcrum-gpu-lower-launches", "::mlir::ModuleOp"> {
  let summary = "Replace kernel launches by calls of the GPU runtime";
  let description = [{
    The host side of a GPU artifact. Each `gpu.binary` becomes a private
    constant `memref.global` of its bytes (`__fulcrum_gpu_binary_<name>`,
    NUL-terminated, so PTX text can be loaded as is), each kernel name a
    NUL-terminated string global, and each `gpu.launch_func` a call of
    `fulcrum_<runtime>_launch(binary, kernel, grid x/y/z, block x/y/z,
    args)`, where `args` is a stack array of one `[kind, value, bytes,
    flags]` row per kernel argument: kind 0 is a buffer (value: the address
    of its first element; bytes: its extent), kind 1 a scalar (value: its
    bits; bytes: `index-bytes` for an index, else its width). Flag 1 marks a
    buffer the kernel writes (the runtime copies it back), flag 2 a buffer
    that is a constant global (uploaded once), flag 4 a resident buffer: a
    `memref.alloc` whose only users are launches, deallocations and
    reshapes of all of it (`reshape`, `expand_shape`, `collapse_shape`,
    `cast`: the same address and size, so the runtime finds the same device
    copy) that only launches use, in turn (those views are flagged too),
    which
    the runtime keeps on the device and never copies; before each of its
    `memref.dealloc`s the pass calls `fulcrum_<runtime>_release(address)`
    so that the runtime frees the device copy. Flags 8 and 16 hand a
    written buffer from one launch to the next on the device: when the
    next operation of the block that touches the buffer (or a full view of
    it) is a launch that writes it too, the first launch gets flag 8 (no
    copy back) and the next one flag 16 (no copy in: the device copy is
    newer), and that launch decides again. A model's output that several
    kernels write in turn (a fill, a product, a bias) is then copied back
    once. The runtimes are lib/Target/GPU/Runtime/{vulkan,cuda}.c, linked
    into the artifact.
    Launch arguments must be memrefs with the identity layout whose
    dimensions, but for the first, are static (the extent of a dynamic one
    is computed at run time), or integer, index or float scalars.

    ```mlir
    gpu.launch_func @m::@k blocks in (%c2, %c1, %c1) threads in (%c64, %c1, %c1)
        args(%buf : memref<128xf32>)
    // becomes
    %args = memref.alloca() : memref<1x4xi64>
    ... // row 0: [0, address of %buf, 512, 1]
    call @fulcrum_vulkan_launch(%binary, %name, %c2, %c1, %c1, %c64, %c1,
                                %c1, %args) : (...) -> ()
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect"];
  let options = [
    Option<"runtime", "runtime", "std::string", "\"vulkan\"",
           "The runtime called: vulkan or cuda">,
    Option<"indexBytes", "index-bytes", "int64_t", "4",
           "Bytes of an index scalar in the kernels (SPIR-V 4, NVVM 8)">
  ];
}

#endif // FULCRUM_TARGET_GPU_PASSES_TD
