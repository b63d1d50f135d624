// Names of option values, shared by the API, the tools and the elements.
#include "edgeinfer/edgeinfer.h"

namespace edgeinfer {

const char* backend_name(Backend backend) {
  switch (backend) {
    case Backend::kAuto:
      return "auto";
    case Backend::kCpu:
      return "cpu";
    case Backend::kVulkan:
      return "vulkan";
  }
  return "?";
}

const char* memory_mode_name(MemoryMode mode) {
  switch (mode) {
    case MemoryMode::kSeparate:
      return "separate";
    case MemoryMode::kReduce:
      return "reduce";
    case MemoryMode::kReuse:
      return "reuse";
    case MemoryMode::kPlanned:
      return "planned";
  }
  return "?";
}

const char* weights_mode_name(WeightsMode mode) {
  return mode == WeightsMode::kLoad ? "load" : "mapped";
}

const char* cpu_layout_name(CpuLayout layout) {
  switch (layout) {
    case CpuLayout::kAuto:
      return "auto";
    case CpuLayout::kNchw:
      return "nchw";
    case CpuLayout::kNchwc:
      return "nchwc";
  }
  return "?";
}

Result<Backend> parse_backend(const std::string& text) {
  for (Backend b : {Backend::kAuto, Backend::kCpu, Backend::kVulkan}) {
    if (text == backend_name(b)) return b;
  }
  return error(StatusCode::kInvalidArgument,
               "unknown backend '" + text + "' (expected auto, cpu or vulkan)");
}

Result<MemoryMode> parse_memory_mode(const std::string& text) {
  for (MemoryMode m :
       {MemoryMode::kSeparate, MemoryMode::kReduce, MemoryMode::kReuse, MemoryMode::kPlanned}) {
    if (text == memory_mode_name(m)) return m;
  }
  return error(StatusCode::kInvalidArgument,
               "unknown memory mode '" + text + "' (expected separate, reduce, reuse or planned)");
}

Result<WeightsMode> parse_weights_mode(const std::string& text) {
  if (text == "load") return WeightsMode::kLoad;
  if (text == "mapped") return WeightsMode::kMapped;
  return error(StatusCode::kInvalidArgument,
               "unknown weights mode '" + text + "' (expected load or mapped)");
}

Result<CpuLayout> parse_cpu_layout(const std::string& text) {
  for (CpuLayout l : {CpuLayout::kAuto, CpuLayout::kNchw, CpuLayout::kNchwc}) {
    if (text == cpu_layout_name(l)) return l;
  }
  return error(StatusCode::kInvalidArgument,
               "unknown CPU layout '" + text + "' (expected auto, nchw or nchwc)");
}

const char* version() {
  return EDGEINFER_VERSION;
}

}  // namespace edgeinfer
