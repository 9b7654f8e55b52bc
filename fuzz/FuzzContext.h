//===- FuzzContext.h - An MLIR context for fuzz targets ---------*- C++ -*-===//
//
// Part of Fulcrum. A context that swallows diagnostics (every rejected input
// reports one) and is replaced every few hundred inputs, so that the
// attributes and types each input uniques in it do not grow without bound.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_FUZZ_FUZZCONTEXT_H
#define FULCRUM_FUZZ_FUZZCONTEXT_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <functional>
#include <memory>

namespace fulcrum::fuzz {

inline mlir::MLIRContext &
context(const std::function<void(mlir::DialectRegistry &)> &registerDialects) {
  static std::unique_ptr<mlir::MLIRContext> ctx;
  static unsigned uses = 0;
  if (!ctx || ++uses % 256 == 0) {
    mlir::DialectRegistry registry;
    registerDialects(registry);
    ctx.reset();
    ctx = std::make_unique<mlir::MLIRContext>(
        registry, mlir::MLIRContext::Threading::DISABLED);
    ctx->getDiagEngine().registerHandler(
        [](mlir::Diagnostic &) { return mlir::success(); });
  }
  return *ctx;
}

} // namespace fulcrum::fuzz

#endif // FULCRUM_FUZZ_FUZZCONTEXT_H
