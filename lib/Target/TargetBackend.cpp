//===- TargetBackend.cpp - The registry of targets ------------------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Target/TargetBackend.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ManagedStatic.h"
#include "llvm/Support/Path.h"

#include <mutex>

using namespace llvm;

namespace fulcrum {

StringRef getArtifactSuffix(ArtifactKind kind) {
  switch (kind) {
  case ArtifactKind::MLIR:
    return "mlir";
  case ArtifactKind::LLVMIR:
    return "ll";
  case ArtifactKind::Object:
    return "o";
  case ArtifactKind::StaticLibrary:
    return "a";
  case ArtifactKind::SharedLibrary:
    return "so";
  case ArtifactKind::PTX:
    return "ptx";
  case ArtifactKind::SPIRV:
    return "spv";
  case ArtifactKind::NIR:
    return "nir";
  }
  llvm_unreachable("unknown artifact kind");
}

std::optional<ArtifactKind> getArtifactKindForPath(StringRef path) {
  if (path == "-")
    return ArtifactKind::MLIR;
  StringRef ext = sys::path::extension(path);
  for (ArtifactKind kind :
       {ArtifactKind::MLIR, ArtifactKind::LLVMIR, ArtifactKind::Object,
        ArtifactKind::StaticLibrary, ArtifactKind::SharedLibrary,
        ArtifactKind::PTX, ArtifactKind::SPIRV, ArtifactKind::NIR})
    if (ext.size() > 1 && ext.drop_front() == getArtifactSuffix(kind))
      return kind;
  return std::nullopt;
}

bool TargetDescription::hasFeature(StringRef name) const {
  return llvm::is_contained(features, name);
}

std::string TargetDescription::summary() const {
  std::string out = cpu + ", " + std::to_string(vectorBits) + "-bit vectors";
  SmallVector<StringRef> shown;
  for (StringRef f : {"avx2", "fma", "avx512f", "avx512bw", "avx512vnni",
                      "avxvnni", "avx512bf16", "neon", "sve"})
    if (hasFeature(f))
      shown.push_back(f);
  if (!shown.empty())
    out += " (" + join(shown, " ") + ")";
  return out;
}

TargetBackend::~TargetBackend() = default;

bool TargetBackend::hasPhase(CompilePhase phase) const {
  return llvm::is_contained(getPhases(), phase);
}

namespace {
struct Registry {
  std::mutex mutex;
  std::vector<std::unique_ptr<TargetBackend>> backends;
};
ManagedStatic<Registry> registry;
} // namespace

void registerTargetBackend(std::unique_ptr<TargetBackend> backend) {
  std::lock_guard<std::mutex> lock(registry->mutex);
  auto clashes = [&](StringRef name) {
    for (auto &existing : registry->backends)
      if (existing->getName() == name ||
          llvm::is_contained(existing->getAliases(), name))
        return true;
    return false;
  };
  if (clashes(backend->getName()))
    return; // Registered already (registration functions may run twice).
  for (StringRef alias : backend->getAliases())
    if (clashes(alias))
      report_fatal_error("target alias '" + alias + "' is taken");
  registry->backends.push_back(std::move(backend));
}

const TargetBackend *lookupTargetBackend(StringRef name) {
  std::lock_guard<std::mutex> lock(registry->mutex);
  for (auto &backend : registry->backends)
    if (backend->getName() == name ||
        llvm::is_contained(backend->getAliases(), name))
      return backend.get();
  return nullptr;
}

std::vector<const TargetBackend *> getTargetBackends() {
  std::lock_guard<std::mutex> lock(registry->mutex);
  std::vector<const TargetBackend *> out;
  for (auto &backend : registry->backends)
    out.push_back(backend.get());
  return out;
}

} // namespace fulcrum
