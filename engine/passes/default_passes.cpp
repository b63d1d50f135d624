// The pass pipeline every model gets. The order matters: layout clean-up first so that
// producers and their readers become adjacent, then the folds that change weights (BN, Mul,
// Add), then pattern collapse, then the epilogue fusions, residual before activation (the
// epilogue adds the residual first), and dead-code elimination last.
#include <set>

#include "passes/pass.h"

namespace edgeinfer::passes {

Status run_default_passes(ir::Graph& graph, const PassOptions& options, PassCounts* counts) {
  PassCounts local;
  PassCounts& done = counts ? *counts : local;
  if (options.freeze_overridable_constants) {
    const std::set<std::string> fed(options.overridable_inputs.begin(),
                                    options.overridable_inputs.end());
    int frozen = 0;
    for (ir::Value& v : graph.values) {
      if (!v.overridable || fed.count(v.name)) continue;
      v.overridable = false;
      ++frozen;
    }
    done.emplace_back("freeze_overridable_constants", frozen);
  }
  EI_ASSIGN_OR_RETURN(int folded, fold_constants(graph, options));
  done.emplace_back("fold_constants", folded);
  // Shapes and shape computations resolve each other in turn: a folded Resize size gives its
  // output a static shape, which makes the next Shape of it foldable, and so on down a decoder.
  int inferred = 0, shapes = 0, refolded = 0;
  for (;;) {
    const int i = infer_static_shapes(graph, options);
    const int s = fold_shapes(graph, options);
    inferred += i, shapes += s;
    if (s == 0) break;
    EI_ASSIGN_OR_RETURN(int f, fold_constants(graph, options));
    refolded += f;
  }
  done.emplace_back("infer_static_shapes", inferred);
  done.emplace_back("fold_shapes", shapes);
  done.emplace_back("fold_constants", refolded);
  done.emplace_back("remove_identities", remove_identities(graph, options));
  done.emplace_back("cancel_transposes", cancel_transposes(graph, options));
  if (const int sunk = sink_transposes(graph, options); sunk > 0) {
    done.emplace_back("sink_transposes", sunk);
    // The moved Transposes may meet others, or read constants.
    done.emplace_back("cancel_transposes", cancel_transposes(graph, options));
    EI_ASSIGN_OR_RETURN(int refolded, fold_constants(graph, options));
    done.emplace_back("fold_constants", refolded);
  }
  done.emplace_back("collapse_reshapes", collapse_reshapes(graph, options));
  // Transposes and Reshapes bypassed above still read their inputs; drop them before the
  // fusions count readers.
  done.emplace_back("eliminate_dead_code", eliminate_dead_code(graph, options));
  // BN after a Mul (or a Mul after a BN) folds once the first one has, and a constant op
  // moved before a Transpose folds once what the Transpose reads is a producer: repeat all.
  int bn = 0, affine = 0, hoisted = 0;
  for (int changed = 1; changed > 0;) {
    const int b = fold_batch_norms(graph, options);
    const int a = fold_channel_affine(graph, options);
    const int h = hoist_constant_ops_over_transposes(graph, options);
    bn += b, affine += a, hoisted += h, changed = a + b + h;
  }
  done.emplace_back("fold_batch_norms", bn);
  done.emplace_back("fold_channel_affine", affine);
  done.emplace_back("hoist_constant_ops_over_transposes", hoisted);
  done.emplace_back("collapse_hard_swish", collapse_hard_swish(graph, options));
  // Before the fusions: the moved Conv must not carry an epilogue yet, and a nearest Resize
  // moves below the activation that then fuses into the Conv.
  done.emplace_back("commute_pointwise_convs_with_resizes",
                    commute_pointwise_convs_with_resizes(graph, options));
  done.emplace_back("fuse_residual_adds", fuse_residual_adds(graph, options));
  done.emplace_back("fuse_activations", fuse_activations(graph, options));
  // Last of the rewrites: the layout attributes they set are ones the other passes do not look
  // at.
  done.emplace_back("absorb_nhwc_input_transposes", absorb_nhwc_input_transposes(graph, options));
  done.emplace_back("absorb_nhwc_output_transposes", absorb_nhwc_output_transposes(graph, options));
  done.emplace_back("eliminate_dead_code", eliminate_dead_code(graph, options));
  return graph.validate();
}

}  // namespace edgeinfer::passes
