//===- ChildProcess.cpp - Run untrusted parsing in a forked child ---------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Support/ChildProcess.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>

// The sanitizers' hook run before a process dies of a report; libFuzzer
// writes its crash file from it. Present only in sanitized programs.
extern "C" void __sanitizer_set_death_callback(void (*)(void))
    __attribute__((weak));

namespace fulcrum {

namespace {

llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The exit status of a child that exceeded its memory limit.
constexpr int kOutOfMemoryExit = 125;

/// The process's address space and resident set in bytes (0 when unknown).
std::pair<uint64_t, uint64_t> getMemoryBytes() {
  int fd = ::open("/proc/self/statm", O_RDONLY);
  if (fd < 0)
    return {0, 0};
  char text[128];
  ssize_t n = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (n <= 0)
    return {0, 0};
  text[n] = 0;
  unsigned long long size = 0, resident = 0;
  if (std::sscanf(text, "%llu %llu", &size, &resident) != 2)
    return {0, 0};
  uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  return {size * page, resident * page};
}

} // namespace

uint64_t getResidentBytes() { return getMemoryBytes().second; }

namespace {

bool writeAll(int fd, const char *data, size_t size) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += n;
  }
  return true;
}

[[noreturn]] void
childMain(int fd, llvm::function_ref<llvm::Expected<std::string>()> work,
          uint64_t memoryLimitBytes) {
  // A crash in the child is the parent's to report: default actions, so
  // that LLVM's stack dump does not run, and nothing on stderr (the
  // third-party code's warnings, or, in a sanitized build, the report of
  // its out-of-bounds read, which then ends the child). A fuzzer must not
  // take the child's death for its own finding.
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP}) {
    struct sigaction action = {};
    action.sa_handler = SIG_DFL;
    ::sigaction(sig, &action, nullptr);
  }
  if (__sanitizer_set_death_callback)
    __sanitizer_set_death_callback(nullptr);
  if (memoryLimitBytes) {
    // The address space where that works (a sanitizer's shadow memory
    // takes terabytes of it), and the resident set, sampled, everywhere.
    // Both on top of what the parent held at the fork, which the child
    // shares: a search that has compiled and run many models is large.
    auto [size, resident] = getMemoryBytes();
    if (!__sanitizer_set_death_callback) {
      struct rlimit limit = {size + memoryLimitBytes, size + memoryLimitBytes};
      ::setrlimit(RLIMIT_AS, &limit);
    }
    uint64_t residentLimit = resident + memoryLimitBytes;
    std::thread([residentLimit] {
      for (;;) {
        if (getResidentBytes() > residentLimit)
          ::_exit(kOutOfMemoryExit);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }).detach();
  }
  int null = ::open("/dev/null", O_WRONLY);
  if (null >= 0) {
    ::dup2(null, STDERR_FILENO);
    ::close(null);
  }
  // The first byte says whether the rest is the answer ('A') or an error
  // message ('E').
  llvm::Expected<std::string> result = work();
  std::string out;
  if (result)
    out = "A" + *result;
  else
    out = "E" + llvm::toString(result.takeError());
  ::_exit(writeAll(fd, out.data(), out.size()) ? 0 : 1);
}

} // namespace

llvm::Expected<std::string>
runInChild(llvm::function_ref<llvm::Expected<std::string>()> work,
           llvm::StringRef what, llvm::StringRef input, unsigned timeoutSeconds,
           uint64_t memoryLimitBytes) {
  int fds[2];
  if (::pipe(fds) != 0)
    return error(llvm::Twine("cannot create a pipe: ") + std::strerror(errno));
  pid_t child = ::fork();
  if (child < 0) {
    int saved = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return error(llvm::Twine("cannot fork: ") + std::strerror(saved));
  }
  if (child == 0) {
    ::close(fds[0]);
    childMain(fds[1], work, memoryLimitBytes);
  }
  ::close(fds[1]);

  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::seconds(timeoutSeconds);
  std::string in;
  bool timedOut = false;
  char buffer[65536];
  for (;;) {
    if (timeoutSeconds) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - Clock::now())
                      .count();
      struct pollfd p = {fds[0], POLLIN, 0};
      int ready = left > 0 ? ::poll(&p, 1, static_cast<int>(left)) : 0;
      if (ready < 0 && errno == EINTR)
        continue;
      if (ready == 0) {
        timedOut = true;
        ::kill(child, SIGKILL);
        break;
      }
    }
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
  if (timedOut)
    return error(what + " did not finish within " +
                 llvm::Twine(timeoutSeconds) + " s on the " + input);
  if (WIFSIGNALED(status))
    return error(what + " crashed on the " + input + " (" +
                 strsignal(WTERMSIG(status)) + ")");
  if (WIFEXITED(status) && WEXITSTATUS(status) == kOutOfMemoryExit &&
      memoryLimitBytes)
    return error(what + " needed more than " +
                 llvm::Twine(memoryLimitBytes >> 20) + " MiB on the " + input);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || in.empty())
    return error(what + " failed in its child process");
  if (in[0] == 'E')
    return error(llvm::StringRef(in).drop_front());
  return in.substr(1);
}

} // namespace fulcrum
