// Graph rewrites. Each pass is a function over the IR that keeps the graph's meaning and
// reports how many rewrites it made; passes never see files or executors.
//
// Guards every rewrite honours: a value that is a graph output or that the caller keeps is
// never folded away or renamed; an intermediate is only fused into another node when that
// node is its one reader; fusions only touch float32 tensors.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "edgeinfer/status.h"
#include "ir/graph.h"

namespace edgeinfer::passes {

struct PassOptions {
  // Values that must stay computed as they are (tensors the caller asked to keep).
  std::vector<std::string> keep;
  // Initializers the model also lists as graph inputs are overridable: the caller may feed
  // them, so no pass folds them into weights or constants. When set (the default, as
  // DESIGN.md has them constants unless fed), run_default_passes first makes them plain
  // constants, except those named in `overridable_inputs` (feeding a frozen one afterwards is
  // an error, not a silent mix of old and new values), so BN statistics and slopes such models
  // expose fold.
  bool freeze_overridable_constants = true;
  // Overridable constants the caller will feed: they stay overridable.
  std::vector<std::string> overridable_inputs;
};

// Replaces every node whose inputs are all (non-overridable) constants by constants holding
// its outputs, computed with the reference kernels. Returns the number of nodes folded.
Result<int> fold_constants(ir::Graph& graph, const PassOptions& options);

// When no graph input can change size, replaces Shape and Size of statically shaped values
// by constants (constant folding can then fold what reads them).
int fold_shapes(ir::Graph& graph, const PassOptions& options);

// When no graph input can change size, gives the outputs of nodes whose inputs have static
// shapes their static shapes, computed by the node's reference kernel on placeholder inputs
// (ops whose output shape depends on the contents of a non-constant input are skipped).
// Import-time shape inference cannot see sizes that folding made constant. Returns the
// number of nodes whose outputs got shapes.
int infer_static_shapes(ir::Graph& graph, const PassOptions& options);

// Removes Identity nodes, pointing their readers at the Identity's input.
int remove_identities(ir::Graph& graph, const PassOptions& options);

// Composes consecutive Transposes into one and removes Transposes that permute nothing.
int cancel_transposes(ir::Graph& graph, const PassOptions& options);

// Removes Transpose pairs that cancel around an elementwise op (Transpose(op(Transpose(x)))):
// the op reads x, and its other operand, if not a scalar, gets the outer Transpose.
int sink_transposes(ir::Graph& graph, const PassOptions& options);

// Mul, Add, Sub or Div of a Transpose's output by a constant that varies along at most one
// axis, where the Transpose reads a Conv, ConvTranspose or Gemm: the op moves before the
// Transpose (its constant reshaped to match), where Mul/Add folding can absorb it.
int hoist_constant_ops_over_transposes(ir::Graph& graph, const PassOptions& options);

// Transpose<perm=[0,3,1,2]> of a 4-D float32 value whose readers are all Convs reading it as
// input 0: the Convs read the NHWC value itself, marked channels-last (cpu/input_layout.h), and
// the Transpose goes. Returns the number of Transposes absorbed.
int absorb_nhwc_input_transposes(ir::Graph& graph, const PassOptions& options);

// Transpose<perm=[0,2,3,1]> of a 4-D float32 value that a ConvTranspose without a fused
// residual writes and only the Transpose reads: the ConvTranspose writes the Transpose's value
// itself, marked channels-last (cpu/input_layout.h), and the Transpose goes. Returns the number
// of Transposes absorbed.
int absorb_nhwc_output_transposes(ir::Graph& graph, const PassOptions& options);

// A Reshape of a Reshape (or Flatten, Squeeze, Unsqueeze) reads the first one's input.
int collapse_reshapes(ir::Graph& graph, const PassOptions& options);

// Folds a BatchNormalization (inference form) into the Conv, ConvTranspose or Gemm that
// produces its input: scaled weights and a new bias. Standalone ones are left as they are.
int fold_batch_norms(ir::Graph& graph, const PassOptions& options);

// Folds Mul, Add, Sub and Div by a scalar or per-channel constant into the weights and bias
// of the producing Conv, ConvTranspose or Gemm.
int fold_channel_affine(ir::Graph& graph, const PassOptions& options);

// Collapses HardSwish written out (x * Clip(x + 3, 0, 6) / 6, or * (1/6), in either order)
// into one HardSwish node, and Clip(x + 3, 0, 6) / 6 into HardSigmoid.
int collapse_hard_swish(ir::Graph& graph, const PassOptions& options);

// Conv1x1(Resize(x)) becomes Resize(Conv1x1(x)) where that is exact (a linear or nearest
// Resize of the spatial axes; a 1x1 Conv, stride 1, no padding, one group) and cheaper (the
// Resize enlarges, the Conv does not add channels): the Conv runs at the lower resolution. A
// nearest Resize also moves below a fusable activation after the Conv.
int commute_pointwise_convs_with_resizes(ir::Graph& graph, const PassOptions& options);

// Add(conv_out, other) with equal static shapes becomes the conv's residual input.
int fuse_residual_adds(ir::Graph& graph, const PassOptions& options);

// Fuses the activation that follows a Conv, ConvTranspose or Gemm into its epilogue
// (cpu/fused_epilogue.h): activation ops, and Swish, Mish and Gelu written out.
int fuse_activations(ir::Graph& graph, const PassOptions& options);

// Removes nodes whose outputs nobody reads (graph outputs and kept values count as read)
// and values nothing refers to. Returns the number of nodes removed.
int eliminate_dead_code(ir::Graph& graph, const PassOptions& options);

// The CPU executor's blocked channel layout (cpu/blocked_layout.h) with block `block` (16 for
// AVX-512, 8 for AVX2): Convs with one group or depthwise, and the per-channel ops between them
// (activations, arithmetic with per-channel constants or equal shapes, pooling, Resize, Concat
// of whole blocks), read and write blocked tensors; reorders go only where a planar op, a graph
// output or a kept value needs the ONNX layout. Not one of the default passes: the session runs
// it on its own copy of the graph when it runs on the CPU with Options::cpu_layout blocked.
// Needs fixed shapes (does nothing otherwise). Returns the number of nodes that joined; fills
// `traffic` when given.
struct BlockedLayoutTraffic {
  int64_t blocked_elements = 0;  // elements the blocked nodes write, padding included
  int64_t reorder_elements = 0;  // elements the reorders write
};
// `stays_planar`, when given, names Convs the blocked kernels would run slower than the ONNX
// layout's (the CPU executor's Winograd layers): they stay out of the regions.
using ConvPredicate = std::function<bool(const ir::Graph&, const ir::Node&)>;
int propagate_blocked_layout(ir::Graph& graph, const PassOptions& options, int block,
                             BlockedLayoutTraffic* traffic = nullptr,
                             const ConvPredicate& stays_planar = {});

// How many rewrites each pass made, in the order they ran.
using PassCounts = std::vector<std::pair<std::string, int>>;

// The passes every model gets, in order (dead-code elimination last). Fills `counts` when
// given.
Status run_default_passes(ir::Graph& graph, const PassOptions& options,
                          PassCounts* counts = nullptr);

}  // namespace edgeinfer::passes
