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
        "detect_leaks=0:detect_container_overflow=0:abort_on_error=0")
    config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
