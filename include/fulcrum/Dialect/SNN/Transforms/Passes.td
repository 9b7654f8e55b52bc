//===- Passes.td - ANN-to-SNN conversion passes -------------*- tablegen -*-===//
//
// Part of Fulcrum. Passes of the neuromorphic (NIR) target: calibration of
// activation scales, conversion of ReLU networks to spiking networks, and
// the hardware fixes a chip's limits ask for.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_DIALECT_SNN_TRANSFORMS_PASSES_TD
#define FULCRUM_DIALECT_SNN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def SNNCalibrate : Pass<"fulcrum-snn-calibrate", "::mlir::ModuleOp"> {
  let summary = "Record activation percentiles of a ReLU network on calibration data";
  let description = [{
    Runs the entry point (an `onnx`-dialect ReLU network with one input)
    on the images of `calibration-data` (a `.npy` float32 array whose first
    dimension is the batch) through Fulcrum's CPU target (the same JIT
    `fulcrum-run` uses), with every `onnx.Relu` result made an extra output.
    Each Relu gets the discardable attribute `snn.activation_scale`: the
    `percentile`-th percentile of its positive activations over all images
    and neurons (99.9 by default, the robust normalization of Rueckauer et
    al., 2017). With `per-channel` (the default), each Relu also gets
    `snn.channel_scales`, a `tensor<Cxf32>` of the same percentile taken
    per channel (dimension 1 of its result: the channels of a convolution,
    the neurons of a Gemm), the channel-wise normalization of Kim et al.
    (Spiking-YOLO, AAAI 2020): a channel whose activations stay small gets
    a lower threshold and fires at a useful rate, which shortens the
    timesteps a converted network needs; a channel with no positive
    activation on the data keeps the layer's scale. A `onnx.MaxPool` fed
    by a Relu gets `snn.maxpool_gain`, the
    ratio of the mean of its max-pooled to its average-pooled activations
    on the same data (the ANN-to-SNN conversion approximates max pooling by
    average pooling times this gain).

    The module is not otherwise changed. Errors: no calibration data, an
    unreadable file, a model the CPU target cannot compile.

    ```mlir
    %8 = onnx.Relu(%7) : (tensor<?x512xf32>) -> tensor<?x512xf32>
    // becomes
    %8 = onnx.Relu(%7) {snn.activation_scale = 3.71 : f32,
                        snn.channel_scales = dense<[...]> : tensor<512xf32>}
    ```
  }];
  let options = [
    Option<"calibrationData", "calibration-data", "std::string", "",
           "A .npy file of calibration inputs (batch first)">,
    Option<"percentile", "percentile", "double", "99.9",
           "Percentile of the positive activations that becomes the scale">,
    Option<"maxSamples", "max-samples", "int64_t", "1000",
           "Use at most this many calibration inputs">,
    Option<"perChannel", "per-channel", "bool", "true",
           "Also record one scale per channel (snn.channel_scales)">,
    Option<"entryPoint", "entry-point", "std::string", "\"main_graph\"",
           "The function to calibrate">
  ];
  let dependentDialects = ["::fulcrum::onnx::ONNXDialect"];
  let statistics = [
    Statistic<"numAnnotated", "num-annotated", "Relu and MaxPool ops annotated">
  ];
}

