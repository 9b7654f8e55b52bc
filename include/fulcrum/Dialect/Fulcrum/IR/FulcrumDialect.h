//===- FulcrumDialect.h - The fulcrum dialect -------------------*- C++ -*-===//
//
// Part of Fulcrum. The `fulcrum` dialect: fused contractions, layer
// normalization, GELU and optimization annotations (see FulcrumOps.td).
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_DIALECT_FULCRUM_IR_FULCRUMDIALECT_H
#define FULCRUM_DIALECT_FULCRUM_IR_FULCRUMDIALECT_H

#include "mlir/IR/Dialect.h"

#include "fulcrum/Dialect/Fulcrum/IR/FulcrumDialect.h.inc"

#endif // FULCRUM_DIALECT_FULCRUM_IR_FULCRUMDIALECT_H
