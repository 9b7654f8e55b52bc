//===- Cache.cpp - The search's result cache and plan ---------------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "Cache.h"

#include "fulcrum/Execution/HostTensor.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"

#include <cstring>

namespace fulcrum::search {

namespace {
llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::string sha256(llvm::StringRef data) {
  llvm::SHA256 hash;
  hash.update(data);
  auto digest = hash.final();
  return llvm::toHex(digest, /*LowerCase=*/true);
}

std::string join(llvm::StringRef dir, llvm::StringRef name) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  return path.str().str();
}

/// Writes `text` to `path` through a temporary file renamed over it, so
/// that a reader sees the whole file or none.
llvm::Error writeAtomically(const std::string &path, llvm::StringRef text) {
  std::string tmp = path + ".tmp";
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(tmp, ec);
    if (ec)
      return error(tmp + ": " + ec.message());
    os << text;
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmp, path))
    return error(path + ": " + ec.message());
  return llvm::Error::success();
}

/// The JSON value in `path`, or nothing when it is missing or malformed.
std::optional<llvm::json::Value> readJSON(const std::string &path) {
  auto text = llvm::MemoryBuffer::getFile(path);
  if (!text)
    return std::nullopt;
  auto json = llvm::json::parse((*text)->getBuffer());
  if (!json) {
    llvm::consumeError(json.takeError());
    return std::nullopt;
  }
  return std::move(*json);
}
} // namespace

void ResultCache::addFile(llvm::StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  addText(buffer ? sha256((*buffer)->getBuffer()) : std::string("absent"));
}

void ResultCache::addText(llvm::StringRef text) {
  base = sha256(base + "\n" + text.str());
}

std::string ResultCache::key(const Config &config) const {
  return sha256(base + "\n" + config.name());
}

std::optional<Measurement> ResultCache::read(const std::string &key,
                                             int64_t samples) const {
  auto json = readJSON(join(dir, key + ".json"));
  const llvm::json::Object *o = json ? json->getAsObject() : nullptr;
  auto outputs = readNpyFile(join(dir, key + ".npy"));
  if (!o || !outputs) {
    if (!outputs)
      llvm::consumeError(outputs.takeError());
    return std::nullopt;
  }
  Measurement m;
  m.predictedMs = o->getNumber("predicted_ms").value_or(0);
  m.measuredMs = o->getNumber("measured_ms").value_or(0);
  m.minMs = o->getNumber("measured_min_ms").value_or(0);
  m.sizeMB = o->getNumber("weights_mb").value_or(0);
  m.attention = o->getBoolean("attention").value_or(false);
  if (outputs->dataType != 1 || outputs->shape.size() != 2 ||
      outputs->shape[0] != samples)
    return std::nullopt;
  m.classes = outputs->shape[1];
  m.outputs.resize(outputs->numElements());
  std::memcpy(m.outputs.data(), outputs->data.data(), outputs->data.size());
  return m;
}

llvm::Error ResultCache::write(const std::string &key, const Config &config,
                               const Measurement &m) const {
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return error(dir + ": " + ec.message());
  HostTensor outputs;
  outputs.dataType = 1;
  outputs.shape = {static_cast<int64_t>(m.outputs.size()) /
                       std::max<int64_t>(1, m.classes),
                   m.classes};
  outputs.data.resize(m.outputs.size() * sizeof(float));
  std::memcpy(outputs.data.data(), m.outputs.data(), outputs.data.size());
  // The outputs first: a reader takes an entry only when its .json exists.
  std::string npy = join(dir, key + ".npy");
  if (llvm::Error err = writeNpyFile(outputs, npy))
    return err;
  llvm::json::Object o{
      {"config", config.name()},     {"predicted_ms", m.predictedMs},
      {"measured_ms", m.measuredMs}, {"measured_min_ms", m.minMs},
      {"weights_mb", m.sizeMB},      {"attention", m.attention}};
  return writeAtomically(
      join(dir, key + ".json"),
      llvm::formatv("{0:2}\n", llvm::json::Value(std::move(o))).str());
}

std::string ResultCache::artifactPath(const std::string &key) const {
  return join(dir, key + ".so");
}

std::string ResultCache::timesKey(llvm::ArrayRef<std::string> keys) const {
  return "times-" + sha256(llvm::join(keys, "\n"));
}

std::optional<std::vector<std::pair<double, double>>>
ResultCache::readTimes(const std::string &key, size_t points) const {
  auto json = readJSON(join(dir, key + ".json"));
  const llvm::json::Object *o = json ? json->getAsObject() : nullptr;
  const llvm::json::Array *measured = o ? o->getArray("measured_ms") : nullptr;
  const llvm::json::Array *fastest = o ? o->getArray("min_ms") : nullptr;
  if (!measured || !fastest || measured->size() != points ||
      fastest->size() != points)
    return std::nullopt;
  std::vector<std::pair<double, double>> times;
  for (size_t i = 0; i < points; ++i)
    times.emplace_back((*measured)[i].getAsNumber().value_or(0),
                       (*fastest)[i].getAsNumber().value_or(0));
  return times;
}

llvm::Error
ResultCache::writeTimes(const std::string &key,
                        llvm::ArrayRef<std::pair<double, double>> times) const {
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return error(dir + ": " + ec.message());
  llvm::json::Array measured, fastest;
  for (const auto &[m, f] : times) {
    measured.push_back(m);
    fastest.push_back(f);
  }
  llvm::json::Object o{{"measured_ms", std::move(measured)},
                       {"min_ms", std::move(fastest)}};
  std::string text;
  llvm::raw_string_ostream(text) << llvm::json::Value(std::move(o)) << "\n";
  return writeAtomically(join(dir, key + ".json"), text);
}

namespace {
/// A word of a Ninja command: shell-quoted, with Ninja's `$` escaped.
std::string quote(llvm::StringRef word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'')
      out += "'\\''";
    else if (c == '$')
      out += "$$";
    else
      out += c;
  }
  return out + "'";
}

/// A path in a Ninja build line.
std::string ninjaPath(llvm::StringRef path) {
  std::string out;
  for (char c : path) {
    if (c == ' ' || c == ':' || c == '$')
      out += '$';
    out += c;
  }
  return out;
}
} // namespace

llvm::Error writePlan(llvm::StringRef path, llvm::ArrayRef<std::string> command,
                      llvm::ArrayRef<Config> configs,
                      llvm::StringRef reportDir) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return error(path + ": " + ec.message());
  os << "# The trade-off search's candidate evaluations, one build step "
        "each\n# (fulcrum-compile --emit-plan). Run them with `ninja -f "
     << llvm::sys::path::filename(path)
     << " -jN` (or any executor of\n# Ninja build steps), then merge them "
        "with the same fulcrum-compile\n# command and --collect "
     << reportDir << ".\n\nrule point\n  command =";
  for (const std::string &word : command)
    os << " " << quote(word);
  os << " --search-point=$index\n  description = search point $index: "
        "$name\n\n";
  std::vector<std::string> outputs;
  for (auto [i, config] : llvm::enumerate(configs)) {
    std::string out =
        join(join(reportDir, "points"), std::to_string(i) + ".done");
    outputs.push_back(ninjaPath(out));
    std::string name = config.name();
    for (char &c : name)
      if (c == '$' || c == '\n')
        c = '_';
    os << "build " << outputs.back() << ": point\n  index = " << i
       << "\n  name = " << name << "\n";
  }
  os << "\nbuild all: phony";
  for (const std::string &out : outputs)
    os << " " << out;
  os << "\ndefault all\n";
  return llvm::Error::success();
}

} // namespace fulcrum::search
