#include "vulkan/pipelines.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

namespace edgeinfer::vulkan {

namespace {

std::string default_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/edgeinfer";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/edgeinfer";
  return "";
}

std::vector<char> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

Result<std::unique_ptr<Pipelines>> Pipelines::create(std::shared_ptr<Device> device,
                                                     const std::string& cache_dir) {
  std::unique_ptr<Pipelines> p(new Pipelines());
  p->device_ = device;
  const Vk& vk = device->vk();
  VkDescriptorSetLayoutBinding bindings[kMaxBindings];
  for (uint32_t i = 0; i < kMaxBindings; ++i) {
    bindings[i] = {};
    bindings[i].binding = i;
    bindings[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    bindings[i].descriptorCount = 1;
    bindings[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
  }
  VkDescriptorSetLayoutCreateInfo set_info{};
  set_info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO;
  set_info.bindingCount = kMaxBindings;
  set_info.pBindings = bindings;
  EI_VK_CHECK(vk.vkCreateDescriptorSetLayout(device->device(), &set_info, nullptr, &p->set_layout_),
              "vkCreateDescriptorSetLayout");
  VkPushConstantRange push{VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushConstantWords * 4};
  VkPipelineLayoutCreateInfo layout_info{};
  layout_info.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO;
  layout_info.setLayoutCount = 1;
  layout_info.pSetLayouts = &p->set_layout_;
  layout_info.pushConstantRangeCount = 1;
  layout_info.pPushConstantRanges = &push;
  EI_VK_CHECK(vk.vkCreatePipelineLayout(device->device(), &layout_info, nullptr, &p->layout_),
              "vkCreatePipelineLayout");

  const std::string dir = cache_dir.empty() ? default_cache_dir() : cache_dir;
  if (!dir.empty()) {
    char name[96];
    std::snprintf(name, sizeof(name), "/vulkan-pipelines-%04x-%04x.bin", device->info().vendor_id,
                  device->info().device_id);
    p->cache_path_ = dir + name;
  }
  // The driver checks the header (vendor, device, cache UUID) and ignores a stale cache.
  std::vector<char> data = p->cache_path_.empty() ? std::vector<char>{} : read_file(p->cache_path_);
  VkPipelineCacheCreateInfo cache_info{};
  cache_info.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO;
  cache_info.initialDataSize = data.size();
  cache_info.pInitialData = data.empty() ? nullptr : data.data();
  if (vk.vkCreatePipelineCache(device->device(), &cache_info, nullptr, &p->cache_) != VK_SUCCESS) {
    cache_info.initialDataSize = 0;
    cache_info.pInitialData = nullptr;
    EI_VK_CHECK(vk.vkCreatePipelineCache(device->device(), &cache_info, nullptr, &p->cache_),
                "vkCreatePipelineCache");
  }
  return p;
}

Result<VkPipeline> Pipelines::get(ShaderId id, uint32_t half_mask) {
  VkPipeline& slot =
      half_mask == 0 ? pipelines_[static_cast<size_t>(id)] : half_pipelines_[{id, half_mask}];
  if (slot) return slot;
  const Vk& vk = device_->vk();
  const ShaderCode& code = shader_code(id, half_mask != 0);
  VkShaderModuleCreateInfo module_info{};
  module_info.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO;
  module_info.codeSize = code.word_count * sizeof(uint32_t);
  module_info.pCode = code.words;
  VkShaderModule module = VK_NULL_HANDLE;
  EI_VK_CHECK(vk.vkCreateShaderModule(device_->device(), &module_info, nullptr, &module),
              std::string("vkCreateShaderModule ") + code.name);
  VkComputePipelineCreateInfo info{};
  info.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO;
  info.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
  info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  info.stage.module = module;
  info.stage.pName = "main";
  // ei_half_mask (shaders/common.glsl): the branches on each binding's type fold away.
  const VkSpecializationMapEntry entry{0, 0, sizeof(uint32_t)};
  VkSpecializationInfo specialization{1, &entry, sizeof(uint32_t), &half_mask};
  if (half_mask != 0) info.stage.pSpecializationInfo = &specialization;
  info.layout = layout_;
  const VkResult r =
      vk.vkCreateComputePipelines(device_->device(), cache_, 1, &info, nullptr, &slot);
  vk.vkDestroyShaderModule(device_->device(), module, nullptr);
  EI_VK_CHECK(r, std::string("vkCreateComputePipelines ") + code.name);
  return slot;
}

void Pipelines::save_cache() const {
  if (cache_path_.empty()) return;
  const Vk& vk = device_->vk();
  size_t size = 0;
  if (vk.vkGetPipelineCacheData(device_->device(), cache_, &size, nullptr) != VK_SUCCESS) return;
  std::vector<char> data(size);
  if (vk.vkGetPipelineCacheData(device_->device(), cache_, &size, data.data()) != VK_SUCCESS)
    return;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(cache_path_).parent_path(), ec);
  const std::string tmp = cache_path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return;
    out.write(data.data(), static_cast<std::streamsize>(size));
    if (!out) return;
  }
  std::filesystem::rename(tmp, cache_path_, ec);  // atomic: concurrent sessions never see half
}

Pipelines::~Pipelines() {
  const Vk& vk = device_->vk();
  for (VkPipeline pipeline : pipelines_) {
    if (pipeline) vk.vkDestroyPipeline(device_->device(), pipeline, nullptr);
  }
  for (const auto& [key, pipeline] : half_pipelines_) {
    if (pipeline) vk.vkDestroyPipeline(device_->device(), pipeline, nullptr);
  }
  if (cache_) vk.vkDestroyPipelineCache(device_->device(), cache_, nullptr);
  if (layout_) vk.vkDestroyPipelineLayout(device_->device(), layout_, nullptr);
  if (set_layout_) vk.vkDestroyDescriptorSetLayout(device_->device(), set_layout_, nullptr);
}

}  // namespace edgeinfer::vulkan
