//===- Passes.td - The cost model's passes ----------------*- tablegen -*-===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_COST_PASSES_TD
#define FULCRUM_COST_PASSES_TD

include "mlir/Pass/PassBase.td"

def TestPrintCost : Pass<"fulcrum-test-print-cost", "::mlir::ModuleOp"> {
  let summary = "Print the cost model's per-op predictions (for tests)";
  let description = [{
    A test pass: for every `func.func` of the module it prints, to standard
    output, one line per op directly in the function body that implements
    `WorkOpInterface` and does work (views and constants do not), then the
    function's total including the target's per-call overhead:

    ```
    cost of @main_graph on x86-64-v4 (1 thread)
    layer  op  class  MFLOP  MB  bound  time_us  energy_uJ
    conv1  onnx.Conv  convolution  2.654  0.110  compute  17.34  15.60
    total: 1 layers, 18.34 us, 15.60 uJ
    ```

    It covers the `onnx` dialect (by op class: element-wise, contractions,
    reductions, data movement) and linalg (every structured op, named or
    generic) with tensor copies (pad, concat, insert_slice). The layer name is
    the ONNX node name in the op's location. The IR is not changed.

    Options: `target-description`, a preset (`x86-64-v3`, `x86-64-v4`,
    `sm_80`, `sm_90`, `loihi2`) or a JSON file; `threads`, the threads a
    call runs on. An unknown preset or an invalid file is an error.
  }];
  let options = [
    Option<"targetDescription", "target-description", "std::string",
           /*default=*/"\"x86-64-v4\"",
           "Preset name or target description JSON file">,
    Option<"threads", "threads", "unsigned", /*default=*/"1",
           "Threads a call runs on">,
    Option<"winograd", "winograd", "bool", /*default=*/"true",
           "Price eligible 3x3 convolutions at the multiply-adds of the CPU's "
           "Winograd F(2x2, 3x3) kernel">,
  ];
}

def ProfileLayers : Pass<"fulcrum-profile-layers", "::mlir::ModuleOp"> {
  let summary = "Time each layer of the entry point (profiling builds)";
  let description = [{
    Inserts calls of `fulcrum_profile_begin(i64)` and
    `fulcrum_profile_end(i64)` (lib/Cost/ProfileRuntime.cpp; `fulcrum-run
    --profile` links them) around each layer of the entry function. A layer
    is the code of the ops whose location carries the tag
    `"fulcrum.layer.<N>"` (a NameLoc that `fulcrum::cost::tagLayers` puts on
    each op with work at the end of the linalg phase): consecutive top-level
    ops with the same tag are one timed region, ops without a tag
    (allocations, views) join the open region. Later rewrites keep
    locations, so the kernel call that replaces a convolution (and takes in
    its padding, bias and epilogue) is timed as the convolution's layer.

    It runs on memrefs after the kernel conversions, so the timer calls do
    not stand between a producer and the epilogue a kernel absorbs.

    ```mlir
    linalg.matmul ... loc(#tag3)
    // becomes
    func.call @fulcrum_profile_begin(%c3) : (i64) -> ()
    linalg.matmul ... loc(#tag3)
    func.call @fulcrum_profile_end(%c3) : (i64) -> ()
    ```

    A module without the entry function or without tags is left alone.
  }];
  let options = [
    Option<"entryPoint", "entry-point", "std::string",
           /*default=*/"\"main_graph\"", "The entry function">,
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect"];
}

#endif // FULCRUM_COST_PASSES_TD
