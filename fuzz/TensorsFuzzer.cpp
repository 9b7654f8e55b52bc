//===- TensorsFuzzer.cpp - libFuzzer target: .npy, .npz and .pb readers ---===//
//
// Part of Fulcrum. The first byte picks the reader (TensorProto, .npy,
// .npz); the rest is the file. Readers must reject bad files with an error,
// never read out of bounds or allocate what a header claims.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Execution/HostTensor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  llvm::StringRef bytes(reinterpret_cast<const char *>(data) + 1, size - 1);
  switch (data[0] % 3) {
  case 0:
    llvm::consumeError(fulcrum::parseTensorProto(bytes, "fuzz.pb").takeError());
    break;
  case 1:
    llvm::consumeError(fulcrum::parseNpy(bytes, "fuzz.npy").takeError());
    break;
  default:
    llvm::consumeError(fulcrum::parseNpz(bytes, "fuzz.npz").takeError());
  }
  return 0;
}
