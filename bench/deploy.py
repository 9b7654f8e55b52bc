"""A deployed Fulcrum artifact's cost, measured the way an application sees
it: a small C program that includes the model's generated header, links the
compiled library, and calls `<entry>_run` with its own buffers and the
static workspace. Unlike `fulcrum-run` (which also carries the compiler:
LLVM and MLIR are mapped and relocated in its process), nothing else is
loaded, so its peak resident memory is the artifact's own plus a C
process's.

    runner = build(header, library, work_dir)
    result = run(runner, batch, threads, warmup, runs)
    # {"median_ms": ..., "min_ms": ..., "peak_mib": ...}
"""
import os
import re
import subprocess

OMP_DIR = "/usr/lib/llvm-19/lib"

C_TYPES = {"float32": "float", "float64": "double", "int64": "int64_t",
           "int32": "int32_t", "int8": "int8_t", "uint8": "uint8_t",
           "bool": "bool"}

RUNNER = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int64_t elements(const int64_t *shape, size_t rank, int64_t batch) {
  int64_t n = 1;
  for (size_t i = 0; i < rank; ++i)
    n *= shape[i] < 0 ? batch : shape[i];
  return n;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s BATCH WARMUP RUNS\n", argv[0]);
    return 2;
  }
  int64_t batch = atoll(argv[1]);
  int warmup = atoi(argv[2]), runs = atoi(argv[3]);
@ALLOCATE@
  size_t bytes = (@ENTRY@_workspace_size(batch) + 63) / 64 * 64;
  void *workspace = bytes ? aligned_alloc(64, bytes) : NULL;
  double *times = malloc(sizeof(double) * (runs > 0 ? runs : 1));
  for (int i = 0; i < warmup + runs; ++i) {
    double start = now_ms();
    int status = @ENTRY@_run(@ARGS@workspace, bytes);
    double end = now_ms();
    if (status) {
      fprintf(stderr, "error: %s\n", fulcrum_status_message(status));
      return 1;
    }
    if (i >= warmup)
      times[i - warmup] = end - start;
  }
  qsort(times, runs, sizeof(double), compare);
  /* VmHWM: getrusage's maximum would include the parent's resident set
   * from before exec. */
  double peak = 0;
  char line[256];
  FILE *status = fopen("/proc/self/status", "r");
  while (status && fgets(line, sizeof line, status))
    if (!strncmp(line, "VmHWM:", 6))
      peak = atof(line + 6) / 1024.0;
  if (status)
    fclose(status);
  printf("median %.3f ms, min %.3f ms\n", times[runs / 2], times[0]);
  printf("peak resident memory: %.1f MiB\n", peak);
  return 0;
}
"""


def _values(header, entry, kind):
    """[(index, dtype, rank)] of the header's inputs or outputs."""
    found = []
    for i, dtype in re.findall(
            rf'{entry}_{kind}(\d+)_dtype = "([a-z0-9]+)"', header):
        shape = re.search(rf"{entry}_{kind}{i}_shape\[\] = \{{([^}}]*)\}}",
                          header).group(1)
        found.append((int(i), dtype, len(shape.split(","))))
    return sorted(found)


def build(header_path, library, work_dir, entry="main_graph"):
    """Writes and compiles the runner of `library`; returns its path."""
    with open(header_path) as f:
        header = f.read()
    if f"{entry}_run(" not in header:
        raise RuntimeError(f"{header_path}: no {entry}_run (dynamic shapes "
                           "other than the batch)")
    has_batch = re.search(rf"{entry}_run\(int64_t batch", header) is not None
    lines, args = [], ["batch, "] if has_batch else []
    for kind in ("input", "output"):
        for i, dtype, _ in _values(header, entry, kind):
            ctype = C_TYPES[dtype]
            name = f"{kind}{i}"
            count = (f"elements({entry}_{kind}{i}_shape, sizeof({entry}_"
                     f"{kind}{i}_shape) / sizeof(int64_t), batch)")
            lines.append(f"  {ctype} *{name} = aligned_alloc(64, "
                         f"(sizeof({ctype}) * {count} + 63) / 64 * 64);")
            if kind == "input":
                # Small non-negative values: valid indices for embeddings.
                lines.append(f"  for (int64_t j = 0; j < {count}; ++j) "
                             f"{name}[j] = ({ctype})(j % 7);")
            args.append(f"{name}, ")
    source = (RUNNER.replace("@ALLOCATE@", "\n".join(lines))
              .replace("@ENTRY@", entry).replace("@ARGS@", "".join(args)))
    runner = os.path.join(work_dir, "deployed")
    with open(os.path.join(work_dir, "runner.c"), "w") as f:
        f.write(source)
    subprocess.run(["clang-19", "-O2", "-std=gnu11", "-I",
                    os.path.dirname(os.path.abspath(header_path)),
                    "-include", os.path.abspath(header_path),
                    os.path.join(work_dir, "runner.c"),
                    os.path.abspath(library), "-o", runner,
                    "-Wl,-rpath," + os.path.dirname(os.path.abspath(library)),
                    "-L" + OMP_DIR, "-Wl,-rpath," + OMP_DIR, "-lm"],
                   check=True, capture_output=True, text=True)
    return runner


def run(runner, batch, threads, warmup, runs, timeout=1800):
    """Times the runner; returns median/min latency and peak memory."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    # Threads bound to cores, as fulcrum-run binds them (and ONNX Runtime
    # its intra-op threads), unless the environment chooses a binding.
    if threads > 1 and not any(v in os.environ for v in (
            "OMP_PROC_BIND", "OMP_PLACES", "KMP_AFFINITY",
            "GOMP_CPU_AFFINITY")):
        env["OMP_PROC_BIND"] = "true"
    proc = subprocess.run([runner, str(batch), str(warmup), str(runs)],
                          capture_output=True, text=True, env=env,
                          timeout=timeout)
    if proc.returncode:
        return {"error": (proc.stderr.strip().splitlines() or
                          [f"exit {proc.returncode}"])[-1]}
    m = re.search(r"median ([0-9.]+) ms, min ([0-9.]+) ms", proc.stdout)
    peak = re.search(r"peak resident memory: ([0-9.]+) MiB", proc.stdout)
    return {"median_ms": float(m.group(1)), "min_ms": float(m.group(2)),
            "peak_mib": float(peak.group(1))}
