"""Seven-bit weights for an int8 QDQ model, so that every x86 CPU computes the same integers.

    python training/reduce_range.py models/emonet_ferplus_flip_int8.onnx /tmp/out.onnx

Why: on x86 CPUs without VNNI (AVX2 only, e.g. some AMD EPYC machines), ONNX Runtime multiplies
8-bit activations by 8-bit weights with `vpmaddubsw`, which adds two products in 16 bits and
saturates past 32767 (255 × 127 × 2 = 64770). The same file then answers differently there
than on a CPU with VNNI: the default model agreed with the FER+ majority 2.7 points less on a
2-core AVX2 EPYC. With weights in −64..63 (ONNX Runtime's `reduce_range`), a pair is at most
255 × 64 × 2 = 32640 and nothing saturates anywhere.

The float checkpoints behind the shipped files are not kept, so this works on the int8 file
itself: each weight tensor's integers are halved (rounded) and its per-channel scales doubled;
activations, biases and metadata stay as they were. `training/quantize.py` asks for the same
(`reduce_range=True`) when it quantizes from a float file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", type=Path)
    ap.add_argument("out", type=Path)
    args = ap.parse_args()

    model = onnx.load(args.model)
    inits = {i.name: i for i in model.graph.initializer}
    # The weight and the bias of each Conv or Gemm, by the DequantizeLinear that feeds it.
    dequantized = {n.output[0]: n for n in model.graph.node
                   if n.op_type == "DequantizeLinear" and n.input[0] in inits}
    changed = 0
    for node in model.graph.node:
        if node.op_type not in ("Conv", "Gemm") or len(node.input) < 3:
            continue
        weight_dq, bias_dq = dequantized.get(node.input[1]), dequantized.get(node.input[2])
        if weight_dq is None or bias_dq is None:
            continue
        weight = numpy_helper.to_array(inits[weight_dq.input[0]])
        zero = numpy_helper.to_array(inits[weight_dq.input[2]]) if len(weight_dq.input) > 2 else np.zeros(1)
        if weight.dtype != np.int8 or np.any(zero != 0):
            raise SystemExit(f"{weight_dq.input[0]}: only symmetric int8 weights are handled")
        if weight.min() >= -64 and weight.max() <= 63:
            continue
        # ONNX Runtime fuses these into QLinearConv / QGemm, which read the int32 bias at the
        # scale activation × weight: halving the weights' integers doubles their scale, so the
        # bias's integers are halved too.
        halve(inits, weight_dq, np.int8, -64, 63)
        halve(inits, bias_dq, np.int32, np.iinfo(np.int32).min, np.iinfo(np.int32).max)
        changed += 1

    note = "7-bit weights (reduce_range: no 16-bit saturation on CPUs without VNNI)"
    for prop in model.metadata_props:
        if prop.key == "quantization" and note not in prop.value:
            prop.value = f"{prop.value}; {note}"
        if prop.key == "name":
            prop.value = args.out.stem
    onnx.checker.check_model(model)
    onnx.save(model, args.out)
    print(f"wrote {args.out}: {changed} weight tensors now in -64..63")


def halve(inits, dq, dtype, lo, hi) -> None:
    """The integers of `dq`'s tensor halved (rounded), its scale doubled: the same values."""
    name, scale_name = dq.input[0], dq.input[1]
    values = numpy_helper.to_array(inits[name]).astype(np.float64)
    inits[name].CopyFrom(numpy_helper.from_array(np.clip(np.round(values / 2), lo, hi).astype(dtype), name))
    scale = numpy_helper.to_array(inits[scale_name]).astype(np.float32) * np.float32(2)
    inits[scale_name].CopyFrom(numpy_helper.from_array(scale, scale_name))


if __name__ == "__main__":
    main()
