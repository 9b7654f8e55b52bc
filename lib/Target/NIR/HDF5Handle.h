//===- HDF5Handle.h - Helpers shared by the NIR writer and reader -*- C++ -*-//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_LIB_TARGET_NIR_HDF5HANDLE_H
#define FULCRUM_LIB_TARGET_NIR_HDF5HANDLE_H

#include "llvm/Support/Error.h"

#include <hdf5.h>

namespace fulcrum::snn::detail {

inline llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The node type of `snn.spike_max_pool2d`, a Fulcrum extension of NIR.
inline constexpr const char *kSpikeMaxPoolType = "SpikeMaxPool2d";

/// Closes an HDF5 handle on scope exit.
struct Handle {
  hid_t id = -1;
  herr_t (*close)(hid_t) = nullptr;
  Handle(hid_t id, herr_t (*close)(hid_t)) : id(id), close(close) {}
  Handle(const Handle &) = delete;
  ~Handle() {
    if (id >= 0 && close)
      close(id);
  }
  operator hid_t() const { return id; }
  bool ok() const { return id >= 0; }
};

/// Turns off libhdf5's printing of its error stack.
inline void quietHDF5() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

} // namespace fulcrum::snn::detail

#endif // FULCRUM_LIB_TARGET_NIR_HDF5HANDLE_H
