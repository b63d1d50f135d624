// The pass pipeline every model gets. The order matters: layout clean-up first so that
// producers and their readers become adjacent, then the folds that change weights (BN, Mul,
// Add), then pattern collapse, then the epilogue fusions, residual before activation (the
// epilogue adds the residual first), and dead-code elimination last.
#include "passes/pass.h"

namespace edgeinfer::passes {

Status run_default_passes(ir::Graph& graph, const PassOptions& options, PassCounts* counts) {
  PassCounts local;
  PassCounts& done = counts ? *counts : local;
  EI_ASSIGN_OR_RETURN(int folded, fold_constants(graph, options));
  done.emplace_back("fold_constants", folded);
  done.emplace_back("remove_identities", remove_identities(graph, options));
  done.emplace_back("cancel_transposes", cancel_transposes(graph, options));
  done.emplace_back("collapse_reshapes", collapse_reshapes(graph, options));
  // Transposes and Reshapes bypassed above still read their inputs; drop them before the
  // fusions count readers.
  done.emplace_back("eliminate_dead_code", eliminate_dead_code(graph, options));
  done.emplace_back("fold_batch_norms", fold_batch_norms(graph, options));
  done.emplace_back("fold_channel_affine", fold_channel_affine(graph, options));
  done.emplace_back("collapse_hard_swish", collapse_hard_swish(graph, options));
  done.emplace_back("fuse_residual_adds", fuse_residual_adds(graph, options));
  done.emplace_back("fuse_activations", fuse_activations(graph, options));
  done.emplace_back("eliminate_dead_code", eliminate_dead_code(graph, options));
  return graph.validate();
}

}  // namespace edgeinfer::passes
