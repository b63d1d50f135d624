// ONNX backend conformance driver.
//
// Walks the official ONNX backend tests (Debian's libonnx-testdata), loads each model.onnx
// with edgeinfer::Model::load, feeds test_data_set_N/input_K.pb to the K-th graph input that
// is not an initializer, runs, and compares every output_K.pb with the tolerances of the ONNX
// backend test runner (|actual - expected| <= atol + rtol * |expected|, rtol 1e-3, atol 1e-7;
// exact for integers and bools; NaN equals NaN; dtype and shape must match).
//
// Each test runs in a forked child with a time cap, so a crashing or hanging kernel is a
// failed test with a reason, never a dead driver. The file of expected failures lists every
// test that does not pass; a test that fails and is not listed makes the run fail.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

#include "cpu/reference/tensor_ops.h"
#include "edgeinfer/edgeinfer.h"
#include "ir/constant.h"

#if __has_include("import/onnx/onnx_tensor.h")
#include "import/onnx/onnx_tensor.h"
#else
// Provided by the ONNX importer (engine/import/onnx/onnx_tensor.h): parses a serialized
// onnx.TensorProto (.pb file) into a constant.
namespace edgeinfer::import {
Result<ir::ConstantPtr> read_onnx_tensor(const void* data, size_t size, const std::string& name);
}  // namespace edgeinfer::import
#endif

namespace fs = std::filesystem;
using edgeinfer::DType;
using edgeinfer::Result;
using edgeinfer::Status;
using edgeinfer::StatusCode;

namespace {

constexpr const char* kDefaultDataDir = "/usr/include/onnx/backend/test/data";
const std::vector<std::string> kDefaultKinds = {"node", "simple", "pytorch-operator",
                                                "pytorch-converted"};

enum class Outcome { kPassed, kFailed, kUnsupported };

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kPassed:
      return "passed";
    case Outcome::kFailed:
      return "failed";
    case Outcome::kUnsupported:
      return "unsupported";
  }
  return "?";
}

struct TestCase {
  std::string kind;  // node, simple, ...
  std::string name;  // directory name, e.g. test_abs
  fs::path dir;
};

struct TestResult {
  Outcome outcome = Outcome::kFailed;
  std::string message;
  double seconds = 0;
};

struct Config {
  fs::path data_dir = kDefaultDataDir;
  std::vector<std::string> kinds = kDefaultKinds;
  std::vector<std::string> filters;
  fs::path expected_file;
  bool verbose = false;
  bool strict = false;
  bool list_failing = false;
  bool in_process = false;
  int jobs = 2;
  double timeout_s = 30;
  long memory_limit_mb = 4096;
  double rtol = 1e-3;
  double atol = 1e-7;
  edgeinfer::MemoryMode memory_mode = edgeinfer::MemoryMode::kPlanned;
  int threads = 1;
};

// ---------------------------------------------------------------------------------------------
// Running one test (in the child process)

struct Verdict {
  Outcome outcome;
  std::string message;
};

Verdict from_status(const std::string& stage, const Status& status) {
  const Outcome o =
      status.code() == StatusCode::kUnsupported ? Outcome::kUnsupported : Outcome::kFailed;
  return {o, stage + ": " + status.to_string()};
}

Result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return edgeinfer::error(StatusCode::kIoError, "cannot open " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return edgeinfer::error(StatusCode::kIoError, "cannot read " + path.string());
  }
  return ss.str();
}

Result<edgeinfer::ir::ConstantPtr> read_tensor_file(const fs::path& path) {
  auto bytes = read_file(path);
  if (!bytes) return bytes.status();
  const std::string& b = *bytes;
  return edgeinfer::import::read_onnx_tensor(b.data(), b.size(), path.filename().string());
}

// Graph input names without initializers, and graph output names, in model order.
struct GraphNames {
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
};

Result<GraphNames> read_graph_names(const fs::path& model_path) {
  auto bytes = read_file(model_path);
  if (!bytes) return bytes.status();
  onnx::ModelProto model;
  if (!model.ParseFromString(*bytes)) {
    return edgeinfer::error(StatusCode::kInvalidModel,
                            "the driver cannot parse " + model_path.string());
  }
  std::set<std::string> initializers;
  for (const auto& init : model.graph().initializer())
    initializers.insert(init.name());
  for (const auto& init : model.graph().sparse_initializer()) {
    initializers.insert(init.values().name());
  }
  GraphNames names;
  for (const auto& in : model.graph().input()) {
    if (!initializers.count(in.name())) names.inputs.push_back(in.name());
  }
  for (const auto& out : model.graph().output())
    names.outputs.push_back(out.name());
  return names;
}

