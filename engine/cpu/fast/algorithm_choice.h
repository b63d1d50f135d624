// Choosing a kernel's algorithm for one node at prepare time: the rule-based default unless
// Options::algorithms asks for another (by node name, or by op type for every such node).
#pragma once

#include <string>
#include <vector>

#include "cpu/kernel.h"

namespace edgeinfer::cpu::fast {

// `known`: every algorithm of the op; `candidates`: those that apply to this node. An unknown
// name is an error listing the known ones. A known one that does not apply is an error when the
// node was asked for by name; an op-type override skips nodes it does not apply to (they get
// `fallback`, the rule's choice).
Result<std::string> choose_algorithm(const PrepareContext& ctx,
                                     const std::vector<std::string>& known,
                                     const std::vector<std::string>& candidates,
                                     const std::string& fallback);

// The state of a node whose kernel prepared nothing beyond the algorithm's name.
class NamedAlgorithm : public PreparedState {
 public:
  explicit NamedAlgorithm(std::string name) : name_(std::move(name)) {}
  std::string algorithm() const override { return name_; }

 private:
  std::string name_;
};

}  // namespace edgeinfer::cpu::fast
