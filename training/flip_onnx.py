"""Wraps an exported emotion model so that it averages each face with its mirror image.

    python training/flip_onnx.py models/emonet.onnx /tmp/emonet_flip.onnx --name emonet_flip

The same as exporting with `train.py --flip-tta`, but from the ONNX file alone, so a shipped
model gets the averaging without its PyTorch checkpoint. The batch is doubled inside the graph
(faces, then their mirrors) and run through the network once, so ONNX Runtime sees one batch of
2N rather than two calls. The logits of the two halves are averaged, as `train.py` does.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper


def wrap(model: onnx.ModelProto, name: str | None) -> onnx.ModelProto:
    graph = model.graph
    if [i.name for i in graph.input] != ["input"] or [o.name for o in graph.output] != ["output"]:
        raise SystemExit("expected one input named 'input' and one output named 'output'")
    prefix = "inner/"
    inner = onnx.GraphProto()
    inner.CopyFrom(graph)
    # Rename every value of the original graph so the wrapper's own names cannot collide.
    rename = {v: prefix + v for n in inner.node for v in list(n.input) + list(n.output) if v}
    rename.update({t.name: prefix + t.name for t in inner.initializer})
    for n in inner.node:
        n.input[:] = [rename.get(v, v) for v in n.input]
        n.output[:] = [rename.get(v, v) for v in n.output]
        n.name = prefix + n.name if n.name else n.name
    for t in inner.initializer:
        t.name = rename[t.name]
    for vi in inner.value_info:
        vi.name = rename.get(vi.name, vi.name)

    consts = [
        numpy_helper.from_array(np.array([-1], dtype=np.int64), "flip/starts"),
        numpy_helper.from_array(np.array([np.iinfo(np.int64).min], dtype=np.int64), "flip/ends"),
        numpy_helper.from_array(np.array([3], dtype=np.int64), "flip/axes"),
        numpy_helper.from_array(np.array([-1], dtype=np.int64), "flip/steps"),
        numpy_helper.from_array(np.array([0], dtype=np.int64), "zero"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "two"),
        numpy_helper.from_array(np.array(0.5, dtype=np.float32), "half"),
    ]
    nodes = [
        helper.make_node("Slice", ["input", "flip/starts", "flip/ends", "flip/axes", "flip/steps"], ["mirrored"]),
        helper.make_node("Concat", ["input", "mirrored"], [prefix + "input"], axis=0),
        *inner.node,
        # Split the 2N logits back into faces and mirrors; N comes from the input's shape.
        helper.make_node("Shape", ["input"], ["n"], start=0, end=1),
        helper.make_node("Slice", [prefix + "output", "zero", "n", "zero"], ["plain"]),
        helper.make_node("Mul", ["n", "two"], ["n2"]),
        helper.make_node("Slice", [prefix + "output", "n", "n2", "zero"], ["flipped"]),
        helper.make_node("Add", ["plain", "flipped"], ["sum"]),
        helper.make_node("Mul", ["sum", "half"], ["output"]),
    ]
    out = helper.make_graph(
        nodes,
        (graph.name or "model") + "_flip",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 48, 48])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 7])],
        initializer=list(inner.initializer) + consts,
        value_info=list(inner.value_info),
    )
    wrapped = helper.make_model(out, opset_imports=model.opset_import, producer_name=model.producer_name)
    wrapped.ir_version = model.ir_version
    meta = {p.key: p.value for p in model.metadata_props}
    meta["flip_tta"] = "true"
    if name:
        meta["name"] = name
    for k, v in meta.items():
        entry = wrapped.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.checker.check_model(wrapped)
    return wrapped


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--name", default=None, help="model name in the metadata (default: the file's stem)")
    args = ap.parse_args()
    model = onnx.load(args.model)
    if any(p.key == "flip_tta" and p.value == "true" for p in model.metadata_props):
        # Wrapping it again would run the network four times a face for the same logits.
        raise SystemExit(f"{args.model} already averages each face with its mirror image")
    wrapped = wrap(model, args.name or args.out.stem)
    onnx.save(wrapped, args.out)

    # The wrapper must equal averaging two runs of the original by hand.
    rng = np.random.default_rng(0)
    x = rng.random((5, 1, 48, 48), dtype=np.float32)
    plain = ort.InferenceSession(str(args.model), providers=["CPUExecutionProvider"])
    flip = ort.InferenceSession(str(args.out), providers=["CPUExecutionProvider"])
    want = (plain.run(None, {"input": x})[0] + plain.run(None, {"input": x[..., ::-1].copy()})[0]) / 2
    got = flip.run(None, {"input": x})[0]
    diff = float(np.abs(got - want).max())
    print(f"wrote {args.out}: max |wrapped - averaged by hand| = {diff:.2e}")
    if diff > 1e-4:
        raise SystemExit("the wrapped model disagrees with averaging by hand")


if __name__ == "__main__":
    main()
