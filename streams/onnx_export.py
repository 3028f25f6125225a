"""ONNX export and int8 dynamic quantisation of a local sentence-transformers (BERT-family) folder.

sentence-transformers' own ONNX path goes through ``optimum-onnx``, whose only release pins
``transformers<4.58`` (this project runs transformers 5), so the export is done here with the same two
steps it uses: ``torch.onnx.export`` of the transformer (inputs ``input_ids`` and ``attention_mask``,
output the token states; pooling and normalisation stay in numpy, see
:class:`detectors.embedding.OnnxEmbedder`), then ONNX Runtime's ``quantize_dynamic`` (int8 weights,
activations quantised at run time, no calibration data).
"""

from __future__ import annotations

import warnings
from pathlib import Path

__all__ = ["OnnxExportError", "export_onnx", "quantise_int8"]

_OPSET = 17


class OnnxExportError(RuntimeError):
    """The export or quantisation failed, or its packages are missing."""


def export_onnx(model_dir: Path, out_file: Path) -> Path:
    """Export the transformer of ``model_dir`` to ``out_file`` (dynamic batch and sequence axes)."""
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:  # pragma: no cover - torch and transformers are core dependencies
        raise OnnxExportError(f"the ONNX export needs torch and transformers: {exc}") from exc

    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]  # the load report lists the pooler weights left out on purpose
    try:  # sentence-transformers pools the token states itself: no pooler (BERT family)
        model = AutoModel.from_pretrained(
            str(model_dir), attn_implementation="eager", add_pooling_layer=False
        )
    except TypeError:
        model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager")
    finally:
        hf_logging.set_verbosity(verbosity)
    model.eval()

    class _TokenStates(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            states: torch.Tensor = self.inner(
                input_ids=input_ids, attention_mask=attention_mask
            ).last_hidden_state
            return states

    sample = torch.ones((2, 8), dtype=torch.long)
    dynamic = {0: "batch", 1: "tokens"}
    out_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_file.with_name(out_file.name + ".tmp")
    with warnings.catch_warnings():
        # The TorchScript exporter warns that it is legacy and that traced shape checks become
        # constants; the graph is checked against torch on batches of other shapes by the tests.
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(
                _TokenStates(),
                (sample, sample),
                str(tmp),
                input_names=["input_ids", "attention_mask"],
                output_names=["token_states"],
                dynamic_axes={"input_ids": dynamic, "attention_mask": dynamic, "token_states": dynamic},
                opset_version=_OPSET,
                dynamo=False,
            )
        except Exception as exc:  # the exporter raises many unrelated types
            raise OnnxExportError(f"torch.onnx.export failed: {exc}") from exc
    tmp.replace(out_file)
    return out_file


def quantise_int8(onnx_file: Path, out_file: Path) -> Path:
    """Dynamic int8 quantisation of ``onnx_file`` (weights int8 per tensor, activations at run time)."""
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise OnnxExportError(
            "int8 quantisation needs onnxruntime and onnx: pip install 'choruswatch[onnx]'"
        ) from exc
    tmp = out_file.with_name(out_file.name + ".tmp")
    import logging

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # quantize_dynamic logs a pre-processing hint on the root logger
    try:
        quantize_dynamic(str(onnx_file), str(tmp), weight_type=QuantType.QInt8)
    except Exception as exc:
        raise OnnxExportError(f"quantize_dynamic failed: {exc}") from exc
    finally:
        root.setLevel(level)
    tmp.replace(out_file)
    return out_file
