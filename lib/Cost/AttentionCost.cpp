//===- AttentionCost.cpp - The fused attention kernel priced --------------===//
//
// Part of Fulcrum.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Cost/AttentionCost.h"

#include "fulcrum/Cost/CostModel.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cmath>

namespace fulcrum::cost {

bool isTransposedAttention(const AttentionShape &shape, int64_t tile) {
  return !shape.bf16 && !shape.masked && tile >= shape.keys &&
         shape.keys <= kTransposedAttentionKeys;
}

AttentionTileEstimate estimateAttention(const TargetDescription &target,
                                        const AttentionShape &shape,
                                        int64_t tile) {
  AttentionTileEstimate result;
  int64_t keys = std::max<int64_t>(shape.keys, 1);
  tile = std::clamp<int64_t>(tile, 1, keys);
  result.tile = tile;
  // The kernel's vectors of keys and its register tile of query rows (8
  // rows on AVX-512, 2 on AVX2, 1 in portable C: Kernels/attention.c).
  int64_t lanes = std::max<int64_t>(target.vectorBits / 32, 1);
  int64_t registerRows = target.vectorBits >= 512   ? 8
                         : target.vectorBits >= 256 ? 2
                                                    : 1;
  // Every tile is padded to whole vectors of its own keys.
  int64_t tiles = llvm::divideCeil(keys, tile);
  int64_t fullWidth = llvm::alignTo(tile, lanes);
  int64_t columns =
      (tiles - 1) * fullWidth + llvm::alignTo(keys - (tiles - 1) * tile, lanes);
  double pairs = std::max<int64_t>(shape.pairs, 1);
  double queries = std::max<int64_t>(shape.queries, 1);
  double depth = shape.headDim + shape.valueDim;

  // The two products over the computed columns, at the efficiency of the
  // whole attention's products (the same for every tile), and one
  // exponential per computed score.
  // Transposed: the scores and exponentials of every key for query rows
  // in blocks of 16 (Kernels/attention.c's BR), the values' products per
  // row.
  bool transposed = isTransposedAttention(shape, tile);
  double scoreRows =
      transposed ? static_cast<double>(llvm::alignTo(queries, 16)) : queries;
  if (transposed)
    columns = keys;
  double flops = 2 * pairs * columns *
                 (scoreRows * shape.headDim + queries * shape.valueDim);
  double directFlops =
      2 * pairs * queries * llvm::alignTo(keys, lanes) * depth / 1e9;
  double efficiency = interpolateEfficiency(
      target.dynamicGemmEfficiency, directFlops,
      interpolateEfficiency(target.gemmEfficiency, directFlops, 1));
  double peak =
      target.getPeak(shape.bf16 ? DataType::BF16 : DataType::F32) * 1e9;
  double peakF32 = target.getPeak(DataType::F32) * 1e9;
  if (peak > 0 && efficiency > 0)
    result.compute = flops / (peak * efficiency);
  if (peakF32 > 0 && target.elementwiseEfficiency > 0)
    result.compute += pairs * scoreRows * columns * target.transcendentalFlops /
                      (peakF32 * target.elementwiseEfficiency);

  // The online softmax's bookkeeping, per query row and tile.
  if (!transposed)
    result.overhead =
        pairs * queries * tiles * target.attentionTileRowOverheadUs * 1e-6;

  // A tile's keys and values (and the register tile's score rows) come
  // from the smallest cache whose half holds them; each register tile of
  // query rows reads them again. Reads from the first level are in the
  // compute rate; from farther, the extra time over first-level reads.
  double elementBytes = shape.bf16 ? 2 : 4;
  double tileBytes =
      depth * fullWidth * elementBytes + registerRows * fullWidth * 4.0;
  double bandwidth = target.dramBandwidthGBs, firstLevel = 0;
  result.level = static_cast<unsigned>(target.caches.size()) + 1;
  for (const CacheLevel &cache : target.caches) {
    if (cache.level == 1)
      firstLevel = cache.bandwidthGBs;
    if (tileBytes <= cache.sizeBytes / 2) {
      result.level = cache.level;
      bandwidth = cache.bandwidthGBs;
      break;
    }
  }
  if (result.level > 1 && bandwidth > 0) {
    double streamed = pairs * std::ceil(queries / registerRows) * columns *
                      depth * elementBytes;
    double extra =
        1 / (bandwidth * 1e9) - (firstLevel > 0 ? 1 / (firstLevel * 1e9) : 0);
    result.memory = std::max(0.0, streamed * extra);
  }
  result.seconds = result.compute + result.overhead + result.memory;
  return result;
}

int64_t chooseAttentionKeyTile(const TargetDescription &target,
                               const AttentionShape &shape) {
  int64_t keys = std::max<int64_t>(shape.keys, 1);
  llvm::SmallVector<int64_t> tiles;
  for (int64_t tile = 32; tile < keys; tile += 32)
    tiles.push_back(tile);
  tiles.push_back(keys);
  int64_t best = keys;
  double bestSeconds = 0;
  for (int64_t tile : tiles) {
    AttentionTileEstimate estimate = estimateAttention(target, shape, tile);
    if (tile == tiles.front() || estimate.seconds <= bestSeconds) {
      best = tile;
      bestSeconds = estimate.seconds;
    }
  }
  return best;
}

} // namespace fulcrum::cost
