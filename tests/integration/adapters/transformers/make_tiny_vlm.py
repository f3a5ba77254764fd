"""A tiny random Llava (CLIP vision tower + the testkit's tiny Llama tokenizer with an <image> token) for
the vision-language tests: ``python make_tiny_vlm.py TINY_LLM_DIR OUT_DIR``. Deterministic, CPU, seconds."""

import json
import sys

import torch
from transformers import (
    AutoTokenizer,
    CLIPImageProcessor,
    CLIPVisionConfig,
    GenerationConfig,
    LlamaConfig,
    LlavaConfig,
    LlavaForConditionalGeneration,
    LlavaProcessor,
)

src, out = sys.argv[1], sys.argv[2]
tok = AutoTokenizer.from_pretrained(src)
tok.add_special_tokens({"additional_special_tokens": ["<image>"]})
tok.chat_template = ("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' }}"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'text' %}{{ part['text'] }}{% elif part['type'] == 'image' %}{{ '<image>' }}{% endif %}"
    "{% endfor %}{% endif %}"
    "{{ '<|im_end|>\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")
ip = CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
proc = LlavaProcessor(image_processor=ip, tokenizer=tok, patch_size=8, vision_feature_select_strategy="default",
                      chat_template=tok.chat_template, num_additional_image_tokens=1)
torch.manual_seed(0)
vc = CLIPVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2, image_size=32,
                      patch_size=8, projection_dim=32)
tc = LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                 num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                 eos_token_id=tok.convert_tokens_to_ids("<|im_end|>"), pad_token_id=tok.pad_token_id,
                 initializer_range=0.3)
cfg = LlavaConfig(vision_config=vc, text_config=tc, image_token_index=tok.convert_tokens_to_ids("<image>"),
                  vision_feature_select_strategy="default", vision_feature_layer=-1)
m = LlavaForConditionalGeneration(cfg)
m.generation_config = GenerationConfig(eos_token_id=[tok.convert_tokens_to_ids("<|im_end|>")],
                                      pad_token_id=tok.pad_token_id, max_new_tokens=16)
m.save_pretrained(out)
proc.save_pretrained(out)
print(json.dumps({"out": out}))
