//===- ChildProcess.h - Run untrusted parsing in a forked child -*- C++ -*-===//
//
// Part of Fulcrum. Third-party parsers that Fulcrum cannot fix (libonnx's
// shape inference, libhdf5) may crash or hang on malformed files instead of
// reporting an error. runInChild runs such work in a forked child process:
// the parent gets the bytes the work produced, or its error message, or an
// error naming the signal that ended the child, and never crashes itself.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_SUPPORT_CHILDPROCESS_H
#define FULCRUM_SUPPORT_CHILDPROCESS_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace fulcrum {

/// This process's resident set in bytes, or 0 when /proc cannot say. Uses
/// only open/read, so a forked child may call it.
uint64_t getResidentBytes();

/// Runs `work` in a forked child process and returns what it returned.
/// An error of `work` comes back as that error; a child that dies on a
/// signal, exits without an answer, or runs longer than `timeoutSeconds`
/// (0: no limit; the child is then killed) becomes an error naming `what`
/// and `input`: "libhdf5 crashed on the file (Segmentation fault)". The
/// child's address space is limited to `memoryLimitBytes` (0: no limit;
/// never in a sanitized build, whose shadow memory needs terabytes), so
/// that a runaway allocation fails in the child instead of exhausting the
/// machine.
/// The child reports no crash itself (no stack dump, no sanitizer report
/// from a signal) and ends with _exit, running no destructors.
llvm::Expected<std::string>
runInChild(llvm::function_ref<llvm::Expected<std::string>()> work,
           llvm::StringRef what, llvm::StringRef input,
           unsigned timeoutSeconds = 0, uint64_t memoryLimitBytes = 0);

} // namespace fulcrum

#endif // FULCRUM_SUPPORT_CHILDPROCESS_H
