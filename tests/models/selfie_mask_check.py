#!/usr/bin/env python3
"""Visual check of the default model on a real portrait: selfie_segmentation.onnx on
astronaut.png (Debian's python3-skimage data), through edgeinfer-run and ONNX Runtime.

Also runs the MediaPipe original, selfie_segmentation.tflite (from @mediapipe/selfie_segmentation
in node_modules), through EdgeInfer's TFLite importer: its mask must match the ONNX twin's
(IoU >= 0.99; the weights agree only to fp16 rounding, so the probabilities are compared
loosely).

Checks: IoU of the two masks at threshold 0.5 >= 0.99 (and the probabilities agree within
1e-4, the tolerance of compare_models.py); the person covers a sane fraction of
the image (15%..70%) and the image centre, where the person is. Writes the masks and an
overlay as PNGs into --work-dir for humans to look at.
"""

import argparse
import os
import re
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))


def find_astronaut():
    try:
        out = subprocess.run(['dpkg', '-L', 'python3-skimage'], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True).stdout
        for line in out.splitlines():
            if line.endswith('/astronaut.png') and os.path.exists(line):
                return line
    except OSError:
        pass
    try:
        import skimage.data
        path = os.path.join(os.path.dirname(skimage.data.__file__), 'astronaut.png')
        if os.path.exists(path):
            return path
    except ImportError:
        pass
    return None


def read_png(path):
    try:
        import skimage.io
        return np.asarray(skimage.io.imread(path))
    except ImportError:
        import matplotlib.image
        img = matplotlib.image.imread(path)
        return (img * 255).round().astype(np.uint8) if img.dtype != np.uint8 else img


def write_png(path, image):
    """image: uint8 HxW or HxWx3."""
    try:
        import skimage.io
        skimage.io.imsave(path, image, check_contrast=False)
    except ImportError:
        import matplotlib.image
        matplotlib.image.imsave(path, image, cmap='gray' if image.ndim == 2 else None)


def resize_bilinear(image, height, width):
    """HxWxC float image -> height x width x C, bilinear with half-pixel centres (for an
    integer downscale factor of 2 this is the 2x2 average)."""
    h, w = image.shape[:2]

    def coords(out_size, in_size):
        x = (np.arange(out_size, dtype=np.float64) + 0.5) * (in_size / out_size) - 0.5
        x = np.clip(x, 0, in_size - 1)
        x0 = np.floor(x).astype(np.int64)
        x1 = np.minimum(x0 + 1, in_size - 1)
        return x0, x1, (x - x0)

    y0, y1, fy = coords(height, h)
    x0, x1, fx = coords(width, w)
    fy = fy[:, None, None]
    fx = fx[None, :, None]
    top = image[y0][:, x0] * (1 - fx) + image[y0][:, x1] * fx
    bottom = image[y1][:, x0] * (1 - fx) + image[y1][:, x1] * fx
    return top * (1 - fy) + bottom * fy


