//===- SNNOps.td - The snn dialect --------------------------*- tablegen -*-===//
//
// Part of Fulcrum. Spiking neural networks: synapses (affine, convolution,
// pooling, flatten, scale, delay) and neurons (IF, LIF) connected as a
// dataflow graph that runs once per timestep. Mirrors the node types of NIR
// (the Neuromorphic Intermediate Representation), which the NIR target
// exports and imports.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_DIALECT_SNN_IR_SNNOPS_TD
#define FULCRUM_DIALECT_SNN_IR_SNNOPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def SNN_Dialect : Dialect {
  let name = "snn";
  let cppNamespace = "::fulcrum::snn";
  let summary = "Spiking neural networks (IF/LIF neurons, synapses, pooling)";
  let description = [{
    A function in the `snn` dialect describes one timestep of a spiking
    network: `snn.input` marks the graph input (a per-sample tensor, no
    batch dimension), synapse ops (`snn.affine`, `snn.conv2d`,
    `snn.sum_pool2d`, `snn.avg_pool2d`, `snn.spike_max_pool2d`,
    `snn.flatten`, `snn.scale`, `snn.delay`) turn spikes or currents into currents, neuron ops
    (`snn.if`, `snn.lif`) integrate the sum of their operands and emit
    spikes (0 or 1), and `snn.output` is the graph output (the readout sums
    it over timesteps). Neurons and outputs take any number of operands,
    which are summed, as NIR sums the edges that enter a node. Every op may
    carry a `name` (the NIR node name), kept through export and import.

    Neuron dynamics per timestep (dt = 1), with `I` the summed input:

    - IF: `v += r * I`;
    - LIF: `v += (v_leak - v + r * I) / tau`;
    - then `s = (v >= v_threshold)` and, where `s`, `v -= v_threshold`
      (`reset = "subtract"`) or `v = v_reset` (`reset = "zero"`).

    The membrane starts at `v_init` (0 without it). Converted networks
    start at half the threshold, which makes the spike count after T steps
    round, rather than floor, the ANN activation times T / threshold (Bu et
    al., Optimal ANN-SNN Conversion for High-accuracy and Ultra-low-latency
    Spiking Neural Networks, ICLR 2022).

    Parameters are dense f32 attributes of the neurons' shape (a splat when
    all neurons share a value). Weights keep NIR's layout: affine
    `[out, in]`, conv2d `[out, in/groups, kh, kw]`.
  }];
}

