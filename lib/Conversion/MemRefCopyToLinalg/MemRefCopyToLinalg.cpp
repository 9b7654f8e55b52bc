//===- MemRefCopyToLinalg.cpp - fulcrum-convert-memref-copy-to-linalg -----===//
//
// Part of Fulcrum. Keeps compiled libraries free of MLIR's runtime library.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Conversion/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace fulcrum {
#define GEN_PASS_DEF_CONVERTMEMREFCOPYTOLINALG
#include "fulcrum/Conversion/Passes.h.inc"
} // namespace fulcrum

using namespace mlir;

namespace {
struct ConvertMemRefCopyToLinalgPass
    : public fulcrum::impl::ConvertMemRefCopyToLinalgBase<
          ConvertMemRefCopyToLinalgPass> {
  void runOnOperation() override {
    getOperation().walk([](memref::CopyOp copy) {
      OpBuilder b(copy);
      b.create<linalg::CopyOp>(copy.getLoc(), copy.getSource(),
                               copy.getTarget());
      copy.erase();
    });
  }
};
} // namespace
