// edgeinfer-bench: times model load, the first run and K timed runs; reports memory.
//
//   edgeinfer-bench MODEL [--warmup W] [--iterations K] [--json] [--profile] [--dump-graph] ...
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "edgeinfer/edgeinfer.h"
#include "tools/args.h"
#include "tools/tool_common.h"

namespace {

using namespace edgeinfer;
using namespace edgeinfer::tools;
using Clock = std::chrono::steady_clock;

constexpr const char* kProgram = "edgeinfer-bench";

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Peak resident set size of this process: VmHWM from /proc/self/status, else getrusage.
size_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      unsigned long long kib = 0;
      if (std::sscanf(line.c_str() + 6, "%llu", &kib) == 1) return static_cast<size_t>(kib) * 1024;
    }
  }
  struct rusage usage {};
  if (getrusage(RUSAGE_SELF, &usage) == 0) return static_cast<size_t>(usage.ru_maxrss) * 1024;
  return 0;
}

// Progress on stderr, only on a terminal and only once a phase has taken over a second.
class Progress {
 public:
  Progress() : enabled_(isatty(fileno(stderr)) != 0), start_(Clock::now()), last_(start_) {}
  void update(const char* phase, int64_t done, int64_t total) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (now - start_ < std::chrono::seconds(1) || now - last_ < std::chrono::milliseconds(100)) {
      return;
    }
    last_ = now;
    drawn_ = true;
    std::fprintf(stderr, "\r\033[K%s %lld/%lld", phase, static_cast<long long>(done),
                 static_cast<long long>(total));
    std::fflush(stderr);
  }
  void finish() {
    if (drawn_) std::fputs("\r\033[K", stderr);
    drawn_ = false;
  }

 private:
  bool enabled_;
  bool drawn_ = false;
  Clock::time_point start_;
  Clock::time_point last_;
};

struct Timing {
  double median = 0, min = 0, max = 0, mean = 0, p90 = 0;
};

Timing summarize(std::vector<double> times) {
  Timing t;
  if (times.empty()) return t;
  std::sort(times.begin(), times.end());
  const size_t n = times.size();
  t.min = times.front();
  t.max = times.back();
  t.median = n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
  // Nearest-rank percentile: the smallest time with at least 90% of runs at or below it.
  const size_t rank = static_cast<size_t>(std::ceil(0.9 * static_cast<double>(n)));
  t.p90 = times[std::max<size_t>(rank, 1) - 1];
  double sum = 0;
  for (double x : times)
    sum += x;
  t.mean = sum / static_cast<double>(n);
  return t;
}

struct ProfileEntry {
  std::string name;
  std::string op_type;
  double total_ms = 0;
  int64_t nodes = 0;      // op types: how many nodes of that type
  std::string algorithm;  // nodes only: the kernel's choice, "" when it had none
};

// Sums the per-node times of profiled runs, per node and per operator type.
class ProfileTotals {
 public:
  void add(const std::vector<NodeProfile>& run) {
    for (const NodeProfile& p : run) {
      const std::string key = p.node_name + '\x1f' + p.op_type;
      auto [it, inserted] = node_index_.emplace(key, nodes_.size());
      if (inserted) {
        nodes_.push_back(ProfileEntry{p.node_name, p.op_type, 0, 1, p.algorithm});
        auto [op, op_new] = op_index_.emplace(p.op_type, ops_.size());
        if (op_new) ops_.push_back(ProfileEntry{p.op_type, p.op_type, 0, 0, ""});
        ++ops_[op->second].nodes;
      }
      nodes_[it->second].total_ms += p.milliseconds;
      ops_[op_index_[p.op_type]].total_ms += p.milliseconds;
    }
  }
  std::vector<ProfileEntry> nodes() const { return sorted(nodes_); }
  std::vector<ProfileEntry> ops() const { return sorted(ops_); }

