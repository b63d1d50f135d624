#!/bin/bash
# Benchmarks the Vulkan executor on a GPU machine, with ONNX Runtime CPU (python onnxruntime,
# all cores) beside it in the same run; for docs/vulkan.md. Runs from a bundle folder made by
# tests/vulkan/make_gpu_bundle.sh (bin/ lib/ models/ and this script); results go to $OUT.
#   gpu_bench.sh BUNDLE [profile|bench|all] [VARIANT...]
# VARIANT: a folder under BUNDLE holding bin/ (several builds side by side, e.g. base new).
set -u
bundle=$(cd "$1" && pwd); what=${2:-all}; shift 2
variants=${*:-new}
out=${OUT:-/tmp/out}; mkdir -p "$out"
export LD_LIBRARY_PATH="$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export XDG_CACHE_HOME=/tmp/ei-cache
models="selfie_segmentation.onnx mediapipe.onnx SINet_Softmax_simple.onnx"
for v in $variants; do
  bin="$bundle/$v/bin"
  EDGEINFER_VULKAN_VERBOSE=1 "$bin/edgeinfer-bench" "$bundle/models/mediapipe.onnx" \
    --backend vulkan --iterations 1 --warmup 0 2>&1 | grep -m3 "vulkan" | tee -a "$out/device.txt"
  for m in $models; do
    if [ "$what" = profile ] || [ "$what" = all ]; then
      echo "== $v $m" >> "$out/profile.txt"
      "$bin/edgeinfer-bench" "$bundle/models/$m" --backend vulkan --warmup 20 --iterations 100 \
        --profile > /tmp/profile.txt 2>&1
      cat /tmp/profile.txt >> "$out/profile.txt"
      echo "== $v $m"; grep -A16 "^profile" /tmp/profile.txt
    fi
    if [ "$what" = bench ] || [ "$what" = all ]; then
      rm -rf /tmp/ei-cache
      echo "$v cold-cache $("$bin/edgeinfer-bench" "$bundle/models/$m" --backend vulkan --warmup 20 --iterations 300 --json)" | tee -a "$out/bench.txt"
      echo "$v warm-cache $("$bin/edgeinfer-bench" "$bundle/models/$m" --backend vulkan --warmup 20 --iterations 300 --json)" | tee -a "$out/bench.txt"
      if [ -x "$bin/edgeinfer-frame-latency" ]; then
        echo "$v frame $("$bin/edgeinfer-frame-latency" "$bundle/models/$m" --backend vulkan)" | tee -a "$out/bench.txt"
      fi
    fi
  done
done
if [ "$what" = bench ] || [ "$what" = all ]; then
  last=$(echo $variants | awk '{print $NF}')
  for m in $models; do
    echo "cpu-executor-all-cores $("$bundle/$last/bin/edgeinfer-bench" "$bundle/models/$m" --backend cpu --threads 0 --warmup 20 --iterations 100 --json)" | tee -a "$out/bench.txt"
  done
  (cd "$bundle/models" && python3 "$bundle/ort_bench.py" $models) | tee -a "$out/bench.txt"
fi
