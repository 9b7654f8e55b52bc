//===- TestData.cpp - Run ONNX backend test data sets ---------------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Execution/ModelRunner.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <algorithm>

namespace fulcrum {

namespace {
/// Files `prefix<N>.pb` in `dir`, ordered by N.
std::vector<std::string> numberedFiles(const std::string &dir,
                                       llvm::StringRef prefix) {
  std::vector<std::pair<int, std::string>> found;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    llvm::StringRef name = llvm::sys::path::filename(it->path());
    if (!name.consume_front(prefix) || !name.consume_back(".pb"))
      continue;
    int n;
    if (!name.getAsInteger(10, n))
      found.push_back({n, it->path()});
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> files;
  for (auto &f : found)
    files.push_back(f.second);
  return files;
}
} // namespace

bool runTestData(ModelRunner &runner, const std::string &dir, double rtol,
                 double atol, llvm::raw_ostream &os) {
  std::vector<std::string> sets;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec))
    if (llvm::sys::path::filename(it->path()).starts_with("test_data_set_"))
      sets.push_back(it->path());
  std::sort(sets.begin(), sets.end());
  if (sets.empty()) {
    os << "error: no test_data_set_* directories in '" << dir << "'\n";
    return false;
  }
  bool allPassed = true;
  for (const std::string &set : sets) {
    std::string setName = llvm::sys::path::filename(set).str();
    std::vector<HostTensor> inputs, expected;
    for (const std::string &f : numberedFiles(set, "input_")) {
      auto t = readTensorProtoFile(f);
      if (!t) {
        os << setName << ": error: " << llvm::toString(t.takeError()) << "\n";
        return false;
      }
      inputs.push_back(std::move(*t));
    }
    for (const std::string &f : numberedFiles(set, "output_")) {
      auto t = readTensorProtoFile(f);
      if (!t) {
        os << setName << ": error: " << llvm::toString(t.takeError()) << "\n";
        return false;
      }
      expected.push_back(std::move(*t));
    }
    auto outputs = runner.run(inputs);
    if (!outputs) {
      os << setName << ": error: " << llvm::toString(outputs.takeError())
         << "\n";
      allPassed = false;
      continue;
    }
    if (outputs->size() != expected.size()) {
      os << setName << ": FAIL: " << outputs->size() << " outputs, "
         << expected.size() << " expected\n";
      allPassed = false;
      continue;
    }
    bool passed = true;
    for (size_t i = 0; i < expected.size(); ++i) {
      std::string report = compareTensors(expected[i], (*outputs)[i], rtol, atol);
      if (report.empty())
        continue;
      os << setName << ": FAIL: output #" << i << " ('"
         << runner.outputs()[i].name << "'): " << report << "\n";
      passed = false;
    }
    if (passed)
      os << setName << ": ok\n";
    allPassed &= passed;
  }
  return allPassed;
}

} // namespace fulcrum
