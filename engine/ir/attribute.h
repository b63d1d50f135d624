// Typed node attributes (the ONNX attribute kinds a subgraph-free IR needs).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "ir/constant.h"

namespace edgeinfer::ir {

using Attribute = std::variant<int64_t, float, std::string, std::vector<int64_t>,
                               std::vector<float>, std::vector<std::string>, ConstantPtr>;

const char* attribute_kind_name(const Attribute& attribute);

}  // namespace edgeinfer::ir
