//===- Tensor.cpp - Type inference of tensor manipulation ops -------------===//
//
// Part of Fulcrum. Constant, Reshape, Transpose, Concat, Flatten, Gather,
// Slice.
//
//===----------------------------------------------------------------------===//

#include "fulcrum/Dialect/ONNX/IR/ONNXOps.h"
#include "fulcrum/Dialect/ONNX/IR/ShapeHelpers.h"

#include "mlir/IR/TypeUtilities.h"

using namespace mlir;

namespace fulcrum::onnx {

LogicalResult ConstantOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  MLIRContext *ctx = getContext();
  SmallVector<Type> candidates;
  if (auto v = getValueAttr())
    candidates.push_back(v.getType());
  if (auto v = getSparseValueAttr())
    candidates.push_back(v.getType());
  if (getValueFloatAttr())
    candidates.push_back(RankedTensorType::get({}, Float32Type::get(ctx)));
  if (auto v = getValueFloatsAttr())
    candidates.push_back(
        RankedTensorType::get({v.size()}, Float32Type::get(ctx)));
  if (getValueIntAttr())
    candidates.push_back(RankedTensorType::get({}, IntegerType::get(ctx, 64)));
  if (auto v = getValueIntsAttr())
    candidates.push_back(
        RankedTensorType::get({v.size()}, IntegerType::get(ctx, 64)));
  if (getValueStringAttr())
    candidates.push_back(RankedTensorType::get({}, StringType::get(ctx)));
  if (auto v = getValueStringsAttr())
    candidates.push_back(RankedTensorType::get(
        {static_cast<int64_t>(v.size())}, StringType::get(ctx)));
  if (candidates.size() != 1)
    return emitOpError("must have exactly one value attribute, has ")
           << candidates.size();
  results.push_back(candidates.front());
  return success();
}

LogicalResult ReshapeOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  Type elt = getElementTypeOrSelf(getData().getType());
  auto shapeType = getTensorShape(getShape().getType());
  if (shapeType && shapeType->size() != 1)
    return emitOpError("shape must be 1-D");
  auto data = getTensorShape(getData().getType());
  auto target = getKnownInts(getShape());
  if (!target) {
    if (shapeType && !ShapedType::isDynamic((*shapeType)[0]))
      results.push_back(RankedTensorType::get(
          SmallVector<int64_t>((*shapeType)[0], ShapedType::kDynamic), elt));
    else
      results.push_back(UnrankedTensorType::get(elt));
    return success();
  }
  SmallVector<int64_t> shape = *target;
  int64_t inferIndex = -1;
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (ShapedType::isDynamic(d)) // Known only at run time.
      continue;
    if (d == -1) {
      if (inferIndex >= 0)
        return emitOpError("shape has more than one -1");
      inferIndex = i;
    } else if (d == 0 && !getAllowzero()) {
      if (!data)
        shape[i] = ShapedType::kDynamic;
      else if (i >= data->size())
        return emitOpError("shape copies dimension ")
               << i << " beyond the rank of data";
      else
        shape[i] = (*data)[i];
    } else if (d < -1) {
      return emitOpError("shape has invalid dimension ") << d;
    }
  }
  if (getAllowzero() && inferIndex >= 0 && llvm::is_contained(shape, 0))
    return emitOpError("shape cannot contain both 0 and -1 with allowzero");
  if (inferIndex >= 0)
    shape[inferIndex] = ShapedType::kDynamic;
  bool dataStatic = data && llvm::none_of(*data, ShapedType::isDynamic);
  int64_t unknown = llvm::count_if(shape, ShapedType::isDynamic);
  if (dataStatic && unknown <= 1 && (inferIndex >= 0 || unknown == 0)) {
    int64_t total = 1, known = 1;
    for (int64_t d : *data)
      total *= d;
    for (int64_t d : shape)
      if (!ShapedType::isDynamic(d))
        known *= d;
    if (inferIndex >= 0) {
      if (known == 0 || total % known != 0)
        return emitOpError("cannot reshape ")
               << total << " elements into the requested shape";
      shape[inferIndex] = total / known;
    } else if (total != known) {
      return emitOpError("cannot reshape ")
             << total << " elements into " << known;
    }
  }
  results.push_back(RankedTensorType::get(shape, elt));
  return success();
}

