# -*- Python -*- lit configuration of the Fulcrum test suite.
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "Fulcrum"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".onnxtxt", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py",
                   "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.fulcrum_obj_root, "test")

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

config.substitutions.append(("%fulcrum_src_root", config.fulcrum_src_root))
config.substitutions.append(("%fulcrum_obj_root", config.fulcrum_obj_root))
config.substitutions.append(("%onnx_testdata", config.onnx_testdata_dir))
config.substitutions.append(("%fulcrum_python", config.python_executable))
config.substitutions.append(("%fulcrum_tools_dir", config.fulcrum_tools_dir))
# What a program linking a static library or object from fulcrum-compile adds
# for the kernels' threads (LLVM's OpenMP runtime).
config.substitutions.append(("%omp_link", "-L{0} -Wl,-rpath,{0} -lomp".format(
    config.llvm_library_dir)))

tools = ["fulcrum-opt", "fulcrum-translate", "fulcrum-onnx-dialect-gen", "fulcrum-calibrate",
         "fulcrum-onnx-txt2pb", "fulcrum-compile", "fulcrum-run"]
llvm_config.add_tool_substitutions(tools, [config.fulcrum_tools_dir])

if os.path.isdir(config.onnx_testdata_dir):
    config.available_features.add("onnx-testdata")

# Debian's python3-torch, for the benchmark harness's smoke test.
import subprocess
if subprocess.run([config.python_executable, "-c", "import torch"],
                  stdout=subprocess.DEVNULL,
                  stderr=subprocess.DEVNULL).returncode == 0:
    config.available_features.add("torch")
# Debian's python3-torchvision, for the foreign-model tests.
if subprocess.run([config.python_executable, "-c", "import torchvision"],
                  stdout=subprocess.DEVNULL,
                  stderr=subprocess.DEVNULL).returncode == 0:
    config.available_features.add("torchvision")
# ONNX Runtime (npm onnxruntime-node in bench/peers, `npm install
# --ignore-scripts` there), for tests that run exported models in it.
config.substitutions.append(("%ort_js", os.path.join(
    config.fulcrum_src_root, "bench", "peers", "ort.js")))
if subprocess.run(["node", "-e", "require(process.argv[1])", os.path.join(
        config.fulcrum_src_root, "bench", "peers", "node_modules",
        "onnxruntime-node")], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL).returncode == 0:
    config.available_features.add("onnxruntime")

# The GPU targets' tests: Vulkan execution needs the loader and a driver
# (Mesa's lavapipe runs compute shaders on the CPU), shader validation
# spirv-val (spirv-tools), PTX checks ptxas (a CUDA toolkit), CUDA execution
# an NVIDIA driver; tests needing what is absent are reported UNSUPPORTED.
import ctypes
import glob
import shutil
def _loadable(name):
    try:
        ctypes.CDLL(name)
        return True
    except OSError:
        return False
if _loadable("libvulkan.so.1") and glob.glob("/usr/share/vulkan/icd.d/*.json"):
    config.available_features.add("vulkan")
if shutil.which("spirv-val"):
    config.available_features.add("spirv-val")
# The Khronos validation layer (Debian's vulkan-validationlayers).
if glob.glob("/usr/share/vulkan/explicit_layer.d/VkLayer_khronos_validation.json"):
    config.available_features.add("vulkan-validation")
_ptxas = shutil.which("ptxas") or (
    "/usr/local/cuda/bin/ptxas" if os.access("/usr/local/cuda/bin/ptxas", os.X_OK) else None)
if _ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", _ptxas))
    # nvptx shared libraries embed a fatbin when fatbinary sits beside it.
    if os.access(os.path.join(os.path.dirname(_ptxas), "fatbinary"), os.X_OK):
        config.available_features.add("fatbinary")
if _loadable("libcuda.so.1"):
    config.available_features.add("cuda-driver")

# The host's integer dot-product instructions, for running kernel variants
# that need them (the 8-bit kernels' AVX-VNNI, AVX-512 VNNI and AMX paths), and
# AVX-512F: without it the kernel tests' `native` runs already take the
# AVX2 variants, so their x86-64-v3 runs would repeat them.
try:
    with open("/proc/cpuinfo") as cpuinfo:
        flags = set(cpuinfo.read().split())
    for flag in ("avx_vnni", "avx512_vnni", "avx512f", "amx_int8"):
        if flag in flags:
            config.available_features.add("host-" + flag.replace("_", ""))
except OSError:
    pass
# clang's sanitizer runtimes (libclang-rt-19-dev), for the C programs that
# the boundary and concurrency tests build with ASan/UBSan/TSan.
import glob
if glob.glob("/usr/lib/llvm-19/lib/clang/*/lib/linux/libclang_rt.asan-x86_64.a"):
    config.available_features.add("sanitizers")
# A FULCRUM_SANITIZE build: the tools carry ASan/UBSan; reports go to stderr
# and fail the test (LLVM's libraries are not instrumented, so ASan's
# container-overflow annotations cannot be trusted across them).
if getattr(config, "fulcrum_sanitize", ""):
    config.environment["ASAN_OPTIONS"] = (
        "detect_leaks=0:detect_container_overflow=0:allow_user_poisoning=0:"
        "abort_on_error=0")
    config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    # Scripts that limit a tool's address space must not (ASan's shadow).
    config.environment["FULCRUM_SANITIZED"] = "1"

# Debian's chromium, for the test that renders the search's report.html in a
# real browser (scripts/setup.sh installs it with the test packages).
import shutil
if shutil.which("chromium"):
    config.available_features.add("chromium")
