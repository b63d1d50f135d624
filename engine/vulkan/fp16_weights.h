// Which float32 constants an fp16-storage session stores as 16-bit floats (docs/vulkan.md,
// "fp16 storage"). fp16 keeps about 3 significant digits and ends at 65504: fine for weights
// of layers whose activations are of ordinary size, wrong for models whose activations grow
// far beyond that (SINet's logits reach about 1e9 on the test pattern, and its Softmax then
// turns a relative error of 1e-3 into flipped pixels). So the decision is per constant, from
// the activations downstream of it: one CPU run with every float input element 1.0 (the top of
// the [0, 1] range image models take) measures every tensor's largest magnitude, and a
// constant is stored as fp16 only if everything computed from it stays within fp16's range. A
// static estimate: inputs far outside the calibration's range can still push fp16-weighted layers
// beyond it (fp16 storage is opt-in).
#pragma once

#include <vector>

#include "edgeinfer/status.h"
#include "ir/graph.h"

namespace edgeinfer::vulkan {

// Largest |value| of every float32 tensor of `graph` on one CPU run with float inputs all 1.0
// (+inf for a tensor holding inf or NaN, 0 for other types and values the run did not produce).
Result<std::vector<float>> unit_input_magnitudes(const ir::Graph& graph);

// Per value of `graph` (the executor's graph after its rewrites): true for a float32 constant
// that may be stored as fp16: no tensor its error flows into (the outputs of the nodes reading
// it, and everything computed from them) exceeds fp16's range. An fp16 weight's relative error
// (about 5e-4) would otherwise be amplified where values are huge (SINet: every weight stays
// fp32 on the calibration input). `magnitudes` come from unit_input_magnitudes on the graph
// before the rewrites; values the rewrites added have none and count as out of range.
Result<std::vector<bool>> fp16_weight_values(const ir::Graph& graph,
                                             const std::vector<float>& magnitudes);

}  // namespace edgeinfer::vulkan
