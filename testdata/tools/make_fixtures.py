#!/usr/bin/env python3
"""Rebuild liquidj's reference fixtures (testdata/hf/*, testdata/vqgan) from the PyTorch references.

Run by hand on a machine with torch, transformers and safetensors; CI never runs this. See testdata/README.md.

  make_fixtures.py hf    OUT_DIR                      four random tiny transformers models + their outputs
  make_fixtures.py vqgan OUT_DIR --liquid LIQUID_REPO  a random tiny VQGAN built with Liquid's vqgan.py + its outputs

Every model is random (fixed seeds), f32, eager attention, so the files are small and exact.
"""
import argparse
import importlib.util
import json
import os

import torch
from safetensors.torch import save_file

# ---------------------------------------------------------------- Hugging Face backbones

HIDDEN = 64
VOCAB = 512
BATCH, LENGTH = 2, 24          # the input batch every backbone test feeds
GREEDY_PROMPT, GREEDY_NEW = 8, 12
Z_LOSS_WEIGHT = 1e-4           # the gradients are of loss + Z_LOSS_WEIGHT * zloss


def hf_models():
    """(folder name, model class, config) for each family, in the order the seed is consumed."""
    from transformers import (GemmaConfig, GemmaForCausalLM, Gemma2Config, Gemma2ForCausalLM,
                              LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM)
    common = dict(vocab_size=VOCAB, hidden_size=HIDDEN, intermediate_size=2 * HIDDEN + 32, num_hidden_layers=2,
                  num_attention_heads=4, max_position_embeddings=256)
    # Llama-3: grouped-query attention and the llama3 RoPE scaling with a small original context so it matters.
    yield "llama3", LlamaForCausalLM, LlamaConfig(
        **common, num_key_value_heads=2, rope_theta=500000.0, rms_norm_eps=1e-5, tie_word_embeddings=True,
        rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                      "original_max_position_embeddings": 32},
        bos_token_id=1, eos_token_id=2)
    # Qwen2.5: q/k/v biases, no sliding window.
    yield "qwen2.5", Qwen2ForCausalLM, Qwen2Config(
        **common, num_key_value_heads=2, rope_theta=1000000.0, rms_norm_eps=1e-6, tie_word_embeddings=True,
        use_sliding_window=False, bos_token_id=1, eos_token_id=2)
    # Gemma-2: a sliding window shorter than the input, both soft-caps, query_pre_attn_scalar != head_dim**2.
    yield "gemma2", Gemma2ForCausalLM, Gemma2Config(
        **common, num_key_value_heads=2, head_dim=32, query_pre_attn_scalar=32, sliding_window=8,
        final_logit_softcapping=30.0, attn_logit_softcapping=50.0, rms_norm_eps=1e-6,
        hidden_activation="gelu_pytorch_tanh", bos_token_id=2, eos_token_id=1, pad_token_id=0)
    # Gemma: multi-head attention, head_dim * heads != hidden.
    yield "gemma", GemmaForCausalLM, GemmaConfig(
        **common, num_key_value_heads=4, head_dim=32, rms_norm_eps=1e-6, hidden_act="gelu_pytorch_tanh",
        hidden_activation="gelu_pytorch_tanh", bos_token_id=2, eos_token_id=1, pad_token_id=0)


def make_hf(out_root):
    torch.manual_seed(1234)
    for name, model_class, config in hf_models():
        config._attn_implementation = "eager"
        model = model_class(config).float().eval()
        with torch.no_grad():
            # Norm weights away from their init, so that the (1 + w) vs w conventions are really tested.
            for param_name, param in model.named_parameters():
                if "norm" in param_name:
                    param.add_(0.1 * torch.randn_like(param))
        folder = os.path.join(out_root, name)
        os.makedirs(folder, exist_ok=True)
        model.save_pretrained(folder, safe_serialization=True)

        ids = torch.randint(3, config.vocab_size, (BATCH, LENGTH))
        mask = torch.ones(BATCH, LENGTH, dtype=torch.long)
        logits = model(input_ids=ids, attention_mask=mask).logits.float()
        # Next-token cross-entropy and z-loss over the LENGTH-1 shifted positions, as liquidj's Losses.
        shifted = logits[:, :-1]
        loss = -torch.log_softmax(shifted, -1).gather(-1, ids[:, 1:, None]).squeeze(-1).mean()
        zloss = (torch.logsumexp(shifted, -1) ** 2).mean()
        model.zero_grad()
        (loss + Z_LOSS_WEIGHT * zloss).backward()
        grad_norms = {n: p.grad.norm().reshape(1) for n, p in model.named_parameters() if p.grad is not None}
        global_norm = torch.sqrt(sum(g ** 2 for g in grad_norms.values()))
        with torch.no_grad():
            prompt = ids[:1, :GREEDY_PROMPT]
            greedy = model.generate(prompt, max_new_tokens=GREEDY_NEW, do_sample=False,
                                    attention_mask=torch.ones_like(prompt), pad_token_id=0)
        tensors = {"input_ids": ids.int(), "attention_mask": mask.int(), "logits": logits.detach(),
                   "loss": loss.detach().reshape(1), "zloss": zloss.detach().reshape(1),
                   "grad_global_norm": global_norm.detach().reshape(1),
                   "greedy_prompt": prompt.int(), "greedy_output": greedy.int()}
        tensors.update({"grad_norm." + n: g.detach() for n, g in grad_norms.items()})
        save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(folder, "io.safetensors"))
        with open(os.path.join(folder, "README.txt"), "w") as f:
            f.write(f"{name}: random tiny {model_class.__name__} from transformers (eager attention, float32).\n"
                    "io.safetensors: input_ids[B,T], attention_mask, logits[B,T,V], loss = mean next-token CE over the T-1 shifted positions,\n"
                    "zloss = mean(logsumexp(logits)^2) over the same positions, grad_global_norm and grad_norm.<param> = gradients of loss + 1e-4*zloss,\n"
                    "greedy_output = greedy decoding of greedy_prompt for 12 new tokens (prompt included).\n")
        print(name, "loss", float(loss), "zloss", float(zloss), "grad norm", float(global_norm))


