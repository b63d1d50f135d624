#!/usr/bin/env bash
# The main job: background removal on a real portrait with the default model.
# Sets up a fresh Debian 12 machine, builds EdgeInfer, runs the MediaPipe selfie segmentation
# model on astronaut.png (python3-skimage's sample portrait) and writes
#   out/astronaut_mask.png       the person mask
#   out/astronaut_cutout.png     the portrait with the background greyed out
#   bash scripts/main-job.sh [IMAGE]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/install-deps.sh"
cd "$root"
[ -f build/build.ninja ] || meson setup build --buildtype=release
meson compile -C build

image="${1:-/usr/lib/python3/dist-packages/skimage/data/astronaut.png}"
model="$root/node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.tflite"
mkdir -p out
/usr/bin/python3 examples/npy_image.py to-npy "$image" out/input.npy --size 256 256
./build/engine/tools/edgeinfer-run "$model" --input input_1=out/input.npy --output-dir out
mask=$(ls -t out/*.npy | grep -v input.npy | head -n 1)
/usr/bin/python3 examples/npy_image.py to-png "$mask" out/astronaut_mask.png \
  --image "$image" --composite out/astronaut_cutout.png
echo "wrote out/astronaut_mask.png and out/astronaut_cutout.png"
