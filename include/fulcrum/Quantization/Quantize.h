//===- Quantize.h - Post-training quantization ------------------*- C++ -*-===//
//
// Part of Fulcrum. The flow behind `fulcrum-compile --quantize=int8
// --calibration-data FILE`: the model is taken through the graph phase
// (without fusion), run in fp32 on the calibration inputs with the inputs of
// every Conv, MatMul and Gemm as extra outputs, a range is chosen for each
// of those activations (MinMax, Percentile, Entropy or MSE), and the
// `fulcrum-onnx-quantize` pass rewrites the contractions into ONNX's QDQ
// form (per-tensor activations, per-channel int8 weights, int32 biases).
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_QUANTIZATION_QUANTIZE_H
#define FULCRUM_QUANTIZATION_QUANTIZE_H

#include "fulcrum/Driver/Driver.h"
#include "fulcrum/Execution/HostTensor.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>
#include <vector>

namespace fulcrum::quant {

enum class CalibrationMethod { MinMax, Percentile, Entropy, MSE };

/// Parses `minmax|percentile|entropy|mse`.
std::optional<CalibrationMethod> parseCalibrationMethod(llvm::StringRef name);
llvm::StringRef stringifyCalibrationMethod(CalibrationMethod method);

struct CalibrationOptions {
  CalibrationMethod method = CalibrationMethod::MinMax;
  /// Percentile: the share of |x| the range covers, in percent.
  double percentile = 99.99;
  /// Histogram bins of |x| for Percentile, Entropy and MSE.
  unsigned bins = 2048;
  /// Activations are asymmetric uint8 (else symmetric int8): the levels
  /// Entropy and MSE assume.
  bool asymmetric = true;
};

/// The statistics of one activation over the calibration inputs.
struct ActivationStats {
  double min = 0, max = 0;
  /// Counts of |x| in `bins` equal bins over [0, max(|min|, |max|)].
  std::vector<double> histogram;
};

/// The range [lo, hi] that `options.method` chooses for `stats`.
std::pair<double, double> chooseRange(const ActivationStats &stats,
                                      const CalibrationOptions &options);

struct QuantizeOptions {
  CalibrationOptions calibration;
  /// How many calibration samples are used (0: all).
  int64_t count = 0;
  /// Samples per call of the fp32 model (a static batch dimension wins).
  int64_t batch = 50;
  /// `fulcrum-onnx-quantize`'s options.
  std::string activationType = "u8";
  unsigned weightBits = 8;
  bool quantizeActivationMatMuls = true;
  /// Quantize the two products of the attention blocks that
  /// fulcrum-recognize-attention fuses (Q K^T and P V). Off by default:
  /// quantized, they leave the fused attention kernel (one pass over the
  /// keys, no score matrix) for two int8 products and an unfused softmax,
  /// which measured slower (the Fashion-MNIST ViT: 0.28 against 0.18 ms).
  bool quantizeAttention = false;
  /// Names of contractions (their ONNX node names) kept in fp32.
  std::vector<std::string> keepFloat;
};

/// The calibration inputs: one tensor per model input, holding all samples
/// along dimension 0. Read from a `.npy` file (the model's one input), a
/// `.npz` file (arrays matched to inputs by name, else in order), or a
/// directory of such files, whose samples are concatenated in file-name
/// order. A file whose arrays have one dimension less than the input holds
/// one sample. Element types and static dimensions are checked against
/// `signature`; at most `count` samples are kept (0: all). Errors name the
/// file and the reason.
llvm::Expected<std::vector<HostTensor>>
readCalibrationData(llvm::StringRef path, const EntrySignature &signature,
                    int64_t count);

/// What quantization did, for the tool to print.
struct QuantizeReport {
  int64_t samples = 0;
  int64_t contractions = 0, quantized = 0;
  /// One line per contraction: its name, operator and precision.
  std::vector<std::string> layers;
  /// The ONNX node names of the contractions quantized to int8.
  std::vector<std::string> quantizedNames;
  /// Those of the attention products kept in fp32 (quantizeAttention off).
  std::vector<std::string> attentionNames;
};

/// Quantizes the session's model (loaded, at the import phase) in place:
/// runs it through the graph phase without fusion, calibrates on `inputs`
/// and rewrites it into QDQ form. The session then compiles it as usual,
/// and `CompileSession::writeONNX` exports the QDQ model.
llvm::Expected<QuantizeReport>
quantizeModel(CompileSession &session, const std::vector<HostTensor> &inputs,
              const QuantizeOptions &options);

} // namespace fulcrum::quant

#endif // FULCRUM_QUANTIZATION_QUANTIZE_H
