#!/usr/bin/env bash
# File in, file out through edgebgremove, for each mode.
#   bash examples/bgremove-file.sh MODE INPUT OUTPUT [ELEMENT PROPERTIES...]
# MODE: blur | replace | green | alpha | mask.  INPUT: a video file or a still image (frozen
# into a 3-second clip).  OUTPUT: .webm (VP8) for blur/replace/green/mask; for alpha a folder
# of RGBA PNG frames (VP8 has no alpha here).  Examples:
#   bash examples/bgremove-file.sh blur /usr/share/doc/opencv-doc/examples/data/vtest.avi out/blur.webm
#   bash examples/bgremove-file.sh replace astronaut.png out/replace.webm \
#       background=/usr/lib/python3/dist-packages/skimage/data/coffee.png
#   bash examples/bgremove-file.sh alpha astronaut.png out/alpha-frames
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ $# -ge 3 ] || { sed -n '2,12p' "$0"; exit 2; }
mode="$1" input="$2" output="$3"
shift 3
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$root/build/gst}"

case "$input" in
  *.png|*.jpg|*.jpeg)
    source=(filesrc "location=$input" ! decodebin ! videoconvert ! imagefreeze num-buffers=45 !
            video/x-raw,framerate=15/1) ;;
  *)
    source=(filesrc "location=$input" ! decodebin ! videoconvert) ;;
esac

if [ "$mode" = alpha ]; then
  mkdir -p "$output"
  sink=(pngenc ! multifilesink "location=$output/frame-%05d.png")
else
  mkdir -p "$(dirname "$output")"
  sink=(videoconvert ! vp8enc deadline=1 ! webmmux ! filesink "location=$output")
fi
gst-launch-1.0 -e "${source[@]}" ! edgebgremove "mode=$mode" "$@" ! "${sink[@]}"
