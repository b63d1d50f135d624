// Compute pipelines of the embedded shaders, created on first use, all sharing one layout:
// seven storage buffers (binding 0 the output, then the inputs) and 128 bytes of push
// constants. A VkPipelineCache is loaded from and saved to the cache directory, so that
// later sessions skip the driver's shader compilation.
#pragma once

#include <array>
#include <memory>
#include <string>

#include "vulkan/device.h"
#include "vulkan/shaders.h"

namespace edgeinfer::vulkan {

inline constexpr uint32_t kMaxBindings = 7;
inline constexpr uint32_t kPushConstantWords = 32;

class Pipelines {
 public:
  // `cache_dir` empty: $XDG_CACHE_HOME/edgeinfer (or ~/.cache/edgeinfer); a cache that cannot be
  // read or written only costs time. `fp16_storage`: the shaders' 16-bit storage variants
  // (shader_code), for sessions that store tensors as fp16.
  static Result<std::unique_ptr<Pipelines>> create(std::shared_ptr<Device> device,
                                                   const std::string& cache_dir,
                                                   bool fp16_storage = false);
  ~Pipelines();
  Pipelines(const Pipelines&) = delete;
  Pipelines& operator=(const Pipelines&) = delete;

  Result<VkPipeline> get(ShaderId id);
  VkPipelineLayout layout() const { return layout_; }
  VkDescriptorSetLayout set_layout() const { return set_layout_; }
  // Writes the pipeline cache file (best effort); called once the session's pipelines exist.
  void save_cache() const;
  const std::string& cache_path() const { return cache_path_; }

 private:
  Pipelines() = default;
  std::shared_ptr<Device> device_;
  VkDescriptorSetLayout set_layout_ = VK_NULL_HANDLE;
  VkPipelineLayout layout_ = VK_NULL_HANDLE;
  VkPipelineCache cache_ = VK_NULL_HANDLE;
  std::string cache_path_;
  bool fp16_storage_ = false;
  std::array<VkPipeline, static_cast<size_t>(ShaderId::kCount)> pipelines_{};
};

}  // namespace edgeinfer::vulkan
