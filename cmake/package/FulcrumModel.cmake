# fulcrum_add_model(<name> MODEL <file.onnx>
#                   [TARGET <target>] [TARGET_CPU <cpu>] [ENTRY_POINT <entry>]
#                   [OPTIONS <fulcrum-compile options>...]
#                   [QUANTIZE <scheme> CALIBRATION_DATA <file>])
#
# Compiles an ONNX model with fulcrum-compile at build time into the static
# library target <name>. Linking <name> puts the generated header
# `<entry>.h` on the include path (the entry point defaults to <name>, so
# the C API is `<name>_run(...)`) and links the runtime, libomp and libm.
# A depfile from fulcrum-compile makes an edit of the model, of its
# external-data files or of the calibration data rebuild it.
# TARGET_CPU defaults to fulcrum-compile's own default (`native`); pass
# x86-64-v3 or similar for a library that runs on other machines.
# QUANTIZE and CALIBRATION_DATA are passed on as --quantize and
# --calibration-data (post-training INT8 quantization).
#
# The function keeps the policies set here whatever the calling project's
# cmake_minimum_required: CMP0116 makes CMake rewrite the depfile's paths
# for Ninja.
cmake_policy(PUSH)
cmake_policy(SET CMP0116 NEW)
function(fulcrum_add_model name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG ""
    "MODEL;TARGET;TARGET_CPU;ENTRY_POINT;QUANTIZE;CALIBRATION_DATA" "OPTIONS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR
      "fulcrum_add_model(${name}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_MODEL)
    message(FATAL_ERROR "fulcrum_add_model(${name}): MODEL <file> is required")
  endif()
  if(ARG_CALIBRATION_DATA AND NOT ARG_QUANTIZE)
    message(FATAL_ERROR
      "fulcrum_add_model(${name}): CALIBRATION_DATA needs QUANTIZE")
  endif()
  get_filename_component(model "${ARG_MODEL}" ABSOLUTE
    BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  set(entry "${name}")
  if(ARG_ENTRY_POINT)
    set(entry "${ARG_ENTRY_POINT}")
  endif()

  set(dir "${CMAKE_CURRENT_BINARY_DIR}/fulcrum/${name}")
  set(object "${dir}/${name}.o")
  set(header "${dir}/include/${entry}.h")
  set(depfile "${dir}/${name}.d")
  set(args "--entry-point=${entry}")
  if(ARG_TARGET)
    list(APPEND args "--target=${ARG_TARGET}")
  endif()
  if(ARG_TARGET_CPU)
    list(APPEND args "--target-cpu=${ARG_TARGET_CPU}")
  endif()
  set(depends "${model}")
  if(ARG_QUANTIZE)
    list(APPEND args "--quantize=${ARG_QUANTIZE}")
  endif()
  if(ARG_CALIBRATION_DATA)
    get_filename_component(calibration "${ARG_CALIBRATION_DATA}" ABSOLUTE
      BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND args "--calibration-data=${calibration}")
    list(APPEND depends "${calibration}")
  endif()
  list(APPEND args ${ARG_OPTIONS})

  file(MAKE_DIRECTORY "${dir}/include")
  add_custom_command(OUTPUT "${object}" "${header}"
    COMMAND Fulcrum::fulcrum-compile "${model}" -o "${object}"
            --header "${header}" --depfile "${depfile}" ${args}
    DEPENDS ${depends} Fulcrum::fulcrum-compile
    DEPFILE "${depfile}"
    COMMENT "Compiling the model ${name} with Fulcrum"
    VERBATIM)
  set_source_files_properties("${object}" PROPERTIES
    EXTERNAL_OBJECT TRUE GENERATED TRUE)
  add_library(${name} STATIC "${object}" "${header}")
  get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  if("C" IN_LIST languages)
    set_target_properties(${name} PROPERTIES LINKER_LANGUAGE C)
  else()
    set_target_properties(${name} PROPERTIES LINKER_LANGUAGE CXX)
  endif()
  target_include_directories(${name} INTERFACE "${dir}/include")
  target_link_libraries(${name} INTERFACE Fulcrum::runtime Fulcrum::openmp m)
endfunction()
cmake_policy(POP)
