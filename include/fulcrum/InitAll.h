//===- InitAll.h - Register every Fulcrum dialect and pass ------*- C++ -*-===//
//
// Part of Fulcrum. Used by the tools (fulcrum-opt, fulcrum-translate) and by
// embedders that want all of Fulcrum in one context.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_INITALL_H
#define FULCRUM_INITALL_H

#include "mlir/IR/DialectRegistry.h"

namespace fulcrum {

/// Inserts every Fulcrum dialect into `registry`.
void registerAllDialects(mlir::DialectRegistry &registry);

/// Registers every Fulcrum pass with the global pass registry (for
/// command-line tools and textual pipelines).
void registerAllPasses();

} // namespace fulcrum

#endif // FULCRUM_INITALL_H