/// Normalizes and checks `axes` (for a tensor of rank `rank`): in range and
/// without duplicates. Emits an error on `op` otherwise.
static FailureOr<SmallVector<int64_t>>
normalizeAxes(Operation *op, ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<int64_t> out;
  for (int64_t a : axes) {
    auto n = normalizeAxis(op, a, rank, "axis");
    if (!n)
      return failure();
    if (llvm::is_contained(out, *n))
      return op->emitOpError("axis ") << *n << " appears twice";
    out.push_back(*n);
  }
  return out;
}

LogicalResult SqueezeOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  Type elt = getElementTypeOrSelf(getData().getType());
  auto data = getTensorShape(getData().getType());
  std::optional<SmallVector<int64_t>> axes;
  if (!isNoValue(getAxes()))
    axes = getConstantInts(getAxes());
  // Without data rank or with unknown axes, the result rank is unknown.
  if (!data || (!isNoValue(getAxes()) && !axes)) {
    results.push_back(UnrankedTensorType::get(elt));
    return success();
  }
  SmallVector<int64_t> shape;
  if (!axes) {
    // All size-1 dimensions go; a dynamic one might be 1.
    if (llvm::any_of(*data, ShapedType::isDynamic)) {
      results.push_back(UnrankedTensorType::get(elt));
      return success();
    }
    for (int64_t d : *data)
      if (d != 1)
        shape.push_back(d);
  } else {
    auto normalized = normalizeAxes(getOperation(), *axes, data->size());
    if (failed(normalized))
      return failure();
    for (auto [i, d] : llvm::enumerate(*data)) {
      if (!llvm::is_contained(*normalized, static_cast<int64_t>(i))) {
        shape.push_back(d);
        continue;
      }
      if (!ShapedType::isDynamic(d) && d != 1)
        return emitOpError("cannot squeeze dimension ")
               << i << " of size " << d;
    }
  }
  results.push_back(RankedTensorType::get(shape, elt));
  return success();
}

LogicalResult UnsqueezeOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  Type elt = getElementTypeOrSelf(getData().getType());
  auto data = getTensorShape(getData().getType());
  auto axes = getConstantInts(getAxes());
  if (!data || !axes) {
    results.push_back(UnrankedTensorType::get(elt));
    return success();
  }
  int64_t rank = data->size() + axes->size();
  auto normalized = normalizeAxes(getOperation(), *axes, rank);
  if (failed(normalized))
    return failure();
  SmallVector<int64_t> shape;
  auto next = data->begin();
  for (int64_t i = 0; i < rank; ++i)
    shape.push_back(llvm::is_contained(*normalized, i) ? 1 : *next++);
  results.push_back(RankedTensorType::get(shape, elt));
  return success();
}

LogicalResult TransposeOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  Type elt = getElementTypeOrSelf(getData().getType());
  auto data = getTensorShape(getData().getType());
  if (!data) {
    results.push_back(UnrankedTensorType::get(elt));
    return success();
  }
  int64_t rank = data->size();
  SmallVector<int64_t> perm;
  if (auto p = getPerm())
    perm.assign(p->begin(), p->end());
  else
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  if (static_cast<int64_t>(perm.size()) != rank)
    return emitOpError("perm has ")
           << perm.size() << " entries for rank " << rank;
  SmallVector<bool> seen(rank, false);
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p])
      return emitOpError("perm is not a permutation of 0..") << rank - 1;
    seen[p] = true;
    shape.push_back((*data)[p]);
  }
  results.push_back(RankedTensorType::get(shape, elt));
  return success();
}

