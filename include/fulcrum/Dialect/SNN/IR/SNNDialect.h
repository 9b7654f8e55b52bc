//===- SNNDialect.h - The snn dialect ---------------------------*- C++ -*-===//
//
// Part of Fulcrum. The `snn` dialect: spiking neurons, synapses and pooling
// (see SNNOps.td).
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_DIALECT_SNN_IR_SNNDIALECT_H
#define FULCRUM_DIALECT_SNN_IR_SNNDIALECT_H

#include "mlir/IR/Dialect.h"

#include "fulcrum/Dialect/SNN/IR/SNNDialect.h.inc"

#endif // FULCRUM_DIALECT_SNN_IR_SNNDIALECT_H
