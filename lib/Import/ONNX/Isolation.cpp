//===- Isolation.cpp - Run libonnx's graph passes in a child process ------===//
//
// Part of Fulcrum. libonnx 1.12's shape inference and version converter
// dereference out of bounds on some malformed models instead of throwing
// (Conv with input and weight ranks that differ, LayerNormalization with an
// axis beyond 32 bits, graph outputs that no node produces, ...). They run
// in a forked child: the parent gets the model back, or the exception's
// message, or the signal that ended the child, and never crashes itself.
// Large weights are detached first (the passes need shapes, and small
// constants for data propagation), so the pipe carries the graph only.
//
//===----------------------------------------------------------------------===//

#include "ImporterInternal.h"

#include <csignal>
#include <cstring>
#include <sys/wait.h>
#include <unistd.h>

namespace fulcrum::detail {

namespace {
bool writeAll(int fd, const std::string &bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += n;
  }
  return true;
}
} // namespace

mlir::LogicalResult
runIsolated(::onnx::ModelProto &model,
            llvm::function_ref<void(::onnx::ModelProto &)> work,
            std::string &message) {
  int fds[2];
  if (::pipe(fds) != 0) {
    message = std::string("cannot create a pipe: ") + std::strerror(errno);
    return mlir::failure();
  }
  pid_t child = ::fork();
  if (child < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    message = std::string("cannot fork: ") + std::strerror(errno);
    return mlir::failure();
  }
  if (child == 0) {
    // The child: the first byte says whether the rest is the model ('M')
    // or an exception's message ('E'). A crash here is the parent's to
    // report: no stack dump (LLVM's handlers), no sanitizer report.
    ::close(fds[0]);
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP}) {
      struct sigaction action = {};
      action.sa_handler = SIG_DFL;
      ::sigaction(sig, &action, nullptr);
    }
    std::string out;
    try {
      work(model);
      out = "M" + model.SerializeAsString();
    } catch (const std::exception &e) {
      out = std::string("E") + e.what();
    }
    ::_exit(writeAll(fds[1], out) ? 0 : 1);
  }
  ::close(fds[1]);
  std::string in;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    in.append(buffer, n);
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    message = std::string("libonnx crashed on the model (") +
              strsignal(WTERMSIG(status)) +
              "); it is malformed in a way libonnx does not check";
    return mlir::failure();
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || in.empty()) {
    message = "libonnx's child process failed";
    return mlir::failure();
  }
  if (in[0] == 'E') {
    message = in.substr(1);
    return mlir::failure();
  }
  ::onnx::ModelProto result;
  if (in.size() - 1 > INT_MAX ||
      !result.ParseFromArray(in.data() + 1, static_cast<int>(in.size() - 1))) {
    message = "libonnx's child process returned a corrupted model";
    return mlir::failure();
  }
  model.Swap(&result);
  return mlir::success();
}

} // namespace fulcrum::detail