def run(cmd, what):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.exit(f"FAIL: {what} failed (exit {proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


def only_output(directory):
    files = sorted(f for f in os.listdir(directory) if f.endswith('.npy'))
    if len(files) != 1:
        sys.exit(f"FAIL: expected one output in {directory}, found {files}")
    return np.load(os.path.join(directory, files[0]))


def iou_of(a, b):
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--models-dir', default=os.path.join(SOURCE_ROOT, '..', 'shared',
                                                             'models'))
    parser.add_argument('--edgeinfer-run', required=True)
    parser.add_argument('--node', default='node')
    parser.add_argument('--ort-run', default=os.path.join(HERE, 'ort_run.js'))
    parser.add_argument('--node-modules', default=os.path.join(SOURCE_ROOT, 'node_modules'))
    parser.add_argument('--image', help='portrait (default: astronaut.png of python3-skimage)')
    parser.add_argument('--work-dir', default='selfie-mask')
    parser.add_argument('--tflite', help='selfie_segmentation.tflite (default: the one in '
                        'node_modules/@mediapipe/selfie_segmentation)')
    parser.add_argument('--min-iou', type=float, default=0.99)
    parser.add_argument('--tolerance', type=float, default=1e-4,
                        help='max abs difference of the probabilities (as in compare_models)')
    args = parser.parse_args()

    if not os.path.exists(os.path.join(args.node_modules, 'onnxruntime-node', 'package.json')):
        sys.exit(f"FAIL: onnxruntime-node is not installed in {args.node_modules}: run "
                 "scripts/install-deps.sh")
    model = os.path.join(args.models_dir, 'selfie_segmentation.onnx')
    if not os.path.exists(model):
        sys.exit(f"FAIL: {model} not found (see shared/models/MODELS.md)")
    image_path = args.image or find_astronaut()
    if not image_path:
        sys.exit("FAIL: astronaut.png not found: install python3-skimage "
                 "(scripts/install-deps.sh)")
    os.makedirs(args.work_dir, exist_ok=True)

    rgb = read_png(image_path)[..., :3].astype(np.float32) / 255.0
    small = resize_bilinear(rgb, 256, 256).astype(np.float32)
    input_path = os.path.join(args.work_dir, 'input.npy')
    np.save(input_path, small[None])  # [1,256,256,3] NHWC, RGB in [0,1]
    ei_dir = os.path.join(args.work_dir, 'edgeinfer')
    ort_dir = os.path.join(args.work_dir, 'ort')
    spec = f'input_1:0={input_path}'
    run([args.edgeinfer_run, model, '--input', spec, '--output-dir', ei_dir], 'edgeinfer-run')
    run([args.node, args.ort_run, model, '--node-modules', args.node_modules, '--input', spec,
         '--output-dir', ort_dir], 'ort_run.js')
    tflite = args.tflite or os.path.join(args.node_modules, '@mediapipe', 'selfie_segmentation',
                                         'selfie_segmentation.tflite')
    if not os.path.exists(tflite):
        sys.exit(f"FAIL: {tflite} not found: run scripts/install-deps.sh")
    # The .tflite names its input differently; read it from the graph dump.
    tfl_dir = os.path.join(args.work_dir, 'edgeinfer-tflite')
    for d in (tfl_dir,):
        if os.path.isdir(d):
            for f in os.listdir(d):
                os.remove(os.path.join(d, f))
    dump = run([args.edgeinfer_run, tflite, '--random-input', '1', '--dump-graph', '--quiet',
                '--output-dir', tfl_dir], 'edgeinfer-run --dump-graph (tflite)')
    inputs = re.findall(r'^\s*input\s+%(\S+)\s*:', dump, flags=re.M)
    if len(inputs) != 1:
        sys.exit(f"FAIL: expected one input in the .tflite graph dump, found {inputs}")
    run([args.edgeinfer_run, tflite, '--input', f'{inputs[0]}={input_path}', '--output-dir',
         tfl_dir], 'edgeinfer-run (tflite)')
    tfl = only_output(tfl_dir)

    ei = np.load(os.path.join(ei_dir, 'activation_10.npy'))
    ref = np.load(os.path.join(ort_dir, 'activation_10.npy'))
    if ei.shape != ref.shape or ei.shape != (1, 256, 256, 1):
        sys.exit(f"FAIL: mask shapes: edgeinfer {ei.shape}, ONNX Runtime {ref.shape}, "
                 "expected (1, 256, 256, 1)")
    ei_prob = ei[0, :, :, 0]
    ref_prob = ref[0, :, :, 0]
    ei_mask = ei_prob > 0.5
    ref_mask = ref_prob > 0.5

    iou = iou_of(ei_mask, ref_mask)
    if tfl.shape != ei.shape:
        sys.exit(f"FAIL: .tflite mask shape {tfl.shape}, ONNX mask shape {ei.shape}")
    tfl_prob = tfl[0, :, :, 0]
    tfl_iou = iou_of(tfl_prob > 0.5, ei_mask)
    tfl_diff = float(np.abs(tfl_prob - ei_prob).max())
    fraction = float(ei_mask.mean())
    centre = ei_mask[112:144, 112:144]
    centre_cover = float(centre.mean())
    max_diff = float(np.abs(ei_prob - ref_prob).max())

    # Pictures for humans: both masks, and the portrait with the background dimmed.
    write_png(os.path.join(args.work_dir, 'mask_edgeinfer.png'),
              (np.clip(ei_prob, 0, 1) * 255).round().astype(np.uint8))
    write_png(os.path.join(args.work_dir, 'mask_ort.png'),
              (np.clip(ref_prob, 0, 1) * 255).round().astype(np.uint8))
    alpha = np.clip(ei_prob, 0, 1)[..., None]
    overlay = small * (0.25 + 0.75 * alpha)
    write_png(os.path.join(args.work_dir, 'overlay_edgeinfer.png'),
              (overlay * 255).round().astype(np.uint8))

    print(f"image {image_path} -> 256x256; masks in {os.path.abspath(args.work_dir)}")
    print(f"IoU(edgeinfer, ONNX Runtime) at 0.5: {iou:.5f} (need >= {args.min_iou})")
    print(f"max abs probability diff: {max_diff:.3g} (need <= {args.tolerance:g})")
    print(f"IoU(edgeinfer .tflite, edgeinfer .onnx) at 0.5: {tfl_iou:.5f} "
          f"(need >= {args.min_iou}); max abs probability diff {tfl_diff:.3g}")
    print(f"foreground fraction: {fraction:.3f} (need 0.15..0.70)")
    print(f"centre 32x32 covered: {centre_cover:.3f} (need >= 0.9)")
    problems = []
    if iou < args.min_iou:
        problems.append(f"IoU {iou:.5f} < {args.min_iou}")
    if tfl_iou < args.min_iou:
        problems.append(f".tflite vs .onnx IoU {tfl_iou:.5f} < {args.min_iou}")
    if not max_diff <= args.tolerance:
        problems.append(f"probabilities differ by up to {max_diff:.3g}")
    if not 0.15 <= fraction <= 0.70:
        problems.append(f"foreground fraction {fraction:.3f} outside 0.15..0.70")
    if centre_cover < 0.9:
        problems.append(f"the image centre is only {centre_cover:.0%} person")
    if problems:
        print("FAIL: " + "; ".join(problems))
        return 1
    print("OK")
    return 0


if __name__ == '__main__':
    sys.exit(main())
