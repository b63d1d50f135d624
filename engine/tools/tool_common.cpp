#include "tools/tool_common.h"

#include <cstdio>
#include <exception>
#include <new>

#include "ir/float16.h"
#include "tools/npy.h"

namespace edgeinfer::tools {

const char* const kRandomInputHelp =
    "fill every input with a deterministic uniform [0,1)\n"
    "pattern. For input i (model order) and row-major element e:\n"
    "u = mix(mix(mix(SEED) + i) + e), all mod 2^64, where mix(x):\n"
    "z = x + 0x9E3779B97F4A7C15; z = (z ^ z>>30) * 0xBF58476D1CE4E5B9;\n"
    "z = (z ^ z>>27) * 0x94D049BB133111EB; return z ^ z>>31.\n"
    "float32 = (u>>40)*2^-24, float64 = (u>>11)*2^-53,\n"
    "float16 = (u>>53)*2^-11; int8 = u>>57, other integers = u>>56\n"
    "(0..255), bool = u>>63";

uint64_t random_mix(uint64_t x) {
  uint64_t z = x + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t random_bits(uint64_t seed, uint64_t input_index, uint64_t element_index) {
  return random_mix(random_mix(random_mix(seed) + input_index) + element_index);
}

namespace {

template <typename T, typename F>
void fill_with(const TensorView& t, uint64_t seed, uint64_t input_index, F&& convert) {
  T* data = t.as<T>();
  const uint64_t base = random_mix(random_mix(seed) + input_index);
  const int64_t n = t.elements();
  for (int64_t i = 0; i < n; ++i) {
    data[i] = convert(random_mix(base + static_cast<uint64_t>(i)));
  }
}

}  // namespace

Status fill_random(const TensorView& t, uint64_t seed, uint64_t input_index) {
  if (t.elements() > 0 && !t.data) return error(StatusCode::kInternal, "input has no buffer");
  switch (t.dtype) {
    case DType::kFloat32:
      fill_with<float>(t, seed, input_index,
                       [](uint64_t u) { return static_cast<float>(u >> 40) * 0x1p-24f; });
      break;
    case DType::kFloat64:
      fill_with<double>(t, seed, input_index,
                        [](uint64_t u) { return static_cast<double>(u >> 11) * 0x1p-53; });
      break;
    case DType::kFloat16:
      fill_with<uint16_t>(t, seed, input_index, [](uint64_t u) {
        return ir::float_to_half(static_cast<float>(u >> 53) * 0x1p-11f);
      });
      break;
    case DType::kInt8:
      fill_with<int8_t>(t, seed, input_index, [](uint64_t u) { return int8_t(u >> 57); });
      break;
    case DType::kUInt8:
      fill_with<uint8_t>(t, seed, input_index, [](uint64_t u) { return uint8_t(u >> 56); });
      break;
    case DType::kInt16:
      fill_with<int16_t>(t, seed, input_index, [](uint64_t u) { return int16_t(u >> 56); });
      break;
    case DType::kUInt16:
      fill_with<uint16_t>(t, seed, input_index, [](uint64_t u) { return uint16_t(u >> 56); });
      break;
    case DType::kInt32:
      fill_with<int32_t>(t, seed, input_index, [](uint64_t u) { return int32_t(u >> 56); });
      break;
    case DType::kUInt32:
      fill_with<uint32_t>(t, seed, input_index, [](uint64_t u) { return uint32_t(u >> 56); });
      break;
    case DType::kInt64:
      fill_with<int64_t>(t, seed, input_index, [](uint64_t u) { return int64_t(u >> 56); });
      break;
    case DType::kUInt64:
      fill_with<uint64_t>(t, seed, input_index, [](uint64_t u) { return uint64_t(u >> 56); });
      break;
    case DType::kBool:
      fill_with<uint8_t>(t, seed, input_index, [](uint64_t u) { return uint8_t(u >> 63); });
      break;
    case DType::kUndefined:
      return error(StatusCode::kUnsupported, "cannot fill an input of undefined type");
  }
  return Status::ok();
}

void add_engine_options(ArgParser& args) {
  args.add_option("backend", "B", "auto (default), cpu or vulkan");
  args.add_option("threads", "N", "worker threads (default 1; 0 = one per core)");
  args.add_option("memory-mode", "M", "separate, reduce, reuse or planned (default)");
  args.add_option("weights", "W", "load (default) or mapped");
  args.add_option("schedule", "S",
                  "memory (default: the node order with the lowest memory bound, planned\n"
                  "mode) or topological (the model's own order)");
  args.add_option("layout", "L",
                  "CPU tensor layout between convolutions: auto (default: the faster of the\n"
                  "two for the model), nchw (the ONNX layout) or nchwc (blocked channels,\n"
                  "16 a block with AVX-512, else 8)");
  args.add_option("cache-dir", "DIR", "cache folder (default $XDG_CACHE_HOME/edgeinfer)");
  args.add_option("device", "N", "Vulkan device index (default: the best device)");
  args.add_option("precision", "P",
                  "fp32 (default) or fp16 (Vulkan: weights stored as 16-bit floats)");
  args.add_option("dim", "NAME=VALUE", "value of a named dynamic dimension (default 1)", true);
  args.add_option("algo", "NODE_OR_OPTYPE=ALGO",
                  "algorithm for a node (by name) or every node of an op type, e.g.\n"
                  "Conv=im2col-gemm (Conv: reference, im2col-gemm, 1x1-gemm, depthwise,\n"
                  "direct, winograd4, winograd6; ConvTranspose: reference, scatter-gemm,\n"
                  "direct; Gemm, MatMul: reference, sgemm)",
                  true);
  args.add_flag("autotune",
                "time each layer's applicable algorithms at load and run the fastest\n"
                "(cached in the cache folder, so later loads do not time again)");
}

namespace {

// A flag that takes one of two words (--schedule memory|topological, --precision fp16|fp32):
// `value` becomes whether it said `yes`; left as it is when the flag is absent.
Status read_two_way_flag(const ArgParser& args, const std::string& name, const std::string& yes,
                         const std::string& no, bool& value) {
  if (!args.has(name)) return Status::ok();
  const std::string word = args.get(name);
  if (word != yes && word != no) {
    return error(StatusCode::kInvalidArgument,
                 "bad --" + name + " '" + word + "': expected " + yes + " or " + no);
  }
  value = word == yes;
  return Status::ok();
}

}  // namespace

Result<Options> engine_options(const ArgParser& args) {
  Options options;
  if (args.has("backend")) {
    auto b = parse_backend(args.get("backend"));
    if (!b) return b.status();
    options.backend = *b;
  }
  auto threads = args.get_int("threads", options.threads, 0, 1024);
  if (!threads) return threads.status();
  options.threads = static_cast<int>(*threads);
  auto device = args.get_int("device", options.device_index, 0, 1 << 20);
  if (!device) return device.status();
  options.device_index = static_cast<int>(*device);
  if (args.has("memory-mode")) {
    auto m = parse_memory_mode(args.get("memory-mode"));
    if (!m) return m.status();
    options.memory_mode = *m;
  }
  if (args.has("weights")) {
    auto w = parse_weights_mode(args.get("weights"));
    if (!w) return w.status();
    options.weights = *w;
  }
  EI_RETURN_IF_ERROR(
      read_two_way_flag(args, "schedule", "memory", "topological", options.memory_aware_schedule));
  EI_RETURN_IF_ERROR(read_two_way_flag(args, "precision", "fp16", "fp32", options.vulkan_fp16));
  if (args.has("layout")) {
    auto l = parse_cpu_layout(args.get("layout"));
    if (!l) return l.status();
    options.cpu_layout = *l;
  }
  options.cache_dir = args.get("cache-dir");
  for (const std::string& spec : args.get_all("dim")) {
    const size_t eq = spec.find('=');
    int64_t value = 0;
    if (eq == std::string::npos || eq == 0 || !parse_int64(spec.substr(eq + 1), &value) ||
        value < 0) {
      return error(StatusCode::kInvalidArgument,
                   "bad --dim '" + spec + "': expected NAME=VALUE with VALUE >= 0");
    }
    options.dim_values[spec.substr(0, eq)] = value;
  }
  for (const std::string& spec : args.get_all("algo")) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      return error(StatusCode::kInvalidArgument,
                   "bad --algo '" + spec + "': expected NODE_OR_OPTYPE=ALGO");
    }
    options.algorithms[spec.substr(0, eq)] = spec.substr(eq + 1);
  }
  options.keep_tensors = args.get_all("keep");
  options.autotune = args.has("autotune");
  return options;
}

