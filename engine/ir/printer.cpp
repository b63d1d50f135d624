// Graph::to_string: one line per input, constant, node and output.
#include <sstream>

#include "ir/graph.h"

namespace edgeinfer::ir {

namespace {

std::string value_type(const Value& v) {
  std::ostringstream out;
  out << dtype_name(v.dtype);
  if (!v.has_shape) return out.str() + "[?]";
  out << '[';
  for (size_t i = 0; i < v.dims.size(); ++i) {
    if (i) out << ',';
    const Dim& d = v.dims[i];
    if (d.is_static()) {
      out << d.value;
    } else {
      out << (d.symbol.empty() ? "?" : d.symbol);
    }
  }
  out << ']';
  return out.str();
}

template <typename T>
void print_list(std::ostringstream& out, const std::vector<T>& list) {
  out << '[';
  const size_t shown = list.size() > 16 ? 16 : list.size();
  for (size_t i = 0; i < shown; ++i)
    out << (i ? "," : "") << list[i];
  if (shown < list.size()) out << ",...";
  out << ']';
}

std::string attribute_text(const Attribute& a) {
  std::ostringstream out;
  if (auto* i = std::get_if<int64_t>(&a)) {
    out << *i;
  } else if (auto* f = std::get_if<float>(&a)) {
    out << *f;
  } else if (auto* s = std::get_if<std::string>(&a)) {
    out << '"' << *s << '"';
  } else if (auto* is = std::get_if<std::vector<int64_t>>(&a)) {
    print_list(out, *is);
  } else if (auto* fs = std::get_if<std::vector<float>>(&a)) {
    print_list(out, *fs);
  } else if (auto* ss = std::get_if<std::vector<std::string>>(&a)) {
    print_list(out, *ss);
  } else if (auto* t = std::get_if<ConstantPtr>(&a)) {
    out << "tensor<" << dtype_name((*t)->dtype()) << shape_to_string((*t)->shape()) << '>';
  }
  return out.str();
}

}  // namespace

std::string Graph::to_string() const {
  std::ostringstream out;
  out << "graph " << (name.empty() ? "(unnamed)" : name) << " {\n";
  for (ValueId id : inputs) {
    out << "  input  %" << values[id].name << " : " << value_type(values[id]) << '\n';
  }
  for (const Value& v : values) {
    if (v.kind != ValueKind::kConstant) continue;
    out << "  const  %" << v.name << " : " << value_type(v)
        << (v.overridable ? " (overridable)" : "") << '\n';
  }
  for (const Node& node : nodes) {
    out << "  ";
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      out << (i ? ", " : "");
      out << (node.outputs[i] == kNoValue ? std::string("_") : "%" + values[node.outputs[i]].name);
    }
    out << " = " << (node.domain.empty() ? "" : node.domain + ".") << node.op_type;
    if (!node.attributes.empty()) {
      out << '<';
      bool first = true;
      for (const auto& [key, attr] : node.attributes) {
        out << (first ? "" : ", ") << key << '=' << attribute_text(attr);
        first = false;
      }
      out << '>';
    }
    out << '(';
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      out << (i ? ", " : "");
      out << (node.inputs[i] == kNoValue ? std::string("_") : "%" + values[node.inputs[i]].name);
    }
    out << ")  # " << node.name;
    for (ValueId o : node.outputs) {
      if (o != kNoValue) out << ' ' << value_type(values[o]);
    }
    out << '\n';
  }
  for (ValueId id : outputs) {
    out << "  output %" << values[id].name << " : " << value_type(values[id]) << '\n';
  }
  out << "}\n";
  return out.str();
}

}  // namespace edgeinfer::ir
