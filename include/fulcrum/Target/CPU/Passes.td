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

#endif // FULCRUM_TARGET_CPU_PASSES_TD