LogicalResult ConcatOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  Type elt = getElementTypeOrSelf(getInputs().front().getType());
  std::optional<SmallVector<int64_t>> shape;
  int64_t axis = 0;
  for (Value v : getInputs()) {
    if (getElementTypeOrSelf(v.getType()) != elt)
      return emitOpError("inputs must have the same element type");
    auto s = getTensorShape(v.getType());
    if (!s)
      continue;
    if (!shape) {
      auto a = normalizeAxis(getOperation(), static_cast<int64_t>(getAxis()),
                             s->size(), "axis");
      if (!a)
        return failure();
      axis = *a;
      shape = *s;
      continue;
    }
    if (s->size() != shape->size())
      return emitOpError("inputs must have the same rank");
    for (size_t i = 0; i < s->size(); ++i) {
      int64_t &d = (*shape)[i];
      int64_t e = (*s)[i];
      if (static_cast<int64_t>(i) == axis) {
        d = (ShapedType::isDynamic(d) || ShapedType::isDynamic(e))
                ? ShapedType::kDynamic
                : d + e;
      } else if (ShapedType::isDynamic(d)) {
        d = e;
      } else if (!ShapedType::isDynamic(e) && d != e) {
        return emitOpError("inputs differ in dimension ")
               << i << " (" << d << " vs " << e << ")";
      }
    }
  }
  // An unranked input leaves the concatenated dimension unknown.
  if (shape && llvm::any_of(getInputs(), [](Value v) {
        return !isa<RankedTensorType>(v.getType());
      }))
    (*shape)[axis] = ShapedType::kDynamic;
  results.push_back(makeTensorType(shape, elt));
  return success();
}

LogicalResult FlattenOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  Type elt = getElementTypeOrSelf(getInput().getType());
  auto data = getTensorShape(getInput().getType());
  if (!data) {
    results.push_back(RankedTensorType::get(
        {ShapedType::kDynamic, ShapedType::kDynamic}, elt));
    return success();
  }
  int64_t rank = data->size();
  int64_t axis = static_cast<int64_t>(getAxis());
  if (axis < -rank || axis > rank)
    return emitOpError("axis ") << axis << " is out of range for rank "
                                << rank;
  if (axis < 0)
    axis += rank;
  auto product = [&](int64_t b, int64_t e) {
    int64_t p = 1;
    for (int64_t i = b; i < e; ++i) {
      if (ShapedType::isDynamic((*data)[i]))
        return ShapedType::kDynamic;
      p *= (*data)[i];
    }
    return p;
  };
  results.push_back(
      RankedTensorType::get({product(0, axis), product(axis, rank)}, elt));
  return success();
}

LogicalResult GatherOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  Type elt = getElementTypeOrSelf(getData().getType());
  auto data = getTensorShape(getData().getType());
  auto indices = getTensorShape(getIndices().getType());
  if (data && data->empty())
    return emitOpError("data must have rank at least 1");
  if (!data || !indices) {
    results.push_back(UnrankedTensorType::get(elt));
    return success();
  }
  auto axis = normalizeAxis(getOperation(), static_cast<int64_t>(getAxis()),
                            data->size(), "axis");
  if (!axis)
    return failure();
  SmallVector<int64_t> shape(data->begin(), data->begin() + *axis);
  shape.append(indices->begin(), indices->end());
  shape.append(data->begin() + *axis + 1, data->end());
  results.push_back(RankedTensorType::get(shape, elt));
  return success();
}