 private:
  static std::vector<ProfileEntry> sorted(std::vector<ProfileEntry> v) {
    std::stable_sort(v.begin(), v.end(), [](const ProfileEntry& a, const ProfileEntry& b) {
      return a.total_ms > b.total_ms;
    });
    return v;
  }
  std::map<std::string, size_t> node_index_;
  std::map<std::string, size_t> op_index_;
  std::vector<ProfileEntry> nodes_;
  std::vector<ProfileEntry> ops_;
};

std::string fmt(double value, int decimals = 3) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string mib(size_t bytes) {
  return fmt(static_cast<double>(bytes) / (1024.0 * 1024.0), 2) + " MiB";
}

void print_profile_text(const ProfileTotals& totals, int64_t runs, double run_ms) {
  const auto ops = totals.ops();
  const auto nodes = totals.nodes();
  double all = 0;
  for (const auto& e : ops)
    all += e.total_ms;
  const double per_run_total = all / static_cast<double>(runs);
  std::printf("\nprofile (mean per run over %lld profiled runs; nodes sum to %s ms of %s ms)\n",
              static_cast<long long>(runs), fmt(per_run_total).c_str(), fmt(run_ms).c_str());
  std::printf("  %-24s %6s %12s %7s\n", "operator", "nodes", "ms", "%");
  for (const auto& e : ops) {
    const double ms = e.total_ms / static_cast<double>(runs);
    std::printf("  %-24s %6lld %12s %6.1f%%\n", e.name.c_str(), static_cast<long long>(e.nodes),
                fmt(ms).c_str(), all > 0 ? 100.0 * e.total_ms / all : 0.0);
  }
  std::printf("\n  %-40s %-16s %-14s %12s %7s\n", "node", "operator", "algorithm", "ms", "%");
  for (const auto& e : nodes) {
    const double ms = e.total_ms / static_cast<double>(runs);
    std::printf("  %-40s %-16s %-14s %12s %6.1f%%\n", e.name.empty() ? "(unnamed)" : e.name.c_str(),
                e.op_type.c_str(), e.algorithm.empty() ? "-" : e.algorithm.c_str(), fmt(ms).c_str(),
                all > 0 ? 100.0 * e.total_ms / all : 0.0);
  }
}

std::string profile_json(const ProfileTotals& totals, int64_t runs) {
  auto list = [&](const std::vector<ProfileEntry>& entries, bool is_node) {
    std::string out = "[";
    for (size_t i = 0; i < entries.size(); ++i) {
      const ProfileEntry& e = entries[i];
      if (i) out += ", ";
      out += "{";
      if (is_node) {
        out += "\"node\": \"" + json_escape(e.name) + "\", \"op_type\": \"" +
               json_escape(e.op_type) + "\", \"algorithm\": \"" + json_escape(e.algorithm) + "\"";
      } else {
        out +=
            "\"op_type\": \"" + json_escape(e.name) + "\", \"nodes\": " + std::to_string(e.nodes);
      }
      out += ", \"ms\": " + fmt(e.total_ms / static_cast<double>(runs), 6) + "}";
    }
    return out + "]";
  };
  return "{\"runs\": " + std::to_string(runs) + ", \"op_types\": " + list(totals.ops(), false) +
         ", \"nodes\": " + list(totals.nodes(), true) + "}";
}

// The memory timeline of the last run as JSON: {"live_bytes": [...], "arena_bytes": N, ...}.
Status write_timeline(const std::string& path, const SessionStats& stats) {
  std::string out = "{\"arena_bytes\": " + std::to_string(stats.arena_bytes);
  out += ", \"lower_bound_bytes\": " + std::to_string(stats.lower_bound_bytes);
  out += ", \"lower_bound_without_in_place_bytes\": " +
         std::to_string(stats.lower_bound_without_in_place_bytes);
  out += ", \"live_bytes\": [";
  for (size_t i = 0; i < stats.live_bytes_per_step.size(); ++i) {
    out += (i ? ", " : "") + std::to_string(stats.live_bytes_per_step[i]);
  }
  out += "]}\n";
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return error(StatusCode::kIoError, "cannot write timeline file '" + path + "'");
  const bool ok = std::fputs(out.c_str(), f) >= 0;
  if (std::fclose(f) != 0 || !ok) {
    return error(StatusCode::kIoError, "writing timeline file '" + path + "' failed");
  }
  return Status::ok();
}

