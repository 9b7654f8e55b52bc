//===- InitAll.h - Register every Fulcrum dialect, pass and target -*- C++
//-*-===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_INITALL_H
#define FULCRUM_INITALL_H

#include "mlir/IR/DialectRegistry.h"

namespace fulcrum {

/// Fulcrum's dialects and every upstream dialect, extension and LLVM
/// translation the pipelines rely on.
void registerAllDialects(mlir::DialectRegistry &registry);

/// Fulcrum's passes and pipelines, for fulcrum-opt.
void registerAllPasses();

/// Every target backend (`cpu`, ...) with the target registry.
void registerAllTargetBackends();

} // namespace fulcrum

#endif // FULCRUM_INITALL_H
