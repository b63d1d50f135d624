#include "planner/constant_mapping.h"

#include <cstring>

namespace edgeinfer::planner {

namespace {

constexpr size_t kAlignment = 64;

struct Placement {
  ir::ValueId id;
  size_t offset;
};

// Constants at least this large come after the smaller ones in the entry.
constexpr size_t kLargeBytes = 64 * 1024;

// Small constants (biases, scales: read on every run) first, then the large ones (weights,
// which the kernels mostly read in a packed copy, so their pages are released after packing).
// Kept apart, a run's reads of small constants do not fault in the large ones' pages: the page
// cache may hold a file in large folios (2 MiB and more), and a read maps the whole folio.
std::vector<Placement> layout(const ir::Graph& graph, size_t min_bytes, size_t* total) {
  std::vector<Placement> placements;
  size_t offset = 0;
  for (const bool large : {false, true}) {
    for (size_t id = 0; id < graph.values.size(); ++id) {
      const ir::Value& v = graph.values[id];
      if (v.kind != ir::ValueKind::kConstant || !v.constant || v.constant->is_mapped()) continue;
      const size_t bytes = v.constant->bytes();
      if (bytes < min_bytes || (bytes >= kLargeBytes) != large) continue;
      placements.push_back({static_cast<ir::ValueId>(id), offset});
      offset += (bytes + kAlignment - 1) / kAlignment * kAlignment;
    }
  }
  *total = offset;
  return placements;
}

bool matches(const ir::Graph& graph, const std::vector<Placement>& placements, size_t total,
             const CachedBytes& cached) {
  if (cached.size != total) return false;
  for (const Placement& p : placements) {
    const ir::Constant& c = *graph.values[p.id].constant;
    if (std::memcmp(cached.data + p.offset, c.data(), c.bytes()) != 0) return false;
  }
  return true;
}

}  // namespace

Result<size_t> map_private_constants(ir::Graph& graph, WeightStore& store, const std::string& entry,
                                     size_t min_bytes) {
  size_t total = 0;
  const std::vector<Placement> placements = layout(graph, min_bytes, &total);
  if (placements.empty()) return size_t{0};
  auto produce = [&]() -> Result<std::vector<unsigned char>> {
    std::vector<unsigned char> payload(total, 0);
    for (const Placement& p : placements) {
      const ir::Constant& c = *graph.values[p.id].constant;
      std::memcpy(payload.data() + p.offset, c.data(), c.bytes());
    }
    return payload;
  };
  EI_ASSIGN_OR_RETURN(CachedBytes cached, store.get(entry, produce));
  if (!matches(graph, placements, total, cached)) {
    // An intact file of another layout (a different engine build wrote it): replace it.
    EI_ASSIGN_OR_RETURN(cached, store.rebuild(entry, produce));
    if (!matches(graph, placements, total, cached)) {
      return error(StatusCode::kIoError, "weight cache entry '" + store.entry_path(entry) +
                                             "' does not hold the constants written to it");
    }
  }
  for (const Placement& p : placements) {
    ir::Value& v = graph.values[p.id];
    v.constant =
        ir::Constant::in_mapping(v.constant->dtype(), v.constant->shape(), cached.data + p.offset,
                                 v.constant->bytes(), cached.mapping);
  }
  return total;
}

}  // namespace edgeinfer::planner
