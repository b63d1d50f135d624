// A small command-line parser shared by edgeinfer-run and edgeinfer-bench.
//
//   --name VALUE, --name=VALUE, boolean --flag, repeatable options, positionals, "--" ends
//   options. An option that takes a value always takes the next argument, even "-1", so that
//   range errors name the option rather than calling "-1" an unknown option.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "edgeinfer/status.h"

namespace edgeinfer::tools {

class ArgParser {
 public:
  // `positionals` is shown in the usage line ("MODEL"); `summary` under it.
  ArgParser(std::string program, std::string positionals, std::string summary);

  // A boolean flag: --name.
  void add_flag(const std::string& name, const std::string& help);
  // An option with a value: --name VALUE. Repeatable options collect every value.
  void add_option(const std::string& name, const std::string& value_name, const std::string& help,
                  bool repeatable = false);

  // Parses argv[1..]. --help / -h sets help_requested() and stops there.
  Status parse(int argc, const char* const* argv);

  bool help_requested() const { return help_; }
  std::string help_text() const;
  const std::string& program() const { return program_; }

  bool has(const std::string& name) const;
  // The value of a single-valued option, or `fallback` when it was not given.
  std::string get(const std::string& name, const std::string& fallback = "") const;
  // All values of a repeatable option, in command-line order.
  std::vector<std::string> get_all(const std::string& name) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

  // Integer value of --name within [min, max], or `fallback` when not given.
  Result<int64_t> get_int(const std::string& name, int64_t fallback, int64_t min,
                          int64_t max) const;
  // Unsigned 64-bit value (a seed), or `fallback` when not given.
  Result<uint64_t> get_u64(const std::string& name, uint64_t fallback) const;

 private:
  struct Spec {
    std::string name;
    std::string value_name;  // empty: a flag
    std::string help;
    bool repeatable = false;
  };
  const Spec* find(const std::string& name) const;

  std::string program_;
  std::string positionals_usage_;
  std::string summary_;
  std::vector<Spec> specs_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positionals_;
  bool help_ = false;
};

// Parses a whole decimal integer ("12", "-3"); nothing else is accepted.
bool parse_int64(const std::string& text, int64_t* value);
bool parse_uint64(const std::string& text, uint64_t* value);

}  // namespace edgeinfer::tools