std::vector<fs::path> sorted_matching(const fs::path& dir, const std::string& prefix,
                                      const std::string& suffix) {
  std::vector<std::pair<long, fs::path>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string f = entry.path().filename().string();
    if (f.size() <= prefix.size() + suffix.size() || f.rfind(prefix, 0) != 0 ||
        f.compare(f.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    const std::string num = f.substr(prefix.size(), f.size() - prefix.size() - suffix.size());
    if (num.find_first_not_of("0123456789") != std::string::npos) continue;
    found.emplace_back(std::stol(num), entry.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> paths;
  for (auto& f : found)
    paths.push_back(f.second);
  return paths;
}

// The comparison reads every element type as a double, like the reference kernels do.
double element_as_double(const void* data, DType dtype, int64_t i) {
  return edgeinfer::cpu::reference::load_as_double(dtype, data, i);
}

bool is_float(DType d) {
  return d == DType::kFloat32 || d == DType::kFloat64 || d == DType::kFloat16;
}

std::string format_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// Compares like numpy.testing.assert_allclose (floats) / assert_array_equal (others).
// Returns an empty string when they match.
std::string compare_tensors(const edgeinfer::TensorView& actual,
                            const edgeinfer::ir::Constant& expected, double rtol, double atol) {
  if (actual.dtype != expected.dtype()) {
    return std::string("dtype ") + edgeinfer::dtype_name(actual.dtype) + ", expected " +
           edgeinfer::dtype_name(expected.dtype());
  }
  if (actual.shape != expected.shape()) {
    return "shape " + edgeinfer::shape_to_string(actual.shape) + ", expected " +
           edgeinfer::shape_to_string(expected.shape());
  }
  const int64_t n = expected.elements();
  if (n > 0 && (actual.data == nullptr || expected.data() == nullptr)) {
    return "output has no data";
  }
  const bool fp = is_float(expected.dtype());
  int64_t mismatches = 0;
  int64_t worst = -1;
  double worst_excess = -1;
  for (int64_t i = 0; i < n; ++i) {
    bool ok;
    double excess = 0;
    if (fp) {
      const double a = element_as_double(actual.data, actual.dtype, i);
      const double e = element_as_double(expected.data(), expected.dtype(), i);
      if (std::isnan(e) || std::isnan(a)) {
        ok = std::isnan(e) && std::isnan(a);
        excess = ok ? 0 : INFINITY;
      } else if (std::isinf(e) || std::isinf(a)) {
        ok = a == e;
        excess = ok ? 0 : INFINITY;
      } else {
        const double diff = std::fabs(a - e);
        const double allowed = atol + rtol * std::fabs(e);
        ok = diff <= allowed;
        excess = diff - allowed;
      }
    } else if (expected.dtype() == DType::kInt64 || expected.dtype() == DType::kUInt64) {
      ok = static_cast<const int64_t*>(actual.data)[i] == expected.as<int64_t>()[i];
      excess = ok ? 0 : 1;
    } else {
      ok = element_as_double(actual.data, actual.dtype, i) ==
           element_as_double(expected.data(), expected.dtype(), i);
      excess = ok ? 0 : 1;
    }
    if (!ok) {
      ++mismatches;
      if (excess > worst_excess) {
        worst_excess = excess;
        worst = i;
      }
    }
  }
  if (mismatches == 0) return {};
  std::string msg = std::to_string(mismatches) + " of " + std::to_string(n) +
                    " elements differ; worst at flat index " + std::to_string(worst) + ": got " +
                    format_double(element_as_double(actual.data, actual.dtype, worst)) +
                    ", expected " +
                    format_double(element_as_double(expected.data(), expected.dtype(), worst));
  if (fp) msg += " (rtol " + format_double(rtol) + ", atol " + format_double(atol) + ")";
  return msg;
}

Verdict run_test(const TestCase& test, const Config& config) {
  const fs::path model_path = test.dir / "model.onnx";
  auto names = read_graph_names(model_path);
  if (!names) return {Outcome::kFailed, "reading graph names: " + names.status().to_string()};

  edgeinfer::Options options;
  options.backend = edgeinfer::Backend::kCpu;
  options.threads = config.threads;
  options.memory_mode = config.memory_mode;
  auto model = edgeinfer::Model::load(model_path.string(), options);
  if (!model) return from_status("load", model.status());
  auto session = model->create_session();
  if (!session) return from_status("create_session", session.status());

  const auto data_sets = sorted_matching(test.dir, "test_data_set_", "");
  if (data_sets.empty()) return {Outcome::kFailed, "no test_data_set_N directories"};
  for (const fs::path& set_dir : data_sets) {
    const std::string set_name = set_dir.filename().string();
    const auto input_files = sorted_matching(set_dir, "input_", ".pb");
    if (input_files.size() > names->inputs.size()) {
      return {Outcome::kFailed, set_name + " has " + std::to_string(input_files.size()) +
                                    " inputs but the graph has " +
                                    std::to_string(names->inputs.size()) +
                                    " non-initializer inputs"};
    }
    for (size_t k = 0; k < input_files.size(); ++k) {
      auto tensor = read_tensor_file(input_files[k]);
      if (!tensor)
        return from_status(set_name + "/" + input_files[k].filename().string(), tensor.status());
      const auto& c = **tensor;
      Status st = session->set_input(names->inputs[k], c.view());
      if (!st) return from_status("set_input '" + names->inputs[k] + "'", st);
    }
    Status st = session->run();
    if (!st) return from_status("run (" + set_name + ")", st);

    const auto output_files = sorted_matching(set_dir, "output_", ".pb");
    if (output_files.size() > names->outputs.size()) {
      return {Outcome::kFailed, set_name + " has more expected outputs than the graph"};
    }
    for (size_t k = 0; k < output_files.size(); ++k) {
      auto expected = read_tensor_file(output_files[k]);
      if (!expected)
        return from_status(set_name + "/" + output_files[k].filename().string(), expected.status());
      const std::string& out_name = names->outputs[k];
      auto actual = session->output(out_name);
      if (!actual) return from_status("output '" + out_name + "'", actual.status());
      const std::string diff = compare_tensors(*actual, **expected, config.rtol, config.atol);
      if (!diff.empty()) {
        return {Outcome::kFailed, "output '" + out_name + "' (" + set_name + "): " + diff};
      }
    }
  }
  return {Outcome::kPassed, {}};
}

Verdict run_test_guarded(const TestCase& test, const Config& config) {
  try {
    return run_test(test, config);
  } catch (const std::exception& e) {
    return {Outcome::kFailed, std::string("exception: ") + e.what()};
  } catch (...) {
    return {Outcome::kFailed, "unknown exception"};
  }
}

// ---------------------------------------------------------------------------------------------
// Process management: one forked child per test, a few at a time, each with a time cap.

void write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return s;
}

struct Running {
  size_t index;
  pid_t pid;
  int fd;
  std::string buffer;
  std::chrono::steady_clock::time_point start;
  bool timed_out = false;
};

void apply_memory_limit(long mb) {
#if defined(__SANITIZE_ADDRESS__)
  (void)mb;  // ASan reserves terabytes of address space
#else
  if (mb <= 0) return;
  rlimit lim;
  lim.rlim_cur = lim.rlim_max = static_cast<rlim_t>(mb) * 1024 * 1024;
  setrlimit(RLIMIT_AS, &lim);
#endif
}

std::optional<Running> spawn(const TestCase& test, size_t index, const Config& config) {
  int fds[2];
  if (pipe(fds) != 0) return std::nullopt;
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return std::nullopt;
  }
  if (pid == 0) {
    close(fds[0]);
    apply_memory_limit(config.memory_limit_mb);
    const Verdict v = run_test_guarded(test, config);
    write_all(fds[1], std::string(outcome_name(v.outcome)) + "\n" + one_line(v.message));
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  return Running{index, pid, fds[0], {}, std::chrono::steady_clock::now(), false};
}

TestResult finish(Running& r, const Config& config) {
  close(r.fd);
  int status = 0;
  while (waitpid(r.pid, &status, 0) < 0 && errno == EINTR) {
  }
  TestResult result;
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - r.start).count();
  if (r.timed_out) {
    result.outcome = Outcome::kFailed;
    result.message = "timed out after " + format_double(config.timeout_s) + " s";
    return result;
  }
  const size_t nl = r.buffer.find('\n');
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && nl != std::string::npos) {
    const std::string head = r.buffer.substr(0, nl);
    result.message = r.buffer.substr(nl + 1);
    result.outcome = head == "passed"        ? Outcome::kPassed
                     : head == "unsupported" ? Outcome::kUnsupported
                                             : Outcome::kFailed;
    return result;
  }
  result.outcome = Outcome::kFailed;
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    result.message =
        std::string("crashed: signal ") + std::to_string(sig) + " (" + strsignal(sig) + ")";
  } else {
    result.message = "child exited with status " + std::to_string(WEXITSTATUS(status)) +
                     " without a verdict (an abort or exit inside the engine?)";
  }
  return result;
}