void add_input_options(ArgParser& args, const std::string& random_help_extra) {
  args.add_option("input", "NAME=FILE.npy", "feed input NAME from a .npy file", true);
  args.add_option("random-input", "SEED", std::string(kRandomInputHelp) + random_help_extra);
}

namespace {

std::string input_names(const Model& model) {
  std::string names;
  for (const TensorInfo& info : model.inputs()) {
    if (!names.empty()) names += ", ";
    names += "'" + info.name + "'";
  }
  return names.empty() ? "none" : names;
}

}  // namespace

Result<InputFiles> parse_input_specs(const std::vector<std::string>& specs) {
  InputFiles files;
  for (const std::string& spec : specs) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      return error(StatusCode::kInvalidArgument,
                   "bad --input '" + spec + "': expected NAME=FILE.npy");
    }
    std::string name = spec.substr(0, eq);
    for (const auto& [other, file] : files) {
      if (other == name) {
        return error(StatusCode::kInvalidArgument,
                     "--input '" + name + "' is given more than once");
      }
    }
    files.emplace_back(std::move(name), spec.substr(eq + 1));
  }
  return files;
}

Status feed_inputs(Session& session, const Model& model, const InputFiles& files,
                   std::optional<uint64_t> seed, bool require_all) {
  if (seed) {
    for (size_t i = 0; i < session.input_count(); ++i) {
      auto view = session.input(i);
      if (!view) return view.status();
      EI_RETURN_IF_ERROR(fill_random(*view, *seed, i));
    }
  }
  for (const auto& [name, file] : files) {
    auto array = read_npy(file);
    if (!array) return array.status();
    Status status = session.set_input(name, array->view());
    if (status.code() == StatusCode::kNotFound) {
      return error(StatusCode::kNotFound, model.path() + ": the model has no input named '" + name +
                                              "' (inputs: " + input_names(model) + ")");
    }
    if (!status.is_ok()) return status.with_context(file);
  }
  if (require_all && !seed) {
    for (const TensorInfo& info : model.inputs()) {
      bool given = false;
      for (const auto& [name, file] : files)
        given = given || name == info.name;
      if (!given) {
        return error(StatusCode::kInvalidArgument,
                     "input '" + info.name + "' (" + dtype_name(info.dtype) + " " +
                         shape_to_string(info.shape) + ") is not given: use --input " + info.name +
                         "=FILE.npy or --random-input SEED");
      }
    }
  }
  return Status::ok();
}

