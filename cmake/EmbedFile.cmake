# cmake -DIN=file -DOUT=file.cpp -DSYMBOL=name -P EmbedFile.cmake
# Writes a C++ source defining `const unsigned char SYMBOL[]` with IN's bytes
# and `const size_t SYMBOL##Size`.
file(READ "${IN}" hex HEX)
get_filename_component(name "${IN}" NAME)
string(LENGTH "${hex}" length)
math(EXPR size "${length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x[0-9a-f][0-9a-f],0x[0-9a-f][0-9a-f],0x[0-9a-f][0-9a-f],0x[0-9a-f][0-9a-f],0x[0-9a-f][0-9a-f],0x[0-9a-f][0-9a-f],0x[0-9a-f][0-9a-f],0x[0-9a-f][0-9a-f],0x[0-9a-f][0-9a-f],0x[0-9a-f][0-9a-f],0x[0-9a-f][0-9a-f],0x[0-9a-f][0-9a-f],)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}" "// Generated from ${name}; do not edit.\n#include <cstddef>\nextern const unsigned char ${SYMBOL}[];\nextern const size_t ${SYMBOL}Size;\nalignas(16) const unsigned char ${SYMBOL}[] = {\n${bytes}};\nconst size_t ${SYMBOL}Size = ${size};\n")