# ---------------------------------------------------------------- VQGAN (Liquid's own code)

VQ_SIZE = 64   # image side in pixels; three resolutions (ch_mult) give a 16x16 code grid


def make_vqgan(out, liquid_repo):
    # Liquid's VQGAN is Chameleon's taming VQModel, in data_process/vqgan/vqgan.py of FoundationVision/Liquid.
    spec = importlib.util.spec_from_file_location("vqgan", os.path.join(liquid_repo, "data_process", "vqgan", "vqgan.py"))
    vqgan = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vqgan)
    torch.manual_seed(7)
    ddconfig = dict(double_z=False, z_channels=32, resolution=VQ_SIZE, in_channels=3, out_ch=3, ch=32,
                    ch_mult=[1, 2, 2], num_res_blocks=1, attn_resolutions=[16], dropout=0.0)
    config = dict(embed_dim=16, n_embed=128, ddconfig=ddconfig)
    model = vqgan.VQModel(ddconfig=ddconfig, n_embed=config["n_embed"], embed_dim=config["embed_dim"]).eval()
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "norm" in name and name.endswith("weight"):
                param.add_(0.1 * torch.randn_like(param))
            if "quantize.embedding" in name:   # a spread-out codebook, so nearest-code search is not degenerate
                param.copy_(torch.randn_like(param))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(out, "model.safetensors"))
    torch.save({"state_dict": state}, os.path.join(out, "vqgan.ckpt"))   # the released checkpoint's layout

    # A smooth test image in [-1, 1] with a little noise.
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, VQ_SIZE), torch.linspace(-1, 1, VQ_SIZE), indexing="ij")
    image = torch.stack([torch.sin(3 * xx), torch.cos(2 * yy), xx * yy]).unsqueeze(0)
    image = (image + 0.05 * torch.randn_like(image)).clamp(-1, 1)
    with torch.no_grad():
        pre_quant = model.quant_conv(model.encoder(image))
        _, _, (_, _, codes) = model.encode(image)
        h, w = pre_quant.shape[2], pre_quant.shape[3]
        decoded = model.decode(model.quantize.get_codebook_entry(codes.reshape(-1), (1, h, w, config["embed_dim"])))
    save_file({"image": image.contiguous(), "pre_quant": pre_quant.contiguous(),
               "codes": codes.reshape(1, -1).int().contiguous(), "decoded": decoded.contiguous()},
              os.path.join(out, "io.safetensors"))
    with open(os.path.join(out, "README.txt"), "w") as f:
        f.write("Chameleon/Liquid VQGAN (taming VQModel) with random weights, reduced shape (config.json).\n"
                "Weights both as model.safetensors and as a PyTorch checkpoint vqgan.ckpt {'state_dict': ...} like the released one.\n"
                "io.safetensors: image [1,3,H,W] in [-1,1] (NCHW); pre_quant = quant_conv(encoder(image)) [1,embed_dim,h,w];\n"
                "codes [1,h*w] row-major nearest-codebook indices; decoded = decoder(post_quant_conv(codebook[codes])) [1,3,H,W].\n")
    print("vqgan latent", (h, w), "first codes", codes.reshape(-1)[:16].tolist())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["hf", "vqgan"])
    parser.add_argument("out", help="output folder (testdata/hf or testdata/vqgan)")
    parser.add_argument("--liquid", help="a checkout of FoundationVision/Liquid (for vqgan)")
    args = parser.parse_args()
    if args.kind == "hf":
        make_hf(args.out)
    else:
        if not args.liquid:
            parser.error("vqgan needs --liquid /path/to/Liquid (its data_process/vqgan/vqgan.py)")
        make_vqgan(args.out, args.liquid)


if __name__ == "__main__":
    main()
