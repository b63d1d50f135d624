// Compute pipelines of the embedded shaders, created on first use, all sharing one layout:
// seven storage buffers (binding 0 the output, then the inputs) and 128 bytes of push
// constants. A VkPipelineCache is loaded from and saved to the cache directory, so that
// later sessions skip the driver's shader compilation.
#pragma once

#include <array>
#include <map>
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
  // read or written only costs time.
  static Result<std::unique_ptr<Pipelines>> create(std::shared_ptr<Device> device,
                                                   const std::string& cache_dir);
  ~Pipelines();
  Pipelines(const Pipelines&) = delete;
  Pipelines& operator=(const Pipelines&) = delete;

  // `half_mask` 0: the plain fp32 shader; otherwise its fp16-storage variant specialized for
  // the bindings in the mask (Dispatch::half_mask; needs storageBuffer16BitAccess).
  Result<VkPipeline> get(ShaderId id, uint32_t half_mask = 0);
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
  std::map<std::pair<ShaderId, uint32_t>, VkPipeline> half_pipelines_;  // by (shader, mask)
  std::array<VkPipeline, static_cast<size_t>(ShaderId::kCount)> pipelines_{};
};

}  // namespace edgeinfer::vulkan
