#!/usr/bin/python3
"""Converts between images and the .npy tensors edgeinfer-run reads and writes.

  npy_image.py to-npy IMAGE OUT.npy --size H W     RGB image -> float32 [1,H,W,3] in [0,1]
  npy_image.py to-png MASK.npy OUT.png [--image IMAGE --composite OUT2.png]
                                                   mask [1,h,w,1] -> 8-bit PNG (and a cut-out)
Uses Debian's python3-numpy and python3-skimage (run with /usr/bin/python3).
"""
import argparse

import numpy as np
from skimage import io, transform


def load_rgb(path):
    image = io.imread(path)
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    return image[..., :3]


def to_npy(args):
    image = load_rgb(args.image).astype(np.float32) / 255.0
    resized = transform.resize(image, (args.size[0], args.size[1]), order=1,
                               anti_aliasing=True, preserve_range=True)
    np.save(args.output, resized[np.newaxis].astype(np.float32))


def to_png(args):
    mask = np.load(args.mask).astype(np.float32)
    mask = mask.reshape(mask.shape[-3], mask.shape[-2]) if mask.ndim == 4 else np.squeeze(mask)
    io.imsave(args.output, (np.clip(mask, 0, 1) * 255).astype(np.uint8), check_contrast=False)
    if args.image and args.composite:
        image = load_rgb(args.image).astype(np.float32)
        full = transform.resize(mask, image.shape[:2], order=1, preserve_range=True)[..., None]
        grey = np.full_like(image, 127.0)
        out = image * full + grey * (1.0 - full)
        io.imsave(args.composite, out.astype(np.uint8), check_contrast=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("to-npy")
    p.add_argument("image")
    p.add_argument("output")
    p.add_argument("--size", type=int, nargs=2, default=(256, 256), metavar=("H", "W"))
    p.set_defaults(run=to_npy)
    p = sub.add_parser("to-png")
    p.add_argument("mask")
    p.add_argument("output")
    p.add_argument("--image")
    p.add_argument("--composite")
    p.set_defaults(run=to_png)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
