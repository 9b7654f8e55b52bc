# Sanitizer and fuzzing builds (docs/Robustness.md), each configured in a
# build directory of its own:
#   -DFULCRUM_SANITIZE="address;undefined"   ASan + UBSan on Fulcrum's code
#   -DFULCRUM_FUZZ=ON                        libFuzzer harnesses (fuzz/);
#                                            implies address;undefined
# LLVM/MLIR/libonnx stay as Debian built them (uninstrumented). The C
# runtime (runtime/) is left alone: programs built without sanitizers link
# it. Included after add_subdirectory(runtime).
set(FULCRUM_SANITIZE "" CACHE STRING
  "Sanitizers to build Fulcrum with, e.g. address;undefined (clang)")
option(FULCRUM_FUZZ "Build the libFuzzer harnesses of fuzz/ (clang)" OFF)

if(FULCRUM_FUZZ AND NOT FULCRUM_SANITIZE)
  set(FULCRUM_SANITIZE "address;undefined" CACHE STRING
    "Sanitizers to build Fulcrum with" FORCE)
endif()
if(FULCRUM_SANITIZE)
  list(JOIN FULCRUM_SANITIZE "," _fulcrum_sanitizers)
  set(_fulcrum_flags -fsanitize=${_fulcrum_sanitizers} -fno-omit-frame-pointer
    -fno-sanitize-recover=all)
  # LLVM is built without RTTI, so UBSan's vptr check cannot work.
  if("undefined" IN_LIST FULCRUM_SANITIZE)
    list(APPEND _fulcrum_flags -fno-sanitize=vptr)
  endif()
  if(FULCRUM_FUZZ)
    # Coverage for libFuzzer in every Fulcrum library; the harnesses add
    # -fsanitize=fuzzer (its main) when they link.
    list(APPEND _fulcrum_flags -fsanitize=fuzzer-no-link)
  endif()
  add_compile_options(${_fulcrum_flags})
  add_link_options(-fsanitize=${_fulcrum_sanitizers})
  message(STATUS "Fulcrum: building with ${_fulcrum_flags}")
endif()