def ConvertONNXToSNN : Pass<"fulcrum-convert-onnx-to-snn", "::mlir::ModuleOp"> {
  let summary = "Convert a calibrated ReLU network to a rate-coded spiking network";
  let description = [{
    Rewrites the entry point, an `onnx`-dialect ReLU network whose Relu ops
    carry `snn.activation_scale` (from `fulcrum-snn-calibrate`), into the
    `snn` dialect on per-sample tensors (the batch dimension is dropped):

    - Gemm, MatMul (constant right operand) become `snn.affine`; Conv
      (symmetric padding) becomes `snn.conv2d`; a constant Add after them
      joins their bias; Flatten (axis 1) becomes `snn.flatten`;
      AveragePool and GlobalAveragePool become `snn.avg_pool2d`;
    - each Relu becomes `snn.if` neurons (reset by subtraction, r = 1) with
      threshold balancing: the threshold is the Relu's activation scale
      `lambda`, and the weights of the synapses its spikes drive are
      multiplied by `lambda` (the data-based normalization of Diehl et al.,
      2015 and Rueckauer et al., 2017, written with unnormalized weights),
      so a neuron's firing rate approximates its ReLU activation / lambda;
      with `neuron=lif`, `snn.lif` neurons instead, with `tau = r =
      lif-tau` and `v_leak = 0` (each step adds the input current and
      leaks `v / tau`: the rate falls slightly below the ReLU's, less so
      for a larger `lif-tau`), for chips whose neurons always leak;
    - a residual Add of two non-constant values becomes two operands of the
      neuron that follows it (NIR sums the edges into a node); spikes that
      join such a sum directly are scaled by their `lambda` (`snn.scale`);
    - MaxPool becomes `snn.spike_max_pool2d` (`maxpool=spike-max`, the
      default): each window passes the increase of the largest spike count
      among its inputs, so the pooled count is exactly the max of the
      counts at every timestep (a Fulcrum extension node in NIR files);
      with `maxpool=avg` (for toolchains that read only NIR's own nodes),
      an unpadded MaxPool is approximated by average pooling followed by
      `snn.scale` with the `snn.maxpool_gain` the calibration measured (1
      without it): the spike rate of a pooled window's average is below
      that of its maximum, and the gain corrects the mean;
    - the network input is fed as a constant current each timestep (direct
      encoding); the result is `snn.output`, the readout the simulator sums
      over timesteps.

    BatchNormalization must have been folded into the preceding Conv
    (`fulcrum-fold-scale-shift` does so). Any other operator is an error
    naming the node, as is an unknown `maxpool` or `neuron`, or a `lif-tau`
    that is not positive. The scales come from the attributes.

    ```mlir
    %7 = onnx.Gemm(%6, %w, %b) {transB = 1 : i64} : ...
    %8 = onnx.Relu(%7) {snn.activation_scale = 2.0 : f32} : ...
    // becomes
    %1 = snn.affine %0 {weight = dense<...>, bias = dense<...>} : ...
    %2 = snn.if %1 {r = dense<1.0>, v_threshold = dense<2.0>} : ...
    ```
  }];
  let options = [
    Option<"entryPoint", "entry-point", "std::string", "\"main_graph\"",
           "The function to convert">,
    Option<"maxpool", "maxpool", "std::string", "\"spike-max\"",
           "MaxPool conversion: spike-max (snn.spike_max_pool2d) or avg "
           "(average pooling times the calibrated gain)">,
    Option<"neuron", "neuron", "std::string", "\"if\"",
           "Neuron model: if (integrate-and-fire) or lif (leaky)">,
    Option<"lifTau", "lif-tau", "double", "100",
           "The LIF neurons' time constant in timesteps (neuron=lif)">
  ];
  let dependentDialects = ["::fulcrum::snn::SNNDialect"];
  let statistics = [
    Statistic<"numNeurons", "num-neuron-layers", "Neuron layers created">,
    Statistic<"numMaxPools", "num-maxpools-approximated",
              "MaxPools converted">
  ];
}

def SNNQuantizeWeights : Pass<"fulcrum-snn-quantize-weights", "::mlir::ModuleOp"> {
  let summary = "Round synaptic weights to a chip's weight precision";
  let description = [{
    Rounds the weights (and biases) of every `snn.affine` and `snn.conv2d`
    to `bits`-bit signed integers times one scale per layer (symmetric,
    `scale = max|w| / (2^(bits-1) - 1)`), as a neuromorphic chip stores
    them; the values stay f32 multiples of the scale, so the simulator and
    the NIR file see exactly what the chip would. With `bits = 0` the pass
    does nothing. Reports the largest relative rounding error per layer as
    a remark when `remarks` is set.

    ```mlir
    %1 = snn.affine %0 {weight = dense<[[0.3, -1.0]]> : tensor<1x2xf32>}
    // bits = 2: scale 1.0, becomes
    %1 = snn.affine %0 {weight = dense<[[0.0, -1.0]]> : tensor<1x2xf32>}
    ```
  }];
  let options = [
    Option<"bits", "bits", "unsigned", "8", "Weight bit width (0: off)">,
    Option<"remarks", "remarks", "bool", "false",
           "Report each layer's rounding error">
  ];
  let statistics = [
    Statistic<"numLayers", "num-layers", "Layers quantized">
  ];
}

#endif // FULCRUM_DIALECT_SNN_TRANSFORMS_PASSES_TD
