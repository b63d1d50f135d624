#!/usr/bin/env bash
# Installs everything EdgeInfer needs on Debian 12: build tools and libraries (apt), ONNX
# Runtime as a test reference and the default MediaPipe models (npm, into this checkout).
# Safe to run again; needs root (or sudo) for apt-get.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

packages=(
  build-essential meson ninja-build pkg-config clang libclang-rt-14-dev
  libonnx-dev libonnx-testdata libprotobuf-dev protobuf-compiler
  libflatbuffers-dev flatbuffers-compiler
  libvulkan-dev glslc spirv-tools mesa-vulkan-drivers vulkan-tools
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  python3-gi gir1.2-gstreamer-1.0
  catch2 python3 python3-numpy python3-onnx python3-skimage python3-matplotlib
)
# Node.js and npm: Debian's, unless the machine already has them.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm packages live in the checkout (node_modules/ is ignored by git):
#  - onnxruntime-node: the reference engine for tests and benchmarks. --ignore-scripts skips
#    its post-install step, which only downloads GPU add-ons; the CPU library is in the package.
#  - @mediapipe/selfie_segmentation: the default model (.tflite files).
cd "$root"
if [ ! -d node_modules/onnxruntime-node ] || [ ! -d node_modules/@mediapipe/selfie_segmentation ]; then
  npm install --no-audit --no-fund --ignore-scripts --no-save \
    onnxruntime-node@1.30.0 @mediapipe/selfie_segmentation@0.1.1675465747
fi