LogicalResult SliceOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  Type elt = getElementTypeOrSelf(getData().getType());
  auto data = getTensorShape(getData().getType());
  if (!data) {
    results.push_back(UnrankedTensorType::get(elt));
    return success();
  }
  int64_t rank = data->size();
  SmallVector<int64_t> shape = *data;
  auto starts = getConstantInts(getStarts());
  auto ends = getConstantInts(getEnds());
  std::optional<SmallVector<int64_t>> axes, steps;
  if (!isNoValue(getAxes()))
    axes = getConstantInts(getAxes());
  if (!isNoValue(getSteps()))
    steps = getConstantInts(getSteps());
  bool axesKnown = isNoValue(getAxes()) || axes;
  bool stepsKnown = isNoValue(getSteps()) || steps;
  if (!starts || !ends || !axesKnown || !stepsKnown) {
    // Which dimensions are sliced is unknown: all may change.
    if (!axesKnown || !axes)
      for (int64_t &d : shape)
        d = ShapedType::kDynamic;
    else
      for (int64_t a : *axes)
        if (auto n = normalizeAxis(getOperation(), a, rank, "axis"))
          shape[*n] = ShapedType::kDynamic;
        else
          return failure();
    results.push_back(RankedTensorType::get(shape, elt));
    return success();
  }
  size_t n = starts->size();
  if (ends->size() != n || (axes && axes->size() != n) ||
      (steps && steps->size() != n))
    return emitOpError("starts, ends, axes and steps must have the same "
                       "length");
  SmallVector<bool> seen(rank, false);
  for (size_t i = 0; i < n; ++i) {
    int64_t a = axes ? (*axes)[i] : static_cast<int64_t>(i);
    auto axis = normalizeAxis(getOperation(), a, rank, "axis");
    if (!axis)
      return failure();
    if (seen[*axis])
      return emitOpError("axis ") << *axis << " is sliced twice";
    seen[*axis] = true;
    int64_t step = steps ? (*steps)[i] : 1;
    if (step == 0)
      return emitOpError("steps must be non-zero");
    int64_t dim = shape[*axis];
    if (ShapedType::isDynamic(dim))
      continue;
    int64_t start = (*starts)[i], end = (*ends)[i];
    shape[*axis] = normalizeSliceBounds(start, end, step, dim);
  }
  results.push_back(RankedTensorType::get(shape, elt));
  return success();
}


LogicalResult ExpandOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  Type elt = getElementTypeOrSelf(getInput().getType());
  auto shapeType = getTensorShape(getShape().getType());
  if (shapeType && shapeType->size() != 1)
    return emitOpError("shape must be 1-D");
  auto input = getTensorShape(getInput().getType());
  auto target = getKnownInts(getShape());
  if (!input || !target) {
    results.push_back(UnrankedTensorType::get(elt));
    return success();
  }
  for (int64_t d : *target)
    if (!ShapedType::isDynamic(d) && d < 0)
      return emitOpError("shape has invalid dimension ") << d;
  auto shape = broadcastShapes(*this, {*input, *target});
  if (failed(shape))
    return failure();
  results.push_back(RankedTensorType::get(*shape, elt));
  return success();
}


LogicalResult SplitOp::inferResultTypes(SmallVectorImpl<Type> &results) {
  Type elt = getElementTypeOrSelf(getInput().getType());
  unsigned count = getNumResults();
  auto input = getTensorShape(getInput().getType());
  auto unranked = [&] {
    results.append(count, UnrankedTensorType::get(elt));
    return success();
  };
  if (!input)
    return unranked();
  auto axis = normalizeAxis(*this, getAxis(), input->size(), "axis");
  if (!axis)
    return failure();
  int64_t size = (*input)[*axis];
  SmallVector<int64_t> sizes;
  if (!isNoValue(getSplit())) {
    auto split = getConstantInts(getSplit());
    if (!split)
      return unranked();
    if (split->size() != count)
      return emitOpError("split has ") << split->size() << " sizes for "
                                       << count << " outputs";
    int64_t total = 0;
    for (int64_t s : *split)
      total += s;
    if (!ShapedType::isDynamic(size) && total != size)
      return emitOpError("split sizes add up to ")
             << total << ", the axis has " << size;
    sizes.assign(split->begin(), split->end());
  } else if (ShapedType::isDynamic(size)) {
    sizes.assign(count, ShapedType::kDynamic);
  } else {
    // Equal parts; the last one is smaller when the size does not divide.
    int64_t part = (size + count - 1) / count;
    for (unsigned i = 0; i < count; ++i)
      sizes.push_back(std::max<int64_t>(0, std::min(part, size - i * part)));
  }
  for (int64_t s : sizes) {
    SmallVector<int64_t> shape = *input;
    shape[*axis] = s;
    results.push_back(RankedTensorType::get(shape, elt));
  }
  return success();
}

} // namespace fulcrum::onnx
