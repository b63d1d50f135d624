#!/bin/bash
# Makes the folder that tests/vulkan/gpu_bench.sh runs from on a GPU machine without the
# build's dependencies: the tools of one or more builds (as VARIANT/bin), the shared libraries
# they need beyond glibc and libstdc++ (lib/), the reference models and the scripts.
#   make_gpu_bundle.sh DEST VARIANT=BUILD_DIR...
set -eu
dest=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dest/lib" "$dest/models"
for spec in "$@"; do
  name=${spec%%=*}; build=${spec#*=}
  mkdir -p "$dest/$name/bin"
  for t in engine/tools/edgeinfer-bench engine/tools/edgeinfer-run tests/vulkan/edgeinfer-frame-latency \
           tests/vulkan/vulkan_tests; do
    [ -x "$build/$t" ] && cp "$build/$t" "$dest/$name/bin/"
  done
  for b in "$dest/$name/bin/"*; do
    ldd "$b" | awk '/=> \// {print $3}' | grep -vE '/(libc|libm|libstdc\+\+|libgcc_s|ld-linux|libpthread|libdl|librt)\.so' \
      | xargs -r -I{} cp -L {} "$dest/lib/"
  done
done
cp "$here/../../../shared/models/"*.onnx "$dest/models/" 2>/dev/null || cp /work/shared/models/*.onnx "$dest/models/"
tflite=$here/../../node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.tflite
[ -f "$tflite" ] && cp "$tflite" "$dest/"
cp "$here/gpu_bench.sh" "$here/ort_bench.py" "$here/vulkan_models.py" "$dest/"
du -sh "$dest"
