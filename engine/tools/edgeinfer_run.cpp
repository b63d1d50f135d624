// edgeinfer-run: runs a model once on .npy (or generated) inputs and writes its outputs as .npy.
//
//   edgeinfer-run MODEL [--input NAME=FILE.npy]... [--random-input SEED] [--output-dir DIR] ...
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "edgeinfer/edgeinfer.h"
#include "tools/args.h"
#include "tools/npy.h"
#include "tools/tool_common.h"

namespace {

using namespace edgeinfer;
using namespace edgeinfer::tools;

constexpr const char* kProgram = "edgeinfer-run";

// A file name for `name` that no earlier output took (a, a_1, a_2, ...).
std::string unique_file_name(const std::string& name, std::set<std::string>* taken) {
  std::string base = sanitize_file_name(name);
  if (base.empty()) base.push_back('_');
  std::string candidate = base;
  for (int n = 1; taken->count(candidate); ++n)
    candidate = base + "_" + std::to_string(n);
  taken->insert(candidate);
  return candidate;
}

int run_tool(int argc, char** argv) {
  ArgParser args(kProgram, "MODEL",
                 "Runs an .onnx or .tflite model once and writes every output as a NumPy .npy\n"
                 "file named after the output (characters outside [A-Za-z0-9._-] become '_').\n"
                 "Every model input must come from --input or --random-input.");
  add_engine_options(args);
  add_input_options(args, "\n(--input files replace the pattern for their inputs)");
  args.add_option("output-dir", "DIR", "where to write the outputs (default '.', created)");
  args.add_option("keep", "NAME", "also keep and write intermediate tensor NAME", true);
  args.add_flag("dump-graph", "print the graph after import and passes to stdout");
  args.add_flag("quiet", "do not list the files written");
  if (auto done = parse_model_command_line(args, argc, argv, kProgram)) return *done;
  auto options = engine_options(args);
  if (!options) return report_error(kProgram, options.status().message(), kExitUsage);
  std::optional<uint64_t> seed;
  if (args.has("random-input")) {
    auto s = args.get_u64("random-input", 0);
    if (!s) return report_error(kProgram, s.status().message(), kExitUsage);
    seed = *s;
  }
  auto input_files = parse_input_specs(args.get_all("input"));
  if (!input_files) return report_error(kProgram, input_files.status().message(), kExitUsage);
  const std::string output_dir = args.get("output-dir", ".");
  if (output_dir.empty()) return report_error(kProgram, "--output-dir is empty", kExitUsage);

  auto model = Model::load(args.positionals()[0], *options);
  if (!model) return report_error(kProgram, model.status());
  auto session = model->create_session();
  if (!session) return report_error(kProgram, session.status());
  if (args.has("dump-graph")) std::fputs(session->graph_text().c_str(), stdout);
  Status fed = feed_inputs(*session, *model, *input_files, seed, /*require_all=*/true);
  if (!fed) return report_error(kProgram, fed);
  Status ran = session->run();
  if (!ran) return report_error(kProgram, ran);

  std::error_code ec;
  std::filesystem::create_directories(output_dir, ec);
  if (ec || !std::filesystem::is_directory(output_dir)) {
    return report_error(kProgram, "i/o error: cannot create output folder '" + output_dir + "'" +
                                      (ec ? ": " + ec.message() : ""));
  }
  std::set<std::string> taken;
  std::vector<std::pair<std::string, TensorView>> to_write;
  for (size_t i = 0; i < session->output_count(); ++i) {
    auto view = session->output(i);
    if (!view) return report_error(kProgram, view.status());
    to_write.emplace_back(model->outputs()[i].name, *view);
  }
  for (const std::string& name : args.get_all("keep")) {
    auto view = session->tensor(name);
    if (!view) return report_error(kProgram, view.status());
    to_write.emplace_back(name, *view);
  }
  for (const auto& [name, view] : to_write) {
    const std::string file =
        (std::filesystem::path(output_dir) / (unique_file_name(name, &taken) + ".npy")).string();
    Status written = write_npy(file, view);
    if (!written) return report_error(kProgram, written);
    if (!args.has("quiet")) {
      std::printf("%s: %s %s -> %s\n", name.c_str(), dtype_name(view.dtype),
                  shape_to_string(view.shape).c_str(), file.c_str());
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return guarded_main(kProgram, [&] { return run_tool(argc, argv); });
}
