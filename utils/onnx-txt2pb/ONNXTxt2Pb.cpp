//===- ONNXTxt2Pb.cpp - ONNX textual syntax to a binary .onnx -------------===//
//
// Part of Fulcrum (test utility). Converts a model written in ONNX's textual
// syntax (onnx/defs/parser.h) to a binary ModelProto, so that lit tests can
// keep their models readable and still exercise the binary reader:
//
//   fulcrum-onnx-txt2pb model.onnxtxt -o model.onnx
//
//===----------------------------------------------------------------------===//

#include "onnx/defs/parser.h"

#include <fstream>
#include <iostream>
#include <sstream>

int main(int argc, char **argv) {
  if (argc != 4 || std::string(argv[2]) != "-o") {
    std::cerr << "usage: fulcrum-onnx-txt2pb IN.onnxtxt -o OUT.onnx\n";
    return 1;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "fulcrum-onnx-txt2pb: cannot read " << argv[1] << "\n";
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string source = text.str();
  onnx::ModelProto model;
  onnx::OnnxParser parser(source.c_str());
  auto status = parser.Parse(model);
  if (!status.IsOK()) {
    std::cerr << "fulcrum-onnx-txt2pb: " << argv[1] << ": "
              << status.ErrorMessage() << "\n";
    return 1;
  }
  std::ofstream out(argv[3], std::ios::binary);
  if (!model.SerializeToOstream(&out)) {
    std::cerr << "fulcrum-onnx-txt2pb: cannot write " << argv[3] << "\n";
    return 1;
  }
  return 0;
}
