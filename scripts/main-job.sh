#!/usr/bin/env bash
# The main job: background blur on a real portrait with the default model, through the
# GStreamer plugin. Sets up a fresh Debian 12 machine, builds EdgeInfer, freezes astronaut.png
# (python3-skimage's sample portrait) into a 2-second clip, runs it through
# edgebgremove mode=blur and writes
#   out/astronaut_blur.webm   the clip with the background blurred (VP8)
#   out/astronaut_blur.png    one frame of it
#   out/astronaut_mask.png    the person mask (edgebgremove mode=mask)
#   bash scripts/main-job.sh [IMAGE]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/install-deps.sh"
cd "$root"
[ -f build/build.ninja ] || meson setup build --buildtype=release
meson compile -C build

image="${1:-/usr/lib/python3/dist-packages/skimage/data/astronaut.png}"
export GST_PLUGIN_PATH="$root/build/gst"
mkdir -p out
still="filesrc location=$image ! decodebin ! videoconvert ! videoscale ! video/x-raw,width=512,height=512"

# shellcheck disable=SC2086 # the pipeline descriptions are split into words on purpose
gst-launch-1.0 -q $still ! imagefreeze num-buffers=30 ! video/x-raw,framerate=15/1 ! \
  edgebgremove mode=blur ! videoconvert ! vp8enc deadline=1 ! webmmux ! \
  filesink location=out/astronaut_blur.webm
# shellcheck disable=SC2086
gst-launch-1.0 -q $still ! imagefreeze num-buffers=1 ! edgebgremove mode=blur ! videoconvert ! \
  pngenc ! filesink location=out/astronaut_blur.png
# shellcheck disable=SC2086
gst-launch-1.0 -q $still ! imagefreeze num-buffers=1 ! edgebgremove mode=mask ! videoconvert ! \
  pngenc ! filesink location=out/astronaut_mask.png
echo "wrote out/astronaut_blur.webm, out/astronaut_blur.png and out/astronaut_mask.png"
