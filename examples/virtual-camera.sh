#!/usr/bin/env bash
# A virtual camera with the background blurred (or replaced): camera -> edgebgremove ->
# v4l2loopback device, which video-call applications then offer as a camera.
#   bash examples/virtual-camera.sh [EDGEBGREMOVE PROPERTIES...]
# Environment: CAMERA (default /dev/video0), LOOPBACK (default /dev/video10),
#              WIDTH/HEIGHT/FPS (default 1280x720 at 30).
# Once, as root (Debian: apt-get install v4l2loopback-dkms):
#   modprobe v4l2loopback devices=1 video_nr=10 card_label="EdgeInfer camera" exclusive_caps=1
# Without a camera, a moving test pattern stands in for it (videotestsrc), so the pipeline can
# be tried anywhere; see docs/virtual-camera.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$root/build/gst}"
camera="${CAMERA:-/dev/video0}"
loopback="${LOOPBACK:-/dev/video10}"
caps="video/x-raw,width=${WIDTH:-1280},height=${HEIGHT:-720},framerate=${FPS:-30}/1"

if [ -e "$camera" ]; then
  source=(v4l2src "device=$camera" ! videoconvert ! videoscale ! videorate ! "$caps")
else
  echo "no camera at $camera: using a test pattern" >&2
  source=(videotestsrc is-live=true pattern=ball ! "$caps")
fi
if [ -e "$loopback" ]; then
  sink=(videoconvert ! video/x-raw,format=YUY2 ! v4l2sink "device=$loopback" sync=false)
else
  echo "no v4l2loopback device at $loopback (see the modprobe line in $0): showing a window" >&2
  sink=(videoconvert ! autovideosink)
fi
exec gst-launch-1.0 "${source[@]}" ! queue max-size-buffers=1 leaky=downstream ! \
  edgebgremove mode=blur "$@" ! "${sink[@]}"
