//===- ConstantsObject.cpp - Large constants outside LLVM -----------------===//
//
// Part of Fulcrum. A model's weights reach LLVM as global initializers, and
// LLVM copies them four times on the way to a shared library: the IR
// constant, the assembler's data fragment, the object buffer (which grows
// by doubling) and its copy into a string. A 1 GiB model peaked at 5.4 GB.
//
// Instead, every large constant global becomes an external declaration of
// a hidden, model-unique symbol before translation, and its bytes, which
// the MLIR context's resource blobs already hold, are streamed into a
// second relocatable ELF object that defines those symbols. The linker
// joins the two. The weights are then never copied by the compiler after
// the codegen phase's packing.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Target/CPU/CPUTarget.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/BinaryFormat/ELF.h"
#include "llvm/Support/EndianStream.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace fulcrum {

namespace {

Error error(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

/// The raw little-endian bytes of a global's dense initializer, or
/// nothing when it has none that maps byte for byte (splats, i1, ...).
std::optional<ArrayRef<char>> rawBytes(mlir::Attribute value) {
  auto shaped = dyn_cast_or_null<mlir::ShapedType>(
      isa_and_nonnull<mlir::TypedAttr>(value)
          ? cast<mlir::TypedAttr>(value).getType()
          : mlir::Type());
  if (!shaped || !shaped.hasStaticShape())
    return std::nullopt;
  mlir::Type element = shaped.getElementType();
  if (!element.isIntOrFloat() || element.getIntOrFloatBitWidth() % 8 != 0)
    return std::nullopt;
  uint64_t size =
      shaped.getNumElements() * (element.getIntOrFloatBitWidth() / 8);
  ArrayRef<char> bytes;
  if (auto resource = dyn_cast<mlir::DenseResourceElementsAttr>(value)) {
    mlir::AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    bytes = blob->getData();
  } else if (auto dense = dyn_cast<mlir::DenseElementsAttr>(value)) {
    if (dense.isSplat())
      return std::nullopt;
    bytes = dense.getRawData();
  } else {
    return std::nullopt;
  }
  if (bytes.size() != size)
    return std::nullopt;
  return bytes;
}

} // namespace

std::vector<ExternalConstant> externalizeLargeConstants(mlir::ModuleOp module,
                                                        StringRef prefix,
                                                        uint64_t minBytes) {
  std::vector<ExternalConstant> moved;
  mlir::SymbolTable symbols(module);
  SmallVector<mlir::LLVM::GlobalOp> globals(
      module.getOps<mlir::LLVM::GlobalOp>());
  for (mlir::LLVM::GlobalOp global : globals) {
    if (!global.getConstant() || !global.getValueAttr() ||
        global.getInitializerBlock())
      continue;
    std::optional<ArrayRef<char>> bytes = rawBytes(global.getValueAttr());
    if (!bytes || bytes->size() < minBytes)
      continue;
    std::string name = (prefix + Twine(moved.size())).str();
    if (failed(symbols.rename(global, name)))
      continue;
    moved.push_back({name, global.getAlignment().value_or(1), *bytes});
    global.removeValueAttr();
    global.setLinkage(mlir::LLVM::Linkage::External);
    global.setVisibility_(mlir::LLVM::Visibility::Hidden);
    global.setUnnamedAddr(mlir::LLVM::UnnamedAddr::None);
  }
  return moved;
}

Error writeConstantsObject(raw_fd_ostream &os,
                           ArrayRef<ExternalConstant> constants,
                           const Triple &triple) {
  uint16_t machine;
  switch (triple.getArch()) {
  case Triple::x86_64:
    machine = ELF::EM_X86_64;
    break;
  case Triple::aarch64:
    machine = ELF::EM_AARCH64;
    break;
  default:
    return error("cannot write a constants object for " + triple.str());
  }
  if (!triple.isOSBinFormatELF())
    return error("cannot write a constants object for " + triple.str());

  // Layout: ELF header, .rodata, .strtab, .shstrtab, .symtab, section
  // headers.
  uint64_t align = 16;
  for (const ExternalConstant &c : constants)
    align = std::max<uint64_t>(align, llvm::PowerOf2Ceil(c.alignment));
  std::vector<uint64_t> offsets;
  uint64_t rodataSize = 0;
  for (const ExternalConstant &c : constants) {
    rodataSize = alignTo(rodataSize, std::max<uint64_t>(1, c.alignment));
    offsets.push_back(rodataSize);
    rodataSize += c.bytes.size();
  }
  std::string strtab(1, '\0');
  std::vector<uint32_t> names;
  for (const ExternalConstant &c : constants) {
    names.push_back(strtab.size());
    strtab += c.symbol;
    strtab += '\0';
  }
  const char *sectionNames[] = {"",        ".rodata", ".note.GNU-stack",
                                ".symtab", ".strtab", ".shstrtab"};
  std::string shstrtab;
  std::vector<uint32_t> sectionNameOffsets;
  for (const char *n : sectionNames) {
    sectionNameOffsets.push_back(shstrtab.size());
    shstrtab += n;
    shstrtab += '\0';
  }
  const uint64_t headerSize = sizeof(ELF::Elf64_Ehdr);
  uint64_t rodataOffset = alignTo(headerSize, align);
  uint64_t strtabOffset = rodataOffset + rodataSize;
  uint64_t shstrtabOffset = strtabOffset + strtab.size();
  uint64_t symtabOffset = alignTo(shstrtabOffset + shstrtab.size(), 8);
  uint64_t symtabSize = (constants.size() + 1) * sizeof(ELF::Elf64_Sym);
  uint64_t sectionsOffset = alignTo(symtabOffset + symtabSize, 8);

  uint64_t written = 0;
  auto pad = [&](uint64_t to) {
    for (; written < to; ++written)
      os << '\0';
  };
  auto put = [&](auto value) {
    support::endian::write(os, value, endianness::little);
    written += sizeof(value);
  };
  auto bytes = [&](StringRef s) {
    os << s;
    written += s.size();
  };

  // The ELF header.
  bytes(StringRef("\x7f"
                  "ELF",
                  4));
  put(uint8_t(ELF::ELFCLASS64));
  put(uint8_t(ELF::ELFDATA2LSB));
  put(uint8_t(ELF::EV_CURRENT));
  put(uint8_t(ELF::ELFOSABI_NONE));
  pad(ELF::EI_NIDENT);
  put(uint16_t(ELF::ET_REL));
  put(machine);
  put(uint32_t(ELF::EV_CURRENT));
  put(uint64_t(0)); // e_entry
  put(uint64_t(0)); // e_phoff
  put(sectionsOffset);
  put(uint32_t(0)); // e_flags
  put(uint16_t(headerSize));
  put(uint16_t(0)); // e_phentsize
  put(uint16_t(0)); // e_phnum
  put(uint16_t(sizeof(ELF::Elf64_Shdr)));
  put(uint16_t(std::size(sectionNames)));
  put(uint16_t(5)); // e_shstrndx

  // .rodata, straight from the blobs.
  for (auto [c, offset] : llvm::zip(constants, offsets)) {
    pad(rodataOffset + offset);
    bytes(StringRef(c.bytes.data(), c.bytes.size()));
  }
  pad(strtabOffset);
  bytes(strtab);
  bytes(shstrtab);

  // .symtab: the null symbol, then one hidden global object per constant.
  pad(symtabOffset);
  auto symbol = [&](uint32_t name, uint8_t info, uint8_t other,
                    uint16_t section, uint64_t value, uint64_t size) {
    put(name);
    put(info);
    put(other);
    put(section);
    put(value);
    put(size);
  };
  symbol(0, 0, 0, 0, 0, 0);
  for (size_t i = 0; i < constants.size(); ++i)
    symbol(names[i], (ELF::STB_GLOBAL << 4) | ELF::STT_OBJECT, ELF::STV_HIDDEN,
           1, offsets[i], constants[i].bytes.size());

  // Section headers.
  pad(sectionsOffset);
  auto section = [&](int index, uint32_t type, uint64_t flags, uint64_t offset,
                     uint64_t size, uint32_t link, uint32_t info,
                     uint64_t alignment, uint64_t entsize) {
    put(index ? sectionNameOffsets[index] : uint32_t(0));
    put(type);
    put(flags);
    put(uint64_t(0)); // sh_addr
    put(offset);
    put(size);
    put(link);
    put(info);
    put(alignment);
    put(entsize);
  };
  section(0, ELF::SHT_NULL, 0, 0, 0, 0, 0, 0, 0);
  section(1, ELF::SHT_PROGBITS, ELF::SHF_ALLOC, rodataOffset, rodataSize, 0, 0,
          align, 0);
  section(2, ELF::SHT_PROGBITS, 0, rodataOffset, 0, 0, 0, 1, 0);
  section(3, ELF::SHT_SYMTAB, 0, symtabOffset, symtabSize, /*link=*/4,
          /*info: first global=*/1, 8, sizeof(ELF::Elf64_Sym));
  section(4, ELF::SHT_STRTAB, 0, strtabOffset, strtab.size(), 0, 0, 1, 0);
  section(5, ELF::SHT_STRTAB, 0, shstrtabOffset, shstrtab.size(), 0, 0, 1, 0);
  if (os.has_error())
    return error("cannot write the constants object");
  return Error::success();
}

} // namespace fulcrum
