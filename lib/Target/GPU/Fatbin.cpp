//===- Fatbin.cpp - Cubins for nvptx artifacts ----------------------------===//
//
// Part of Fulcrum. When the CUDA toolkit's `ptxas` and `fatbinary` are
// installed, the PTX of an nvptx model is assembled into a cubin for its
// chip, and the artifact embeds a fatbin holding that cubin and the PTX:
// the driver loads the cubin on the chip it was built for (no compilation
// when the model starts) and compiles the PTX on any other. Without the
// toolkit the artifact embeds the PTX alone, as before.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Target/GPU/GPUTarget.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

using namespace llvm;

namespace fulcrum {

namespace {
Error error(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

/// Removes the files it was given when it goes out of scope.
struct TemporaryFiles {
  SmallVector<SmallString<128>> paths;
  ~TemporaryFiles() {
    for (auto &path : paths)
      sys::fs::remove(path);
  }
  /// A new temporary file's path (a copy: later files may move `paths`).
  Expected<std::string> make(StringRef suffix) {
    SmallString<128> path;
    if (std::error_code ec =
            sys::fs::createTemporaryFile("fulcrum-gpu", suffix, path))
      return error("cannot create a temporary file: " + ec.message());
    paths.push_back(path);
    return path.str().str();
  }
};

Error runTool(StringRef tool, ArrayRef<StringRef> args, StringRef log) {
  SmallVector<StringRef> argv = {tool};
  argv.append(args.begin(), args.end());
  std::optional<StringRef> redirects[] = {std::nullopt, log, log};
  std::string message;
  int rc =
      sys::ExecuteAndWait(tool, argv, std::nullopt, redirects, 0, 0, &message);
  if (rc == 0)
    return Error::success();
  std::string output;
  if (auto buffer = MemoryBuffer::getFile(log))
    output = (*buffer)->getBuffer().trim().str();
  return error(sys::path::filename(tool) + " failed" +
               (message.empty() ? "" : ": " + message) +
               (output.empty() ? "" : ":\n" + output));
}
/// `fatbinary` beside `ptxas` (the toolkit's bin), else on PATH; "" without
/// ptxas.
std::string findFatbinaryBeside(StringRef ptxas) {
  if (ptxas.empty())
    return "";
  SmallString<128> path(sys::path::parent_path(ptxas));
  sys::path::append(path, "fatbinary");
  if (sys::fs::can_execute(path))
    return path.str().str();
  if (auto found = sys::findProgramByName("fatbinary"))
    return *found;
  return "";
}

/// The bytes a global holds (a string or dense initializer), if any.
std::optional<std::string> getGlobalBytes(mlir::LLVM::GlobalOp global) {
  if (auto dense =
          dyn_cast_or_null<mlir::DenseElementsAttr>(global.getValueOrNull()))
    return std::string(dense.getRawData().begin(), dense.getRawData().end());
  if (auto text = dyn_cast_or_null<mlir::StringAttr>(global.getValueOrNull()))
    return text.getValue().str();
  return std::nullopt;
}
} // namespace

std::string findFatbinary() { return findFatbinaryBeside(findPtxas()); }

Expected<std::string> buildFatbin(StringRef ptx, StringRef chip) {
  std::string ptxas = findPtxas(), fatbinary = findFatbinaryBeside(ptxas);
  if (ptxas.empty() || fatbinary.empty())
    return std::string();
  StringRef version = chip;
  if (!version.consume_front("sm_"))
    return error("unknown GPU chip '" + chip + "'");
  TemporaryFiles files;
  auto ptxFile = files.make("ptx");
  auto cubinFile = files.make("cubin");
  auto fatbinFile = files.make("fatbin");
  auto logFile = files.make("log");
  for (auto *file : {&ptxFile, &cubinFile, &fatbinFile, &logFile})
    if (!*file)
      return file->takeError();
  {
    std::error_code ec;
    raw_fd_ostream os(*ptxFile, ec);
    if (ec)
      return error("cannot write " + *ptxFile + ": " + ec.message());
    os << ptx;
  }
  std::string arch = ("-arch=" + chip).str();
  if (Error err =
          runTool(ptxas, {arch, "-O3", *ptxFile, "-o", *cubinFile}, *logFile))
    return std::move(err);
  std::string elf =
      ("--image3=kind=elf,sm=" + version + ",file=" + *cubinFile).str();
  std::string text =
      ("--image3=kind=ptx,sm=" + version + ",file=" + *ptxFile).str();
  std::string create = "--create=" + *fatbinFile;
  if (Error err = runTool(fatbinary, {"-64", create, elf, text}, *logFile))
    return std::move(err);
  auto buffer = MemoryBuffer::getFile(*fatbinFile, /*IsText=*/false,
                                      /*RequiresNullTerminator=*/false);
  if (!buffer)
    return error("cannot read " + *fatbinFile + ": " +
                 buffer.getError().message());
  return (*buffer)->getBuffer().str();
}

Expected<std::string> getDeviceCode(mlir::ModuleOp module) {
  auto global =
      module.lookupSymbol<mlir::LLVM::GlobalOp>(getDeviceCodeGlobalName());
  if (!global)
    return error("the model has no GPU kernels (everything runs on the "
                 "host side)");
  std::optional<std::string> bytes = getGlobalBytes(global);
  if (!bytes)
    return error("unexpected initializer of @" + getDeviceCodeGlobalName());
  if (!bytes->empty() && bytes->back() == 0)
    bytes->pop_back();
  return *bytes;
}

Error embedFatbin(mlir::ModuleOp module, StringRef chip) {
  auto global =
      module.lookupSymbol<mlir::LLVM::GlobalOp>(getDeviceCodeGlobalName());
  if (!global)
    return Error::success();
  std::optional<std::string> ptx = getGlobalBytes(global);
  if (!ptx)
    return error("unexpected initializer of @" + getDeviceCodeGlobalName());
  // Only PTX (text) is replaced, not a cubin (ELF) or a fatbin.
  StringRef bytes(*ptx);
  if (bytes.starts_with("\x7f"
                        "ELF") ||
      bytes.starts_with("\x50\xed\x55\xba") || !bytes.contains(".version"))
    return Error::success();
  while (bytes.ends_with(StringRef("\0", 1)))
    bytes = bytes.drop_back();
  auto fatbin = buildFatbin(bytes, chip);
  if (!fatbin)
    return fatbin.takeError();
  if (fatbin->empty())
    return Error::success();
  mlir::MLIRContext *context = module.getContext();
  auto i8 = mlir::IntegerType::get(context, 8);
  auto type = mlir::LLVM::LLVMArrayType::get(i8, fatbin->size());
  global.setGlobalType(type);
  global.setValueAttr(mlir::StringAttr::get(context, *fatbin));
  // The driver reads the fatbin's header in place (8-byte fields).
  global.setAlignment(64);
  return Error::success();
}

} // namespace fulcrum
