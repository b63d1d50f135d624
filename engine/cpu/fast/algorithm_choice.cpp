#include "cpu/fast/algorithm_choice.h"

#include <algorithm>

namespace edgeinfer::cpu::fast {

namespace {

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names)
    out += (out.empty() ? "" : ", ") + n;
  return out;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

Result<std::string> choose_algorithm(const PrepareContext& ctx,
                                     const std::vector<std::string>& known,
                                     const std::vector<std::string>& candidates,
                                     const std::string& fallback) {
  if (ctx.algorithm.empty()) return fallback;
  if (!contains(known, ctx.algorithm)) {
    return ctx.invalid("unknown algorithm '" + ctx.algorithm + "' for " + ctx.node.op_type +
                       " (known: " + join(known) + ")");
  }
  if (contains(candidates, ctx.algorithm)) return ctx.algorithm;
  if (ctx.algorithm_by_name) {
    return ctx.invalid("algorithm '" + ctx.algorithm +
                       "' does not apply to this node (it can run " + join(candidates) + ")");
  }
  return fallback;
}

}  // namespace edgeinfer::cpu::fast