class SNN_Op<string mnemonic, list<Trait> traits = []>
    : Op<SNN_Dialect, mnemonic, !listconcat(traits, [Pure])> {
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def SNN_Tensor : RankedTensorOf<[F32]>;
def F32ElementsAttr : FloatElementsAttr<32>;

def SNN_InputOp : SNN_Op<"input"> {
  let summary = "Graph input (NIR Input)";
  let description = [{
    Marks a function argument as the network's input. The result has the
    argument's per-sample type.
  }];
  let arguments = (ins SNN_Tensor:$value, OptionalAttr<StrAttr>:$name);
  let results = (outs SNN_Tensor:$result);
  let hasVerifier = 1;
}

def SNN_OutputOp : SNN_Op<"output"> {
  let summary = "Graph output (NIR Output): the sum of its operands";
  let description = [{
    The network's readout: the sum of its operands at each timestep. The
    simulator accumulates it over timesteps; the class is its argmax.
  }];
  let arguments = (ins Variadic<SNN_Tensor>:$inputs, OptionalAttr<StrAttr>:$name);
  let results = (outs SNN_Tensor:$result);
  let hasVerifier = 1;
}

def SNN_AffineOp : SNN_Op<"affine"> {
  let summary = "Fully connected synapses: W x + b (NIR Affine / Linear)";
  let arguments = (ins SNN_Tensor:$input, F32ElementsAttr:$weight,
                   OptionalAttr<F32ElementsAttr>:$bias,
                   OptionalAttr<StrAttr>:$name);
  let results = (outs SNN_Tensor:$result);
  let hasVerifier = 1;
}

def SNN_Conv2dOp : SNN_Op<"conv2d"> {
  let summary = "Convolutional synapses (NIR Conv2d)";
  let description = [{
    A 2-D convolution of a `[C, H, W]` input with weight
    `[F, C/groups, kh, kw]`, symmetric `padding` `[ph, pw]`, `stride` and
    `dilation` `[sh, sw]`, and an optional bias `[F]`.
  }];
  let arguments = (ins SNN_Tensor:$input, F32ElementsAttr:$weight,
                   OptionalAttr<F32ElementsAttr>:$bias,
                   DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                   DenseI64ArrayAttr:$dilation,
                   DefaultValuedAttr<I64Attr, "1">:$groups,
                   OptionalAttr<StrAttr>:$name);
  let results = (outs SNN_Tensor:$result);
  let hasVerifier = 1;
}

def SNN_SumPool2dOp : SNN_Op<"sum_pool2d"> {
  let summary = "Sum pooling (NIR SumPool2d)";
  let arguments = (ins SNN_Tensor:$input, DenseI64ArrayAttr:$kernel_size,
                   DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                   OptionalAttr<StrAttr>:$name);
  let results = (outs SNN_Tensor:$result);
  let hasVerifier = 1;
}

def SNN_AvgPool2dOp : SNN_Op<"avg_pool2d"> {
  let summary = "Average pooling (NIR AvgPool2d)";
  let arguments = (ins SNN_Tensor:$input, DenseI64ArrayAttr:$kernel_size,
                   DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                   OptionalAttr<StrAttr>:$name);
  let results = (outs SNN_Tensor:$result);
  let hasVerifier = 1;
}

def SNN_SpikeMaxPool2dOp : SNN_Op<"spike_max_pool2d"> {
  let summary = "Max pooling of accumulated inputs (Fulcrum extension)";
  let description = [{
    Max pooling for rate-coded spike trains. Each input element `i`
    accumulates its input over the timesteps, `S_i(t) = x_i(1) + ... +
    x_i(t)` (its spike count when the input is spikes); each window `w`
    outputs the increase of its largest accumulator:
    `y_w(t) = max_{i in w} S_i(t) - max_{i in w} S_i(t - 1)`, with
    `S(0) = 0`. Padded positions take no part in the max.

    The output summed over timesteps is therefore exactly the max pooling
    of the summed inputs, at every timestep; with spikes in, the max of
    the counts grows by at most one per step, so the output is itself a
    spike train (0 or 1). This is the counting form of the spike-gated max
    of Rueckauer et al. (2017), which passes the spikes of the input that
    has fired most so far: it converges to max pooling of the firing
    rates, without the gate's switching error.

    NIR has no max pooling node; the exporter writes this op as the
    Fulcrum extension node type `SpikeMaxPool2d` with `kernel_size`,
    `stride` and `padding` as `SumPool2d` has them.
  }];
  let arguments = (ins SNN_Tensor:$input, DenseI64ArrayAttr:$kernel_size,
                   DenseI64ArrayAttr:$stride, DenseI64ArrayAttr:$padding,
                   OptionalAttr<StrAttr>:$name);
  let results = (outs SNN_Tensor:$result);
  let hasVerifier = 1;
}

def SNN_FlattenOp : SNN_Op<"flatten"> {
  let summary = "Flattens dimensions start_dim..end_dim (NIR Flatten)";
  let description = [{
    Dimensions count from the first per-sample dimension (NIR files often
    count the batch; the importer shifts them).
  }];
  let arguments = (ins SNN_Tensor:$input,
                   DefaultValuedAttr<I64Attr, "0">:$start_dim,
                   DefaultValuedAttr<I64Attr, "-1">:$end_dim,
                   OptionalAttr<StrAttr>:$name);
  let results = (outs SNN_Tensor:$result);
  let hasVerifier = 1;
}

def SNN_ScaleOp : SNN_Op<"scale"> {
  let summary = "Element-wise scaling (NIR Scale)";
  let arguments = (ins SNN_Tensor:$input, F32ElementsAttr:$scale,
                   OptionalAttr<StrAttr>:$name);
  let results = (outs SNN_Tensor:$result);
  let hasVerifier = 1;
}

def SNN_DelayOp : SNN_Op<"delay"> {
  let summary = "Axonal delay in timesteps (NIR Delay)";
  let description = [{
    Outputs its input delayed by `delay` timesteps (per element, rounded to
    whole timesteps; zero before the first delayed value arrives).
  }];
  let arguments = (ins SNN_Tensor:$input, F32ElementsAttr:$delay,
                   OptionalAttr<StrAttr>:$name);
  let results = (outs SNN_Tensor:$result);
  let hasVerifier = 1;
}

def SNN_IFOp : SNN_Op<"if"> {
  let summary = "Integrate-and-fire neurons (NIR IF)";
  let arguments = (ins Variadic<SNN_Tensor>:$inputs, F32ElementsAttr:$r,
                   F32ElementsAttr:$v_threshold,
                   OptionalAttr<F32ElementsAttr>:$v_reset,
                   OptionalAttr<F32ElementsAttr>:$v_init,
                   DefaultValuedStrAttr<StrAttr, "subtract">:$reset,
                   OptionalAttr<StrAttr>:$name);
  let results = (outs SNN_Tensor:$result);
  let hasVerifier = 1;
}

def SNN_LIFOp : SNN_Op<"lif"> {
  let summary = "Leaky integrate-and-fire neurons (NIR LIF)";
  let arguments = (ins Variadic<SNN_Tensor>:$inputs, F32ElementsAttr:$tau,
                   F32ElementsAttr:$r, F32ElementsAttr:$v_leak,
                   F32ElementsAttr:$v_threshold,
                   OptionalAttr<F32ElementsAttr>:$v_reset,
                   OptionalAttr<F32ElementsAttr>:$v_init,
                   DefaultValuedStrAttr<StrAttr, "subtract">:$reset,
                   OptionalAttr<StrAttr>:$name);
  let results = (outs SNN_Tensor:$result);
  let hasVerifier = 1;
}

#endif // FULCRUM_DIALECT_SNN_IR_SNNOPS_TD
