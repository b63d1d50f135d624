// PrepareContext::packed_weights: pre-packed kernel weights through the weight cache, so that
// in weights mode `mapped` they are shared page cache, and a later load maps them without
// packing anything.
#include <cstdio>
#include <new>

#include "cpu/kernel.h"
#include "planner/weight_store.h"

namespace edgeinfer::cpu {

namespace {

// Bumped whenever a kernel changes a packed layout without changing its recipe.
constexpr int kPackedFormatVersion = 1;

std::string hex64(uint64_t v) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(v));
  return text;
}

// Entry names keep the op type readable and carry a hash of everything the bytes depend on.
std::string entry_name(const PrepareContext& ctx, const std::string& recipe,
                       const std::vector<const TensorView*>& sources) {
  // Built with append: GCC 12 warns (-Wrestrict, falsely) on chains of operator+ here.
  std::string what = recipe;
  what.append("|format ").append(std::to_string(kPackedFormatVersion));
  what.append("|").append(EDGEINFER_VERSION);
  for (const TensorView* source : sources) {
    what.append("|").append(dtype_name(source->dtype)).append(shape_to_string(source->shape));
    what.append(":").append(hex64(planner::content_hash(source->data, source->bytes())));
  }
  std::string name = "packed-";
  name.append(ctx.node.op_type).append("-");
  return name.append(hex64(planner::content_hash(what.data(), what.size())));
}

// Whether `source` is the data of a constant input that lies in a read-only file mapping.
bool in_file_mapping(const PrepareContext& ctx, const TensorView* source) {
  for (size_t i = 0; i < ctx.node.inputs.size(); ++i) {
    const TensorView* input = ctx.constant_input(i);
    if (input && input->data == source->data) {
      const ir::Value& v = ctx.graph.values[ctx.node.inputs[i]];
      return v.constant && v.constant->is_mapped();
    }
  }
  return false;
}

}  // namespace

PackedBytes pack_privately(size_t bytes, const PackFn& pack) {
  constexpr std::align_val_t kAlignment{64};
  std::shared_ptr<unsigned char> buffer(
      static_cast<unsigned char*>(::operator new(bytes == 0 ? 1 : bytes, kAlignment)),
      [kAlignment](unsigned char* p) { ::operator delete(p, kAlignment); });
  pack(buffer.get());
  PackedBytes packed;
  packed.data = buffer.get();
  packed.size = bytes;
  packed.owner = std::move(buffer);
  return packed;
}

PackedBytes PrepareContext::packed_weights(const std::string& recipe,
                                           const std::vector<const TensorView*>& sources,
                                           size_t bytes, const PackFn& pack) const {
  PackedBytes packed;
  if (weight_store) {
    auto produce = [&]() -> Result<std::vector<unsigned char>> {
      // Freed once written: the packed copy lives on only as the mapped file.
      std::vector<unsigned char> payload(bytes);
      pack(payload.data());
      return payload;
    };
    auto cached = weight_store->get(entry_name(*this, recipe, sources), produce);
    if (cached && cached->size == bytes) {
      packed.data = cached->data;
      packed.size = cached->size;
      packed.owner = std::move(cached->mapping);
      packed.mapped = true;
    }
    // Otherwise the cache could not be written (or an entry of another size has this name,
    // which only a hash collision makes): the weights are packed privately, and load goes on.
  }
  if (!packed.data) packed = pack_privately(bytes, pack);
  if (packed.mapped) {
    // The kernel reads the packed copy from now on: the pages of the unpacked weights that
    // hashing and packing brought in need not stay resident (a reference fallback or another
    // reader faults them back from the page cache).
    for (const TensorView* source : sources) {
      if (!in_file_mapping(*this, source)) continue;
      if (packed_totals) {
        packed_totals->replaced_sources.emplace_back(source->data, source->bytes());
      } else {
        planner::release_mapped_pages(source->data, source->bytes());
      }
    }
  }
  if (packed_totals) {
    (packed.mapped ? packed_totals->mapped_bytes : packed_totals->private_bytes) += bytes;
  }
  return packed;
}

}  // namespace edgeinfer::cpu