int bench_tool(int argc, char** argv) {
  ArgParser args(kProgram, "MODEL",
                 "Times loading an .onnx or .tflite model (load + session creation), its first\n"
                 "run, then W warm-up runs and K timed runs; reports median/min/p90 time and\n"
                 "memory (peak RSS, arena and its lower bound, weights).");
  add_engine_options(args);
  add_input_options(args, "\n(default 0; --input files replace it for their inputs)");
  args.add_option("warmup", "W", "untimed runs after the first one (default 2)");
  args.add_option("iterations", "K", "timed runs (default 10)");
  args.add_flag("json", "print one JSON object instead of the summary");
  args.add_option("timeline", "FILE",
                  "write the bytes of intermediates alive at each step of the schedule,\n"
                  "the arena and the lower bound to FILE as JSON (for plots)");
  args.add_flag("profile",
                "time every node during the timed runs; print per node and per\n"
                "operator type (adds a little overhead to the timed runs)");
  args.add_flag("dump-graph",
                "print the graph after import and passes before benchmarking (to\n"
                "stderr with --json, so stdout stays one JSON object)");
  if (auto done = parse_model_command_line(args, argc, argv, kProgram)) return *done;
  auto options = engine_options(args);
  if (!options) return report_error(kProgram, options.status().message(), kExitUsage);
  auto seed = args.get_u64("random-input", 0);
  if (!seed) return report_error(kProgram, seed.status().message(), kExitUsage);
  auto warmup = args.get_int("warmup", 2, 0, 1000000);
  if (!warmup) return report_error(kProgram, warmup.status().message(), kExitUsage);
  auto iterations = args.get_int("iterations", 10, 1, 10000000);
  if (!iterations) return report_error(kProgram, iterations.status().message(), kExitUsage);
  auto input_files = parse_input_specs(args.get_all("input"));
  if (!input_files) return report_error(kProgram, input_files.status().message(), kExitUsage);
  const bool json = args.has("json");
  const bool profile = args.has("profile");
  const std::string model_path = args.positionals()[0];

  const auto load_start = Clock::now();
  auto model = Model::load(model_path, *options);
  if (!model) return report_error(kProgram, model.status());
  auto session = model->create_session();
  if (!session) return report_error(kProgram, session.status());
  const double load_ms = ms_since(load_start);
  if (args.has("dump-graph")) std::fputs(session->graph_text().c_str(), json ? stderr : stdout);

  Status fed = feed_inputs(*session, *model, *input_files, *seed, false);
  if (!fed) return report_error(kProgram, fed);

  const auto first_start = Clock::now();
  Status status = session->run();
  const double first_run_ms = ms_since(first_start);
  if (!status) return report_error(kProgram, status);

  Progress progress;
  for (int64_t i = 0; i < *warmup; ++i) {
    progress.update("warm-up", i, *warmup);
    status = session->run();
    if (!status) {
      progress.finish();
      return report_error(kProgram, status);
    }
  }
  std::vector<double> times;
  times.reserve(static_cast<size_t>(*iterations));
  ProfileTotals totals;
  std::vector<NodeProfile> node_times;
  for (int64_t i = 0; i < *iterations; ++i) {
    progress.update("timed run", i, *iterations);
    node_times.clear();
    const auto start = Clock::now();
    status = profile ? session->run_profiled(&node_times) : session->run();
    times.push_back(ms_since(start));
    if (!status) {
      progress.finish();
      return report_error(kProgram, status);
    }
    if (profile) totals.add(node_times);
  }
  progress.finish();

  const Timing t = summarize(times);
  const SessionStats stats = session->stats();
  const size_t rss = peak_rss_bytes();
  const char* backend = backend_name(options->backend);
  const char* memory = memory_mode_name(options->memory_mode);
  const char* weights = weights_mode_name(options->weights);

  if (args.has("timeline")) {
    Status written = write_timeline(args.get("timeline"), stats);
    if (!written) return report_error(kProgram, written);
  }
  if (json) {
    std::string out = "{";
    out += "\"model\": \"" + json_escape(model_path) + "\"";
    out += ", \"backend\": \"" + std::string(backend) + "\"";
    out += ", \"threads\": " + std::to_string(options->threads);
    out += ", \"cpu_layout\": \"" + std::string(cpu_layout_name(stats.cpu_layout)) + "\"";
    out += ", \"memory_mode\": \"" + std::string(memory) + "\"";
    out += ", \"weights\": \"" + std::string(weights) + "\"";
    out += ", \"load_ms\": " + fmt(load_ms, 6);
    out += ", \"first_run_ms\": " + fmt(first_run_ms, 6);
    out += ", \"median_ms\": " + fmt(t.median, 6);
    out += ", \"min_ms\": " + fmt(t.min, 6);
    out += ", \"p90_ms\": " + fmt(t.p90, 6);
    out += ", \"mean_ms\": " + fmt(t.mean, 6);
    out += ", \"max_ms\": " + fmt(t.max, 6);
    out += ", \"peak_rss_bytes\": " + std::to_string(rss);
    out += ", \"arena_bytes\": " + std::to_string(stats.arena_bytes);
    out += ", \"lower_bound_bytes\": " + std::to_string(stats.lower_bound_bytes);
    out += ", \"lower_bound_without_in_place_bytes\": " +
           std::to_string(stats.lower_bound_without_in_place_bytes);
    out += ", \"weights_bytes\": " + std::to_string(stats.weights_bytes);
    out += ", \"weights_private_bytes\": " + std::to_string(stats.weights_private_bytes);
    out += ", \"weights_mapped_bytes\": " + std::to_string(stats.weights_mapped_bytes);
    out += ", \"peak_allocated_bytes\": " + std::to_string(stats.peak_allocated_bytes);
    out += ", \"warmup\": " + std::to_string(*warmup);
    out += ", \"iterations\": " + std::to_string(*iterations);
    out += ", \"profiled\": " + std::string(profile ? "true" : "false");
    out += ", \"version\": \"" + json_escape(version()) + "\"";
    if (profile) out += ", \"profile\": " + profile_json(totals, *iterations);
    out += "}\n";
    std::fputs(out.c_str(), stdout);
    return 0;
  }
  std::printf("model       %s\n", model_path.c_str());
  // The layout asked for, and the one the CPU runs (none on a GPU).
  const std::string layout = std::string(cpu_layout_name(options->cpu_layout)) +
                             (stats.cpu_layout == CpuLayout::kAuto
                                  ? ""
                                  : std::string(" -> ") + cpu_layout_name(stats.cpu_layout));
  std::printf("options     backend %s, threads %d, memory mode %s, weights %s, layout %s\n",
              backend, options->threads, memory, weights, layout.c_str());
  std::printf("load        %s ms (Model::load + create_session)\n", fmt(load_ms).c_str());
  std::printf("first run   %s ms\n", fmt(first_run_ms).c_str());
  std::printf("runs        %lld timed after %lld warm-up%s\n", static_cast<long long>(*iterations),
              static_cast<long long>(*warmup), profile ? " (profiled)" : "");
  std::printf("time        median %s ms, min %s, p90 %s, mean %s, max %s\n", fmt(t.median).c_str(),
              fmt(t.min).c_str(), fmt(t.p90).c_str(), fmt(t.mean).c_str(), fmt(t.max).c_str());
  std::printf("memory      peak RSS %s, arena %s (lower bound %s), weights %s (%s mapped)\n",
              mib(rss).c_str(), mib(stats.arena_bytes).c_str(),
              mib(stats.lower_bound_bytes).c_str(), mib(stats.weights_bytes).c_str(),
              mib(stats.weights_mapped_bytes).c_str());
  if (profile) print_profile_text(totals, *iterations, t.mean);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return guarded_main(kProgram, [&] { return bench_tool(argc, argv); });
}