std::string sanitize_file_name(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  return out;
}

std::string json_escape(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

int report_error(const char* program, const std::string& message, int exit_code) {
  std::string line = message;
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::fflush(stdout);
  std::fprintf(stderr, "%s: error: %s\n", program, line.c_str());
  return exit_code;
}

int report_error(const char* program, const Status& status, int exit_code) {
  return report_error(program, status.to_string(), exit_code);
}

int guarded_main(const char* program, const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return report_error(program, "out of memory");
  } catch (const std::exception& e) {
    return report_error(program, std::string("internal error: ") + e.what());
  } catch (...) {
    return report_error(program, "internal error: unknown exception");
  }
}

std::optional<int> parse_model_command_line(ArgParser& args, int argc, char** argv,
                                            const char* program) {
  Status parsed = args.parse(argc, argv);
  if (!parsed) return report_error(program, parsed.message(), kExitUsage);
  if (args.help_requested()) {
    std::fputs(args.help_text().c_str(), stdout);
    return 0;
  }
  if (args.positionals().empty()) {
    return report_error(program, "missing MODEL argument (see --help)", kExitUsage);
  }
  if (args.positionals().size() > 1) {
    return report_error(program, "unexpected argument '" + args.positionals()[1] + "'", kExitUsage);
  }
  return std::nullopt;
}

}  // namespace edgeinfer::tools
