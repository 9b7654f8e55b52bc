//===- AttentionCost.h - The fused attention kernel priced ------*- C++ -*-===//
//
// Part of Fulcrum. The fused attention kernel (the CPU target's
// Kernels/attention.c) takes the keys a tile at a time. One tile holding
// every key is the direct form (an exact two-pass softmax over whole rows);
// smaller tiles run the online softmax. The tile changes three costs:
//
//   - the columns computed: every tile is padded to whole vectors of keys,
//     so 197 keys in tiles of 96 compute 96 + 96 + 16 columns;
//   - the bookkeeping of the online softmax, once per query row and tile
//     (TargetDescription::attentionTileRowOverheadUs);
//   - where a tile's keys and values are read from: each register tile of
//     query rows reads them again, from the smallest cache level that holds
//     them.
//
// The direct form of an unmasked fp32 attention over at most 512 keys runs
// transposed (isTransposedAttention): its keys are not padded, its query
// rows are (to blocks of 16), and it has no per-row bookkeeping.
//
// chooseAttentionKeyTile prices each candidate tile so and takes the
// cheapest; docs/CostModel.md gives the formulas.
//
//===----------------------------------------------------------------------===//

#ifndef FULCRUM_COST_ATTENTIONCOST_H
#define FULCRUM_COST_ATTENTIONCOST_H

#include "fulcrum/Cost/TargetDescription.h"

#include <cstdint>
#include <string>

namespace fulcrum::cost {

/// One fused attention: `pairs` (batch x heads) independent products of
/// `queries` x `keys` scores over `headDim`, then probabilities x values of
/// `valueDim`.
struct AttentionShape {
  int64_t pairs = 1;
  int64_t queries = 0, keys = 0, headDim = 0, valueDim = 0;
  /// Both products take bf16 operands (--attention-precision=bf16).
  bool bf16 = false;
  /// A mask, causal masking or a window applies.
  bool masked = false;
};

/// The most keys the kernel's transposed direct form takes (its scores,
/// [keys][16 rows], stay within 32 KiB).
constexpr int64_t kTransposedAttentionKeys = 512;

/// Whether the kernel runs the direct form of `shape` transposed: fp32, no
/// mask and at most kTransposedAttentionKeys keys. A block of 16 query rows
/// keeps one vector of scores per key, so no key is padded and the softmax
/// needs no per-row bookkeeping; its rows are padded to whole blocks.
bool isTransposedAttention(const AttentionShape &shape, int64_t tile);

/// One candidate key tile priced.
struct AttentionTileEstimate {
  /// Keys per tile; `keys` itself is the direct form.
  int64_t tile = 0;
  /// Predicted seconds on one core, and the parts: the products and
  /// exponentials (compute), the online softmax's bookkeeping (overhead)
  /// and the extra time of reading the tiles from beyond the first-level
  /// cache (memory).
  double seconds = 0, compute = 0, overhead = 0, memory = 0;
  /// The cache level the tile's keys and values are read from.
  unsigned level = 1;
};

/// The kernel's time on one core with key tiles of `tile` keys (clamped to
/// [1, keys]).
AttentionTileEstimate estimateAttention(const TargetDescription &target,
                                        const AttentionShape &shape,
                                        int64_t tile);

/// The key tile the fused kernel should take: the cheapest of the direct
/// form and every multiple of 32 keys below `keys` (the kernel's register
/// tile is 32 keys wide on AVX-512), the larger on a tie.
int64_t chooseAttentionKeyTile(const TargetDescription &target,
                               const AttentionShape &shape);

} // namespace fulcrum::cost

#endif // FULCRUM_COST_ATTENTIONCOST_H
