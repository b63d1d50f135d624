#!/bin/bash
# fp16 weight storage against fp32 on a GPU machine, side by side in one run, for
# docs/vulkan.md: the fp16 per-op tests and the model comparison (vulkan_models.py) on the
# device, then edgeinfer-bench with --precision fp32 and fp16 alternating (three rounds each,
# so that drift affects both). Runs from a bundle made by tests/vulkan/make_gpu_bundle.sh.
#   gpu_fp16_bench.sh BUNDLE VARIANT   ($MODELS_PY: another vulkan_models.py, default the bundle's)
set -u
bundle=$(cd "$1" && pwd); bin="$bundle/$2/bin"
out=${OUT:-/tmp/out}; mkdir -p "$out"
export LD_LIBRARY_PATH="$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export XDG_CACHE_HOME=/tmp/ei-cache
EDGEINFER_VULKAN_VERBOSE=1 "$bin/edgeinfer-bench" "$bundle/models/mediapipe.onnx" \
  --backend vulkan --precision fp16 --iterations 1 --warmup 0 2>&1 | grep "vulkan" | tee "$out/device.txt"
EDGEINFER_VULKAN_VALIDATION=1 "$bin/vulkan_tests" "[fp16]" 2>&1 | tail -3 | tee "$out/tests.txt"
EDGEINFER_VULKAN_VALIDATION=1 python3 "${MODELS_PY:-$bundle/vulkan_models.py}" --models-dir "$bundle/models" \
  --edgeinfer-run "$bin/edgeinfer-run" --work-dir /tmp/vm \
  --tflite "$bundle/selfie_segmentation.tflite" 2>&1 | tee -a "$out/tests.txt"
for m in selfie_segmentation.onnx mediapipe.onnx SINet_Softmax_simple.onnx; do
  for round in 1 2 3; do
    for p in fp32 fp16; do
      echo "$m $p $round $("$bin/edgeinfer-bench" "$bundle/models/$m" --backend vulkan \
        --precision $p --warmup 50 --iterations 500 --json)" | tee -a "$out/bench.txt"
    done
  done
done