std::vector<TestResult> run_all(const std::vector<TestCase>& tests, const Config& config) {
  std::vector<TestResult> results(tests.size());
  if (config.in_process) {
    for (size_t i = 0; i < tests.size(); ++i) {
      const auto start = std::chrono::steady_clock::now();
      const Verdict v = run_test_guarded(tests[i], config);
      results[i] = {
          v.outcome, v.message,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
    }
    return results;
  }
  std::vector<Running> running;
  size_t next = 0;
  const size_t jobs = static_cast<size_t>(std::max(1, config.jobs));
  while (next < tests.size() || !running.empty()) {
    while (next < tests.size() && running.size() < jobs) {
      auto r = spawn(tests[next], next, config);
      if (!r) {
        results[next] = {Outcome::kFailed, "cannot fork: " + std::string(strerror(errno)), 0};
      } else {
        running.push_back(std::move(*r));
      }
      ++next;
    }
    std::vector<pollfd> pfds;
    for (const Running& r : running)
      pfds.push_back({r.fd, POLLIN, 0});
    poll(pfds.data(), pfds.size(), 100);
    const auto now = std::chrono::steady_clock::now();
    for (size_t i = running.size(); i-- > 0;) {
      Running& r = running[i];
      bool done = false;
      char buf[4096];
      for (;;) {
        const ssize_t n = ::read(r.fd, buf, sizeof buf);
        if (n > 0) {
          r.buffer.append(buf, static_cast<size_t>(n));
          continue;
        }
        if (n == 0) done = true;  // EOF: the child exited or closed the pipe
        if (n < 0 && errno == EINTR) continue;
        break;
      }
      if (!done && std::chrono::duration<double>(now - r.start).count() > config.timeout_s) {
        kill(r.pid, SIGKILL);
        r.timed_out = true;
        done = true;
      }
      if (done) {
        results[r.index] = finish(r, config);
        running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
      }
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Test discovery and the expected-failures file

std::vector<TestCase> discover(const Config& config, std::string* error) {
  std::vector<TestCase> tests;
  for (const std::string& kind : config.kinds) {
    const fs::path kind_dir = config.data_dir / kind;
    std::error_code ec;
    if (!fs::is_directory(kind_dir, ec)) {
      *error = "no test directory " + kind_dir.string() +
               " (install libonnx-testdata, or pass --data-dir)";
      return {};
    }
    std::vector<TestCase> found;
    for (const auto& entry : fs::directory_iterator(kind_dir, ec)) {
      if (!entry.is_directory()) continue;
      if (!fs::exists(entry.path() / "model.onnx")) continue;
      TestCase t{kind, entry.path().filename().string(), entry.path()};
      bool wanted = config.filters.empty();
      for (const std::string& f : config.filters) {
        if (t.name.find(f) != std::string::npos) wanted = true;
      }
      if (wanted) found.push_back(std::move(t));
    }
    std::sort(found.begin(), found.end(),
              [](const TestCase& a, const TestCase& b) { return a.name < b.name; });
    tests.insert(tests.end(), found.begin(), found.end());
  }
  return tests;
}

// test name -> reason
bool read_expected(const fs::path& path, std::map<std::string, std::string>* expected,
                   std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = "cannot open the expected-failures file " + path.string();
    return false;
  }
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const size_t hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    const size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos) continue;
    const size_t e = line.find_first_of(" \t\r", b);
    const std::string name = line.substr(b, e == std::string::npos ? e : e - b);
    std::string reason;
    if (e != std::string::npos) {
      const size_t rb = line.find_first_not_of(" \t\r", e);
      const size_t re = line.find_last_not_of(" \t\r");
      if (rb != std::string::npos) reason = line.substr(rb, re - rb + 1);
    }
    if (expected->count(name)) {
      *error = path.string() + ":" + std::to_string(line_no) + ": '" + name + "' listed twice";
      return false;
    }
    (*expected)[name] = reason;
  }
  return true;
}

void usage(FILE* out) {
  std::fprintf(out,
               "usage: conformance_driver [options]\n"
               "  --data-dir DIR       ONNX backend test data (default %s)\n"
               "  --kinds A,B,...      test kinds to run (default node,simple,pytorch-operator,"
               "pytorch-converted)\n"
               "  --expected FILE      expected failures: 'test_name  reason' per line\n"
               "  --filter SUBSTR      run only tests whose name contains SUBSTR (repeatable)\n"
               "  --verbose            print every test with its outcome and error message\n"
               "  --strict             unexpected passes (listed but passing) are errors too\n"
               "  --list-failing       print every non-passing test with its message\n"
               "  --jobs N             tests run at once (default 2)\n"
               "  --timeout S          time cap per test in seconds (default 30)\n"
               "  --memory-limit MB    address-space cap per test (default 4096, 0 = none)\n"
               "  --memory-mode M      engine memory mode: separate, reduce, reuse, planned "
               "(default)\n"
               "  --threads N          engine threads (default 1)\n"
               "  --in-process         run tests in this process (no fork; for debuggers)\n",
               kDefaultDataDir);
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> parts;
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, ',')) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

}  // namespace

