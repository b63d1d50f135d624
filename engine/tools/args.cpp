#include "tools/args.h"

#include <charconv>
#include <system_error>

namespace edgeinfer::tools {

namespace {

Status usage_error(const std::string& message) {
  return error(StatusCode::kInvalidArgument, message);
}

}  // namespace

bool parse_int64(const std::string& text, int64_t* value) {
  const char* first = text.data();
  const char* last = first + text.size();
  if (first != last && *first == '+') ++first;
  auto [ptr, ec] = std::from_chars(first, last, *value);
  return ec == std::errc() && ptr == last && first != last;
}

bool parse_uint64(const std::string& text, uint64_t* value) {
  const char* first = text.data();
  const char* last = first + text.size();
  if (first != last && *first == '+') ++first;
  if (first != last && *first == '-') return false;
  int base = 10;
  if (last - first > 2 && first[0] == '0' && (first[1] == 'x' || first[1] == 'X')) {
    first += 2;
    base = 16;
  }
  auto [ptr, ec] = std::from_chars(first, last, *value, base);
  return ec == std::errc() && ptr == last && first != last;
}

ArgParser::ArgParser(std::string program, std::string positionals, std::string summary)
    : program_(std::move(program)),
      positionals_usage_(std::move(positionals)),
      summary_(std::move(summary)) {}

void ArgParser::add_flag(const std::string& name, const std::string& help) {
  specs_.push_back(Spec{name, "", help, false});
}

void ArgParser::add_option(const std::string& name, const std::string& value_name,
                           const std::string& help, bool repeatable) {
  specs_.push_back(Spec{name, value_name, help, repeatable});
}

const ArgParser::Spec* ArgParser::find(const std::string& name) const {
  for (const Spec& s : specs_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Status ArgParser::parse(int argc, const char* const* argv) {
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i] ? argv[i] : "";
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      positionals_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      help_ = true;
      return Status::ok();
    }
    if (arg.rfind("--", 0) != 0) {
      return usage_error("unknown option '" + arg + "' (see --help)");
    }
    std::string name = arg.substr(2);
    std::string value;
    bool inline_value = false;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    const Spec* spec = find(name);
    if (!spec) return usage_error("unknown option '--" + name + "' (see --help)");
    if (spec->value_name.empty()) {
      if (inline_value) return usage_error("option --" + name + " takes no value");
      value.assign(1, '1');  // not = "1": GCC 12 -Wrestrict false positive
    } else if (!inline_value) {
      if (i + 1 >= argc || !argv[i + 1]) {
        return usage_error("option --" + name + " needs a value (" + spec->value_name + ")");
      }
      value = argv[++i];
    }
    auto& slot = values_[name];
    if (!slot.empty() && !spec->repeatable) {
      return usage_error("option --" + name + " is given more than once");
    }
    slot.push_back(value);
  }
  return Status::ok();
}

std::string ArgParser::help_text() const {
  std::string text = "usage: " + program_ + " " + positionals_usage_ + " [options]\n";
  if (!summary_.empty()) text += "\n" + summary_ + "\n";
  text += "\noptions:\n";
  for (const Spec& s : specs_) {
    std::string left = "  --" + s.name;
    if (!s.value_name.empty()) left += " " + s.value_name;
    if (s.repeatable) left += " ...";
    if (left.size() < 28) {
      left.append(28 - left.size(), ' ');
    } else {
      left += "\n" + std::string(28, ' ');
    }
    // Indent continuation lines of the help text under the first one.
    std::string help;
    for (char c : s.help) {
      help += c;
      if (c == '\n') help += std::string(28, ' ');
    }
    text += left + help + "\n";
  }
  text += "  -h, --help                print this help\n";
  return text;
}

bool ArgParser::has(const std::string& name) const {
  auto it = values_.find(name);
  return it != values_.end() && !it->second.empty();
}

std::string ArgParser::get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() || it->second.empty() ? fallback : it->second.back();
}

std::vector<std::string> ArgParser::get_all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

Result<int64_t> ArgParser::get_int(const std::string& name, int64_t fallback, int64_t min,
                                   int64_t max) const {
  if (!has(name)) return fallback;
  const std::string text = get(name);
  int64_t value = 0;
  if (!parse_int64(text, &value) || value < min || value > max) {
    return usage_error("--" + name + ": expected an integer from " + std::to_string(min) + " to " +
                       std::to_string(max) + ", got '" + text + "'");
  }
  return value;
}

Result<uint64_t> ArgParser::get_u64(const std::string& name, uint64_t fallback) const {
  if (!has(name)) return fallback;
  const std::string text = get(name);
  uint64_t value = 0;
  if (!parse_uint64(text, &value)) {
    return usage_error("--" + name + ": expected an unsigned 64-bit integer, got '" + text + "'");
  }
  return value;
}

}  // namespace edgeinfer::tools
