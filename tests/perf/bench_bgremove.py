#!/usr/bin/env python3
"""Realtime benchmark of edgebgremove: a live source at WIDTHxHEIGHT and FPS through
edgebgremove into a synchronised sink for N seconds.

Reports late frames at the sink (frames the sink dropped for arriving more than 20 ms late,
like a video sink), the mask age the element saw, and the element's own CPU time per frame
(pre-processing + inference + compositing, measured inside the element with thread CPU clocks
and posted in its once-a-second edgebgremove-stats message), with the load average of the
machine before and after (a shared machine slows the worker down: see the inference wall time).

--stages also runs build/tests/gst/bench_stages on the same frame size: each stage alone
(pre-processing, inference, guided-filter upsampling, background blur, blending), medians of
thread CPU time, nothing running beside it in the process.

  python3 tests/perf/bench_bgremove.py [--width 1280 --height 720 --fps 30 --seconds 60]
      [--source astronaut|testsrc] [--mode blur] [--plugin-path build/gst] [--json]
      [--stages] [-- extra edgebgremove properties]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=720)
    ap.add_argument("--fps", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--source", choices=["astronaut", "testsrc"], default="astronaut")
    ap.add_argument("--mode", default="blur")
    ap.add_argument("--plugin-path", default=os.path.join(ROOT, "build", "gst"))
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--stages", action="store_true", help="also time each stage alone (bench_stages)")
    ap.add_argument("--bench-stages", default=os.path.join(ROOT, "build", "tests", "gst", "bench_stages"))
    ap.add_argument("props", nargs="*", help="extra edgebgremove properties (name=value)")
    args = ap.parse_args()

    os.environ["GST_PLUGIN_PATH"] = args.plugin_path
    try:
        import gi
    except ImportError:
        # PyGObject (python3-gi) comes with the system's Python; another python3 first on PATH
        # (pyenv, a virtual environment) lacks it.
        if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
            os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
        raise
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)

    caps = f"video/x-raw,width={args.width},height={args.height},framerate={args.fps}/1"
    frames = int(args.seconds * args.fps)
    if args.source == "astronaut":
        image = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png"
        source = (f"filesrc location={image} ! pngdec ! videoconvert ! videoscale ! "
                  f"video/x-raw,format=I420,width={args.width},height={args.height} ! "
                  f"imagefreeze is-live=true num-buffers={frames} ! {caps}")
    else:
        source = f"videotestsrc is-live=true pattern=ball num-buffers={frames} ! {caps},format=I420"
    desc = (f"{source} ! edgebgremove name=bg mode={args.mode} {' '.join(args.props)} ! "
            "fakesink name=sink sync=true qos=true max-lateness=20000000")
    load_before = os.getloadavg()
    pipeline = Gst.parse_launch(desc)
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)

    windows = []
    error = None
    sink_stats = None
    while True:
        msg = bus.timed_pop_filtered(int((args.seconds + 60) * Gst.SECOND),
                                     Gst.MessageType.ERROR | Gst.MessageType.EOS | Gst.MessageType.ELEMENT)
        if msg is None:
            error = "timeout"
            break
        if msg.type == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s and s.get_name() == "edgebgremove-stats":
                windows.append({k: s.get_value(k) for k in (
                    "frames", "inferences", "reused-mask-frames", "mask-age", "max-mask-age-seen",
                    "max-mask-age-window",
                    "inference-time", "inference-cpu-time", "preprocess-time", "composite-time",
                    "upsample-time", "blur-time", "blend-time", "cpu-time-per-frame")})
            continue
        if msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            error = f"{err.message} ({dbg})"
        break
    sink = pipeline.get_by_name("sink")
    bg = pipeline.get_by_name("bg")
    sink_stats = sink.get_property("stats")
    load_after = os.getloadavg()

    def median_of(field):
        # the first second holds the model warm-up and the no-mask-yet frames
        # (fields an older build of the element does not post are None)
        values = [w[field] for w in windows[1:] if w[field] is not None]
        return round(statistics.median(values), 3) if values else None

    result = {
        "width": args.width, "height": args.height, "fps": args.fps, "seconds": args.seconds,
        "source": args.source, "mode": args.mode, "properties": " ".join(args.props),
        "frames": bg.get_property("frames"),
        "inferences": bg.get_property("inferences"),
        "reused_mask_frames": bg.get_property("reused-mask-frames"),
        "rendered": sink_stats.get_value("rendered"),
        "late_dropped": sink_stats.get_value("dropped"),
        "max_mask_age": max((w["max-mask-age-seen"] for w in windows), default=-1),
        "max_mask_age_after_first_second": max(
            (w["max-mask-age-window"] for w in windows[1:] if w["max-mask-age-window"] is not None),
            default=None),
        "median_cpu_per_frame_ms": median_of("cpu-time-per-frame"),
        "median_composite_ms": median_of("composite-time"),
        "median_upsample_ms": median_of("upsample-time"),
        "median_blur_ms": median_of("blur-time"),
        "median_blend_ms": median_of("blend-time"),
        "median_preprocess_ms": median_of("preprocess-time"),
        "median_inference_ms": median_of("inference-time"),
        "median_inference_cpu_ms": median_of("inference-cpu-time"),
        "loadavg_before": " ".join(f"{v:.2f}" for v in load_before),
        "loadavg_after": " ".join(f"{v:.2f}" for v in load_after),
        "error": error,
    }
    pipeline.set_state(Gst.State.NULL)
    if args.stages:
        stages = subprocess.run([args.bench_stages, "--width", str(args.width), "--height",
                                 str(args.height), "--mode", args.mode, "--json"],
                                capture_output=True, text=True)
        if stages.returncode != 0:
            result["stages_error"] = stages.stderr.strip()
        else:
            result["stages"] = json.loads(stages.stdout)
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:26s} {v}")
    return 0 if error is None else 1


if __name__ == "__main__":
    sys.exit(main())