int main(int argc, char** argv) {
  Config config;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* what) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "conformance_driver: error: %s needs a value\n", what);
        std::exit(2);
      }
      return argv[++i];
    };
    try {
      if (arg == "--data-dir") {
        config.data_dir = value("--data-dir");
      } else if (arg == "--kinds") {
        config.kinds = split_commas(value("--kinds"));
      } else if (arg == "--expected") {
        config.expected_file = value("--expected");
      } else if (arg == "--filter") {
        config.filters.push_back(value("--filter"));
      } else if (arg == "--verbose" || arg == "-v") {
        config.verbose = true;
      } else if (arg == "--strict") {
        config.strict = true;
      } else if (arg == "--list-failing") {
        config.list_failing = true;
      } else if (arg == "--in-process") {
        config.in_process = true;
      } else if (arg == "--jobs" || arg == "-j") {
        config.jobs = std::stoi(value("--jobs"));
      } else if (arg == "--timeout") {
        config.timeout_s = std::stod(value("--timeout"));
      } else if (arg == "--memory-mode") {
        auto mode = edgeinfer::parse_memory_mode(value("--memory-mode"));
        if (!mode) {
          std::fprintf(stderr, "conformance_driver: error: %s\n",
                       mode.status().to_string().c_str());
          return 2;
        }
        config.memory_mode = *mode;
      } else if (arg == "--threads") {
        config.threads = std::stoi(value("--threads"));
      } else if (arg == "--memory-limit") {
        config.memory_limit_mb = std::stol(value("--memory-limit"));
      } else if (arg == "--help" || arg == "-h") {
        usage(stdout);
        return 0;
      } else {
        std::fprintf(stderr, "conformance_driver: error: unknown argument '%s'\n", arg.c_str());
        usage(stderr);
        return 2;
      }
    } catch (const std::exception&) {
      std::fprintf(stderr, "conformance_driver: error: bad value for %s\n", arg.c_str());
      return 2;
    }
  }

  std::string error;
  std::map<std::string, std::string> expected;
  if (!config.expected_file.empty() && !read_expected(config.expected_file, &expected, &error)) {
    std::fprintf(stderr, "conformance_driver: error: %s\n", error.c_str());
    return 2;
  }
  const std::vector<TestCase> tests = discover(config, &error);
  if (!error.empty()) {
    std::fprintf(stderr, "conformance_driver: error: %s\n", error.c_str());
    return 2;
  }
  if (tests.empty()) {
    std::fprintf(stderr, "conformance_driver: error: no tests match\n");
    return 2;
  }

  const auto start = std::chrono::steady_clock::now();
  const std::vector<TestResult> results = run_all(tests, config);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  struct Counts {
    int passed = 0, failed = 0, unsupported = 0;
  };
  std::map<std::string, Counts> per_kind;
  Counts total;
  std::vector<size_t> unexpected_failures, unexpected_passes;
  std::set<std::string> seen;
  for (size_t i = 0; i < tests.size(); ++i) {
    const TestCase& t = tests[i];
    const TestResult& r = results[i];
    seen.insert(t.name);
    Counts& c = per_kind[t.kind];
    switch (r.outcome) {
      case Outcome::kPassed:
        ++c.passed, ++total.passed;
        break;
      case Outcome::kFailed:
        ++c.failed, ++total.failed;
        break;
      case Outcome::kUnsupported:
        ++c.unsupported, ++total.unsupported;
        break;
    }
    const bool listed = expected.count(t.name) != 0;
    if (r.outcome != Outcome::kPassed && !listed) unexpected_failures.push_back(i);
    if (r.outcome == Outcome::kPassed && listed) unexpected_passes.push_back(i);
    if (config.verbose) {
      std::printf("%-11s %-60s %6.2fs %s\n", outcome_name(r.outcome),
                  (t.kind + "/" + t.name).c_str(), r.seconds, r.message.c_str());
    }
    if (config.list_failing && r.outcome != Outcome::kPassed) {
      std::printf("%s\t%s\t%s\t%s\n", t.name.c_str(), t.kind.c_str(), outcome_name(r.outcome),
                  r.message.c_str());
    }
  }

  std::printf("\nONNX backend conformance (%s; memory mode %s, %d thread%s)\n",
              config.data_dir.c_str(), edgeinfer::memory_mode_name(config.memory_mode),
              config.threads, config.threads == 1 ? "" : "s");
  std::printf("%-20s %8s %8s %12s %8s\n", "kind", "passed", "failed", "unsupported", "total");
  for (const std::string& kind : config.kinds) {
    const Counts& c = per_kind[kind];
    std::printf("%-20s %8d %8d %12d %8d\n", kind.c_str(), c.passed, c.failed, c.unsupported,
                c.passed + c.failed + c.unsupported);
  }
  std::printf("%-20s %8d %8d %12d %8zu   (%.1f s)\n", "all", total.passed, total.failed,
              total.unsupported, tests.size(), elapsed);

  if (!unexpected_passes.empty()) {
    std::printf("\n%s: %zu test(s) listed in %s now pass; remove them from the file:\n",
                config.strict ? "ERROR" : "note", unexpected_passes.size(),
                config.expected_file.filename().c_str());
    for (size_t i : unexpected_passes)
      std::printf("  %s\n", tests[i].name.c_str());
  }
  // Entries naming a test that does not exist (only meaningful when nothing is filtered).
  if (config.filters.empty() && config.kinds == kDefaultKinds) {
    std::vector<std::string> stale;
    for (const auto& [name, reason] : expected) {
      if (!seen.count(name)) stale.push_back(name);
    }
    if (!stale.empty()) {
      std::printf("\nnote: %zu entr%s in %s name no existing test:\n", stale.size(),
                  stale.size() == 1 ? "y" : "ies", config.expected_file.filename().c_str());
      for (const auto& s : stale)
        std::printf("  %s\n", s.c_str());
    }
  }
  if (!unexpected_failures.empty()) {
    std::printf("\nFAIL: %zu unexpected failure(s) (not listed in %s):\n",
                unexpected_failures.size(),
                config.expected_file.empty() ? "an expected-failures file"
                                             : config.expected_file.filename().c_str());
    for (size_t i : unexpected_failures) {
      std::printf("  %-11s %s: %s\n", outcome_name(results[i].outcome), tests[i].name.c_str(),
                  results[i].message.c_str());
    }
  }
  const bool ok = unexpected_failures.empty() && (!config.strict || unexpected_passes.empty());
  std::printf("\n%s\n", ok ? "OK" : "FAILED");
  std::fflush(stdout);
  return ok ? 0 : 1;
}
