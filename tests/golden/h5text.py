#!/usr/bin/python3
"""Writes every group, dataset and attribute of a results file as text, in
name order, with numbers at full precision (repr), leaving out only the
provenance that changes from build to build (versions, commit, compiler, time)
and the absolute output path recorded for --resume.
Used by tests/golden_test.sh to compare HDF5 results byte for byte."""
import sys

import h5py
import numpy as np

PROVENANCE = {"boost_version", "compiler", "created_utc", "git_commit",
              "hdf5_version", "sepsim_version", "tbb_version"}


def text(value):
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray):
        return "[" + ", ".join(text(v) for v in value.ravel().tolist()) + "]"
    return repr(value)


def attributes(obj, out):
    for key in sorted(obj.attrs):
        if obj.name == "/" and key in PROVENANCE:
            continue
        if obj.name == "/grid" and key == "output":
            continue
        out.append(f"  @{key} = {text(obj.attrs[key])}")


def main(path):
    out = []
    with h5py.File(path, "r") as f:
        items = [("/", f)]
        f.visititems(lambda name, obj: items.append((name, obj)))
        for name, obj in sorted(items, key=lambda item: item[0]):
            if isinstance(obj, h5py.Dataset):
                out.append(f"{name} {obj.dtype} {obj.shape} = {text(obj[()])}")
            else:
                out.append(f"{name}/")
            attributes(obj, out)
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
