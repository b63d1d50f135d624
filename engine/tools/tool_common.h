// What edgeinfer-run and edgeinfer-bench share: engine options from the command line, input
// feeding (.npy files or the documented random pattern), error reporting.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "edgeinfer/edgeinfer.h"
#include "tools/args.h"

namespace edgeinfer::tools {

// The --random-input generator. Every input gets a deterministic pattern from (seed, input
// index in model order, row-major element index), so other tools can reproduce it exactly:
//
//   mix(x):  z = x + 0x9E3779B97F4A7C15                  (all arithmetic mod 2^64)
//            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
//            z = (z ^ (z >> 27)) * 0x94D049BB133111EB
//            return z ^ (z >> 31)                        (the splitmix64 finaliser)
//   u = mix(mix(mix(seed) + input_index) + element_index)
//
//   float32: (u >> 40) * 2^-24     float64: (u >> 11) * 2^-53
//   float16: (u >> 53) * 2^-11     (exact in fp16)       -> all uniform in [0, 1)
//   int8: u >>57 (0..127)   other integer types: u >> 56 (0..255)   bool: u >> 63 (0 or 1)
uint64_t random_mix(uint64_t x);
uint64_t random_bits(uint64_t seed, uint64_t input_index, uint64_t element_index);
// Fills `tensor` with the pattern for input number `input_index`.
Status fill_random(const TensorView& tensor, uint64_t seed, uint64_t input_index);
// The generator's description for --help.
extern const char* const kRandomInputHelp;

// Adds --backend --threads --memory-mode --weights --cache-dir --dim to a parser.
void add_engine_options(ArgParser& args);
// Reads them back (and --keep, when the tool declared it).
Result<Options> engine_options(const ArgParser& args);

// Adds --input and --random-input.
void add_input_options(ArgParser& args, const std::string& random_help_extra);
// --input NAME=FILE.npy values as (NAME, FILE) pairs; checks the syntax and duplicates.
using InputFiles = std::vector<std::pair<std::string, std::string>>;
Result<InputFiles> parse_input_specs(const std::vector<std::string>& specs);
// Feeds the session: --random-input fills every input first, then each --input file
// replaces one. With `require_all`, an input given neither way is an error; otherwise it
// keeps what it holds (zeros at first).
Status feed_inputs(Session& session, const Model& model, const InputFiles& files,
                   std::optional<uint64_t> seed, bool require_all);

// An output name as a file name: characters outside [A-Za-z0-9._-] become '_'.
std::string sanitize_file_name(const std::string& name);
std::string json_escape(const std::string& text);

// Runs `body` and turns exceptions into a one-line error; prints usage errors and model
// errors as "PROGRAM: error: MESSAGE" on one line. Returns the process exit status.
int guarded_main(const char* program, const std::function<int()>& body);
// Prints "PROGRAM: error: ..." (newlines folded) and returns `exit_code`.
int report_error(const char* program, const std::string& message, int exit_code = 1);
int report_error(const char* program, const Status& status, int exit_code = 1);

// Parses the command line of a tool that takes exactly one MODEL argument. Returns the exit
// status to end with (0 after printing --help, kExitUsage after reporting bad usage), or
// nothing when the tool should go on.
std::optional<int> parse_model_command_line(ArgParser& args, int argc, char** argv,
                                            const char* program);

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

}  // namespace edgeinfer::tools
