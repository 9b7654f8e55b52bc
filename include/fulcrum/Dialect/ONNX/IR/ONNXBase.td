//===- ONNXBase.td - onnx dialect, types and op base class -*- tablegen -*-===//
//
// Hand-written foundation of the `onnx` dialect: the dialect itself, the
// types ONNX has and MLIR lacks (sequences, optionals, strings), the type
// constraints the generated operations use, and the `ONNX_Op` base class.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_DIALECT_ONNX_IR_ONNXBASE_TD
#define FULCRUM_DIALECT_ONNX_IR_ONNXBASE_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"

def ONNX_Dialect : Dialect {
  let name = "onnx";
  let cppNamespace = "::fulcrum::onnx";
  let summary = "Faithful ONNX operators, generated from the ONNX schemas";
  let description = [{
    The `onnx` dialect holds one operation per operator version of the
    default ONNX domain, generated from libonnx's schema registry. The latest
    version of an operator (up to opset 17) is `onnx.<Name>`; older versions
    are `onnx.<Name>V<version>` and are only produced when a model cannot be
    upgraded by the ONNX version converter.

    Operand `i` is the operator's formal input `i`; an absent optional input
    is a value of type `none` (made by `onnx.NoValue`). Attributes keep their
    ONNX names and have their schema defaults filled in by the importer.
    Subgraph attributes (If, Loop, Scan) are regions terminated by
    `onnx.Yield`.
  }];
  let useDefaultTypePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let extraClassDeclaration = [{
  private:
    void registerTypes();
  public:
  }];
}

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

class ONNX_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<ONNX_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def ONNX_StringType : ONNX_Type<"String", "string"> {
  let summary = "ONNX string element type";
  let description = [{
    The element type of ONNX `tensor(string)` values: `tensor<3x!onnx.string>`.
  }];
}

def ONNX_SeqType : ONNX_Type<"Seq", "seq"> {
  let summary = "ONNX sequence of tensors";
  let description = [{
    An ONNX `seq(T)` value: an ordered list of values of type `T`, all with
    the same element type. Example: `!onnx.seq<tensor<*xf32>>`.
  }];
  let parameters = (ins "::mlir::Type":$elementType);
  let assemblyFormat = "`<` $elementType `>`";
}

def ONNX_OptType : ONNX_Type<"Opt", "opt"> {
  let summary = "ONNX optional value";
  let description = [{
    An ONNX `optional(T)` value: either empty or holding a value of type `T`.
    Example: `!onnx.opt<!onnx.seq<tensor<?xi64>>>`.
  }];
  let parameters = (ins "::mlir::Type":$elementType);
  let assemblyFormat = "`<` $elementType `>`";
}

def ONNX_String : Type<CPred<"::llvm::isa<::fulcrum::onnx::StringType>($_self)">,
                       "ONNX string", "::fulcrum::onnx::StringType">;

/// `!onnx.seq<T>` where T satisfies one of `allowed`.
class ONNX_SeqOf<list<Type> allowed>
    : ContainerType<AnyTypeOf<allowed>,
                    CPred<"::llvm::isa<::fulcrum::onnx::SeqType>($_self)">,
                    "::llvm::cast<::fulcrum::onnx::SeqType>($_self).getElementType()",
                    "ONNX sequence", "::fulcrum::onnx::SeqType">;

/// `!onnx.opt<T>` where T satisfies one of `allowed`.
class ONNX_OptOf<list<Type> allowed>
    : ContainerType<AnyTypeOf<allowed>,
                    CPred<"::llvm::isa<::fulcrum::onnx::OptType>($_self)">,
                    "::llvm::cast<::fulcrum::onnx::OptType>($_self).getElementType()",
                    "ONNX optional", "::fulcrum::onnx::OptType">;

/// An optional ONNX input or output: `t`, or `none` when absent.
class ONNX_OrNone<Type t> : AnyTypeOf<[t, NoneType]>;

include "fulcrum/Dialect/ONNX/IR/ONNXInterfaces.td"

//===----------------------------------------------------------------------===//
// Per-operator facts
//===----------------------------------------------------------------------===//

// Facts about operators that passes and lowerings query with
// `op->hasTrait<...>()` instead of lists of names. The generator attaches
// them from utils/onnx-dialect-gen/op-traits.txt; the C++ classes are in
// ONNXTraits.h.
class ONNX_Fact<string name> : NativeOpTrait<name> {
  let cppNamespace = "::fulcrum::onnx::trait";
}

/// One tensor operand (plus attributes); each result element depends only on
/// the operand element at the same position.
def ONNX_ElementwiseUnary : ONNX_Fact<"ElementwiseUnary">;

/// Several tensor operands that broadcast numpy-style (binary, variadic or
/// optional ones); each result element depends only on the operand elements
/// at the same (broadcast) position.
def ONNX_ElementwiseBroadcast : ONNX_Fact<"ElementwiseBroadcast">;

/// Combines the elements of its input along some axes (Reduce*,
/// ArgMax/ArgMin).
def ONNX_Reduction : ONNX_Fact<"Reduction">;

/// Sums products of two operands over shared dimensions (MatMul, Gemm,
/// convolutions, Einsum and their quantized forms).
def ONNX_Contraction : ONNX_Fact<"Contraction">;

/// The operands after the first are parameters (filters, biases, scales,
/// statistics), usually constants, rather than data: what a compiler may
/// pre-pack or fold.
def ONNX_Weights : ONNX_Fact<"Weights">;

//===----------------------------------------------------------------------===//
// Operation base class
//===----------------------------------------------------------------------===//

/// An ONNX operator at the version where its schema was introduced.
class ONNX_Op<string mnemonic, int version, list<Trait> traits = []>
    : Op<ONNX_Dialect, mnemonic, traits> {
  /// The opset version that introduced this schema.
  int sinceVersion = version;
  let extraClassDeclaration = "static constexpr int64_t getSinceVersion() { return " # version # "; }";
  let assemblyFormat = "`(` operands `)` attr-dict `:` functional-type(operands, results)";
}

#endif // FULCRUM_DIALECT_ONNX_IR_ONNXBASE_TD
