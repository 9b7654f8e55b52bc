# Helpers shared by the project's CMakeLists.

# fulcrum_add_library(name SOURCES... [LINK lib...] [DEPENDS target...] [EH])
# A shared library linked against libMLIR.so (and libLLVM.so). EH enables
# C++ exceptions for sources that call libonnx.
function(fulcrum_add_library name)
  cmake_parse_arguments(ARG "EH" "" "LINK;DEPENDS" ${ARGN})
  add_library(${name} SHARED ${ARG_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PUBLIC MLIR LLVM ${ARG_LINK})
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  if(ARG_EH)
    target_compile_options(${name} PRIVATE -fexceptions)
  endif()
  set_target_properties(${name} PROPERTIES
    INSTALL_RPATH "$ORIGIN;${LLVM_LIBRARY_DIR}")
  install(TARGETS ${name} LIBRARY DESTINATION lib)
endfunction()

# fulcrum_add_tool(name SOURCES... [LINK lib...] [NO_INSTALL])
function(fulcrum_add_tool name)
  cmake_parse_arguments(ARG "NO_INSTALL" "" "LINK" ${ARGN})
  add_executable(${name} ${ARG_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE MLIR LLVM ${ARG_LINK})
  set_target_properties(${name} PROPERTIES
    INSTALL_RPATH "$ORIGIN/../lib;${LLVM_LIBRARY_DIR}")
  if(NOT ARG_NO_INSTALL)
    install(TARGETS ${name} RUNTIME DESTINATION bin)
  endif()
endfunction()
