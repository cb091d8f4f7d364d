"""A tiny random-weight DotsOCR model folder, built in code in a few seconds, that
vLLM's own ``DotsOCRForCausalLM`` serves (tests/vllm).

    python tests/support/vllm_tiny_model.py OUT_DIR      # run with the vLLM environment's Python

It needs ``tokenizers``, ``safetensors`` and ``torch`` (the vLLM environment has
them; the project's does not, so the tests run this file with that Python).

The real weights cannot be downloaded here; every integration detail (chat template,
smart_resize and image-token counting, /v1/models, streaming, finish_reason, usage,
error bodies) then comes from vLLM itself. Sizes learned the hard way: text hidden
size 64 with 2 heads / 1 KV head (vLLM's CPU attention supports head sizes 32, 64, 80,
96, ... only; 16 kills the engine), and the vision tower's output size must equal the
text hidden size.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HIDDEN = 64
TEXT_LAYERS = 2
TEXT_HEADS, TEXT_KV_HEADS = 2, 1  # head size 32
TEXT_INTERMEDIATE = 128
VISION_EMBED = 64
VISION_LAYERS = 1
VISION_HEADS = 2
VISION_INTERMEDIATE = 128
MERGE = 2
PATCH = 14
MAX_POSITIONS = 8192

SPECIAL_TOKENS = [
    "<|endoftext|>",
    "<|img|>",
    "<|imgpad|>",
    "<|endofimg|>",
    "<|user|>",
    "<|endofuser|>",
    "<|assistant|>",
    "<|endofassistant|>",
    "<|system|>",
    "<|endofsystem|>",
    "<|video_pad|>",
]

CHAT_TEMPLATE = (
    "{%- for m in messages %}"
    "{%- if m['role'] == 'system' %}<|system|>{{ m['content'] }}<|endofsystem|>"
    "{%- elif m['role'] == 'user' %}<|user|>{{ m['content'] }}<|endofuser|>"
    "{%- else %}<|assistant|>{{ m['content'] }}<|endofassistant|>{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}<|assistant|>{%- endif %}"
)

TRAINING_TEXT = [
    '[{"bbox": [10, 20, 300, 60], "category": "Title", "text": "A Title"}]',
    '{"bbox": [1, 2, 3, 4], "category": "Text", "text": "Some text, a paragraph."}',
    "Caption Footnote Formula List-item Page-footer Page-header Picture Section-header",
    "Table Text Title 0 1 2 3 4 5 6 7 8 9 [ ] { } , : \" abcdefghijklmnopqrstuvwxyz",
    "Please output the layout information from the PDF image, including each layout.",
]

CONFIG_MODULE = '''"""DotsOCRConfig for the tiny test model: a Qwen2 config plus a vision config."""

from transformers import PretrainedConfig, Qwen2Config


class DotsVisionConfig(PretrainedConfig):
    model_type = "dots_vit"


class DotsOCRConfig(Qwen2Config):
    model_type = "dots_ocr"

    def __init__(self, image_token_id=151665, video_token_id=151656, vision_config=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.image_token_id = image_token_id
        self.video_token_id = video_token_id
        self.vision_config = vision_config or {}
'''


def _tokenizer(out: Path) -> dict[str, int]:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(TRAINING_TEXT, trainer=trainer)
    tokenizer.save(str(out / "tokenizer.json"))
    ids = {token: tokenizer.token_to_id(token) for token in SPECIAL_TOKENS}
    (out / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "PreTrainedTokenizerFast",
                "model_max_length": MAX_POSITIONS,
                "bos_token": None,
                "eos_token": "<|endofassistant|>",
                "pad_token": "<|endoftext|>",
                "unk_token": None,
                "chat_template": CHAT_TEMPLATE,
                "additional_special_tokens": SPECIAL_TOKENS[1:],
            },
            indent=1,
        )
    )
    (out / "special_tokens_map.json").write_text(
        json.dumps({"eos_token": "<|endofassistant|>", "pad_token": "<|endoftext|>"})
    )
    return {"vocab": tokenizer.get_vocab_size(), **ids}


def _weights(vocab: int) -> dict[str, object]:
    import torch

    gen = torch.Generator().manual_seed(0)

    def rand(*shape: int) -> torch.Tensor:
        return (torch.randn(*shape, generator=gen) * 0.02).to(torch.float32)

    def ones(n: int) -> torch.Tensor:
        return torch.ones(n, dtype=torch.float32)

    head = HIDDEN // TEXT_HEADS
    w: dict[str, torch.Tensor] = {
        "model.embed_tokens.weight": rand(vocab, HIDDEN),
        "model.norm.weight": ones(HIDDEN),
        "lm_head.weight": rand(vocab, HIDDEN),
    }
    for i in range(TEXT_LAYERS):
        p = f"model.layers.{i}."
        w |= {
            p + "self_attn.q_proj.weight": rand(HIDDEN, HIDDEN),
            p + "self_attn.q_proj.bias": rand(HIDDEN),
            p + "self_attn.k_proj.weight": rand(TEXT_KV_HEADS * head, HIDDEN),
            p + "self_attn.k_proj.bias": rand(TEXT_KV_HEADS * head),
            p + "self_attn.v_proj.weight": rand(TEXT_KV_HEADS * head, HIDDEN),
            p + "self_attn.v_proj.bias": rand(TEXT_KV_HEADS * head),
            p + "self_attn.o_proj.weight": rand(HIDDEN, HIDDEN),
            p + "mlp.gate_proj.weight": rand(TEXT_INTERMEDIATE, HIDDEN),
            p + "mlp.up_proj.weight": rand(TEXT_INTERMEDIATE, HIDDEN),
            p + "mlp.down_proj.weight": rand(HIDDEN, TEXT_INTERMEDIATE),
            p + "input_layernorm.weight": ones(HIDDEN),
            p + "post_attention_layernorm.weight": ones(HIDDEN),
        }
    v = "vision_tower."
    merged = VISION_EMBED * MERGE * MERGE
    w |= {
        v + "patch_embed.patchifier.proj.weight": rand(VISION_EMBED, 3, PATCH, PATCH),
        v + "patch_embed.patchifier.proj.bias": rand(VISION_EMBED),
        v + "patch_embed.patchifier.norm.weight": ones(VISION_EMBED),
        v + "post_trunk_norm.weight": ones(VISION_EMBED),
        v + "merger.ln_q.weight": ones(VISION_EMBED),
        v + "merger.ln_q.bias": torch.zeros(VISION_EMBED),
        v + "merger.mlp.0.weight": rand(merged, merged),
        v + "merger.mlp.0.bias": rand(merged),
        v + "merger.mlp.2.weight": rand(HIDDEN, merged),
        v + "merger.mlp.2.bias": rand(HIDDEN),
    }
    for i in range(VISION_LAYERS):
        p = f"{v}blocks.{i}."
        w |= {
            p + "attn.qkv.weight": rand(3 * VISION_EMBED, VISION_EMBED),
            p + "attn.proj.weight": rand(VISION_EMBED, VISION_EMBED),
            p + "norm1.weight": ones(VISION_EMBED),
            p + "norm2.weight": ones(VISION_EMBED),
            p + "mlp.fc1.weight": rand(VISION_INTERMEDIATE, VISION_EMBED),
            p + "mlp.fc3.weight": rand(VISION_INTERMEDIATE, VISION_EMBED),
            p + "mlp.fc2.weight": rand(VISION_EMBED, VISION_INTERMEDIATE),
        }
    return w


def build_tiny_model(out: Path) -> Path:
    """Write the model folder ``out`` (a name without dots, as vLLM's loader wants)."""
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    ids = _tokenizer(out)
    (out / "configuration_dots.py").write_text(CONFIG_MODULE)
    config = {
        "architectures": ["DotsOCRForCausalLM"],
        "model_type": "dots_ocr",
        "auto_map": {"AutoConfig": "configuration_dots.DotsOCRConfig"},
        "vocab_size": ids["vocab"],
        "hidden_size": HIDDEN,
        "intermediate_size": TEXT_INTERMEDIATE,
        "num_hidden_layers": TEXT_LAYERS,
        "num_attention_heads": TEXT_HEADS,
        "num_key_value_heads": TEXT_KV_HEADS,
        "max_position_embeddings": MAX_POSITIONS,
        "rms_norm_eps": 1e-6,
        "rope_theta": 10000.0,
        "tie_word_embeddings": False,
        "torch_dtype": "float32",
        "image_token_id": ids["<|imgpad|>"],
        "video_token_id": ids["<|video_pad|>"],
        "bos_token_id": ids["<|endoftext|>"],
        "eos_token_id": ids["<|endofassistant|>"],
        "vision_config": {
            "embed_dim": VISION_EMBED,
            "hidden_size": HIDDEN,
            "intermediate_size": VISION_INTERMEDIATE,
            "num_hidden_layers": VISION_LAYERS,
            "num_attention_heads": VISION_HEADS,
            "num_channels": 3,
            "patch_size": PATCH,
            "spatial_merge_size": MERGE,
            "temporal_patch_size": 1,
            "rms_norm_eps": 1e-5,
            "use_bias": False,
            "post_norm": True,
            "attn_implementation": "sdpa",
        },
    }
    (out / "config.json").write_text(json.dumps(config, indent=1))
    (out / "generation_config.json").write_text(
        json.dumps({"eos_token_id": ids["<|endofassistant|>"]})
    )
    (out / "preprocessor_config.json").write_text(
        json.dumps(
            {
                "image_processor_type": "Qwen2VLImageProcessor",
                "processor_class": "Qwen2VLProcessor",
                "min_pixels": 3136,
                "max_pixels": 11289600,
                "patch_size": PATCH,
                "merge_size": MERGE,
                "temporal_patch_size": 1,
                "do_resize": True,
                "do_rescale": True,
                "do_normalize": True,
                "image_mean": [0.48145466, 0.4578275, 0.40821073],
                "image_std": [0.26862954, 0.26130258, 0.27577711],
            },
            indent=1,
        )
    )
    save_file(_weights(ids["vocab"]), str(out / "model.safetensors"))
    return out


if __name__ == "__main__":
    print(build_tiny_model(Path(sys.argv[1])))
