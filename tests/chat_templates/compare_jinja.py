#!/usr/bin/env python3
"""Renders real chat templates with Python's jinja2, configured exactly as
Hugging Face's apply_chat_template configures it, and with `lithium template`,
and checks that the two prompts are byte-identical.

usage: compare_jinja.py LITHIUM_BINARY [SHARED_DIR]

Templates come from the npm packages in package.json (installed by
scripts/setup.sh into tests/chat_templates/node_modules), from
SHARED_DIR/vocab/ggml-vocab-phi-3.gguf (rendered with `lithium template -m`),
and three short templates quoted below whose models have no npm package.
When jinja2 raises (raise_exception, a type error), lithium must fail too.

Prints "N passed, N failed"; exits 0 when nothing failed, 1 otherwise, and 77
(ctest's skip code) when jinja2 or the npm packages are missing.
"""

import json
import os
import struct
import subprocess
import sys
import tempfile
from datetime import datetime

HERE = os.path.dirname(os.path.abspath(__file__))
SKIP = 77

# Hugging Face model repositories' tokenizer_config.json chat_template
# strings, for models without an @lenml npm package.
EMBEDDED = {
    # HuggingFaceTB/SmolLM2-1.7B-Instruct
    "smollm2": (
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
        "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
        "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
        "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}",
        "<|im_start|>", "<|im_end|>"),
    # mistralai/Mistral-7B-Instruct-v0.1
    "mistral_v0.1": (
        "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
        "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
        "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
        "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}"
        "{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}",
        "<s>", "</s>"),
    # microsoft/Phi-3.5-mini-instruct
    "phi3.5": (
        "{% for message in messages %}{% if message['role'] == 'system' and message['content'] %}"
        "{{'<|system|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'user' %}"
        "{{'<|user|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'assistant' %}"
        "{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}",
        "<s>", "<|endoftext|>"),
}

NPM_PACKAGES = ["qwen2_5", "qwen3", "llama3_1", "llama3_2", "gemma3", "mistral_nemo"]

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city — in °C.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "City name"},
                           "days": {"type": "integer", "enum": [1, 2, 3]}},
            "required": ["city"],
        },
    },
}

CONVERSATIONS = {
    "single_user": {"messages": [{"role": "user", "content": "Hello! What is 2+2?"}]},
    "system_user": {"messages": [
        {"role": "system", "content": "You are a concise assistant."},
        {"role": "user", "content": "Name three primes."}]},
    "system_multi_turn": {"messages": [
        {"role": "system", "content": "You answer in one sentence."},
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "Paris is the capital of France."},
        {"role": "user", "content": "And of Italy?"},
        {"role": "assistant", "content": "Rome is the capital of Italy."},
        {"role": "user", "content": "Which is larger?"}]},
    "multi_turn_no_system": {"messages": [
        {"role": "user", "content": "Write a haiku about rain."},
        {"role": "assistant", "content": "Soft rain on the roof\nwhispers to the sleeping town\npuddles hold the sky"},
        {"role": "user", "content": "Now one about snow."}]},
    "whitespace_unicode": {"messages": [
        {"role": "system", "content": "  Ünïcødé sýstem prompt 🙂\n"},
        {"role": "user", "content": "  Tell me about \"quotes\", 'apostrophes' and \\backslashes\\\t\n\n"},
        {"role": "assistant", "content": "Sure —  here:\n\n  - one\n  - two  \n"},
        {"role": "user", "content": "日本語で答えて ✓ {{ not a tag }} {% neither %}"}]},
    "unicode_no_system": {"messages": [
        {"role": "user", "content": " Grüße aus Köln!  Wie geht's?\r\n"},
        {"role": "assistant", "content": "Gut, danke 😊 — und dir?"},
        {"role": "user", "content": "\tΚαλά. Ответь кратко.\n"}]},
    "ends_with_assistant": {"messages": [
        {"role": "user", "content": "Reply with OK."},
        {"role": "assistant", "content": "OK"}]},
    "reasoning": {"messages": [
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "<think>\nTwo plus two.\nThat is four.\n</think>\n\nThe answer is 4."},
        {"role": "user", "content": "And 3+3?"}]},
    "tools": {"tools": [WEATHER_TOOL], "messages": [
        {"role": "system", "content": "You can look up the weather."},
        {"role": "user", "content": "What's the weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "call12345", "type": "function",
             "function": {"name": "get_weather", "arguments": {"city": "Paris", "days": 1}}}]},
        {"role": "tool", "content": "{\"temperature\": 21, \"sky\": \"clear\"}", "tool_call_id": "call12345"},
        {"role": "assistant", "content": "It is 21 °C and clear in Paris."},
        {"role": "user", "content": "Thanks!"}]},
    "content_parts": {"messages": [
        {"role": "system", "content": [{"type": "text", "text": "Describe images briefly."}]},
        {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "  What is in this picture?  "}]}]},
}

# Renders without a date use the template's own fallback (strftime_now is
# undefined); renders with one give strftime_now this fixed date.
DATE = "2025-02-03"


def jinja_env(date):
    """The environment of transformers' _compile_jinja_template."""
    import jinja2
    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    if date is not None:
        fixed = datetime.strptime(date, "%Y-%m-%d")
        env.globals["strftime_now"] = lambda fmt: fixed.strftime(fmt)
    return env


def render_reference(source, context, date):
    try:
        return True, jinja_env(date).from_string(source).render(**context)
    except Exception as e:  # noqa: BLE001 - any jinja2 failure is "raised"
        return False, f"{type(e).__name__}: {e}"


def read_gguf_metadata(path):
    """Just enough of GGUF v2/v3 to read the metadata key/values."""
    data = open(path, "rb").read()
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return v[0]

    def string():
        nonlocal pos
        n = take("<Q")
        s = data[pos:pos + n].decode("utf-8")
        pos += n
        return s

    scalars = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}

    def value(t):
        if t == 8:
            return string()
        if t == 9:
            et, n = take("<I"), take("<Q")
            return [value(et) for _ in range(n)]
        return take(scalars[t])

    if data[:4] != b"GGUF":
        raise ValueError(f"{path}: not a GGUF file")
    pos = 4
    take("<I")
    take("<Q")
    n_kv = take("<Q")
    kv = {}
    for _ in range(n_kv):
        key = string()
        kv[key] = value(take("<I"))
    return kv


def token_text(tok):
    if tok is None:
        return ""
    if isinstance(tok, dict):
        return tok.get("content", "")
    return tok


def load_templates(shared_dir):
    """name -> (source, bos, eos, gguf_path or None)."""
    templates = {}
    for pkg in NPM_PACKAGES:
        path = os.path.join(HERE, "node_modules", "@lenml", f"tokenizer-{pkg}", "models", "tokenizer_config.json")
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
        templates[pkg] = (config["chat_template"], token_text(config.get("bos_token")),
                          token_text(config.get("eos_token")), None)
    for name, (source, bos, eos) in EMBEDDED.items():
        templates[name] = (source, bos, eos, None)
    gguf = os.path.join(shared_dir, "vocab", "ggml-vocab-phi-3.gguf") if shared_dir else None
    if gguf and os.path.exists(gguf):
        kv = read_gguf_metadata(gguf)
        tokens = kv["tokenizer.ggml.tokens"]
        templates["phi3 (gguf)"] = (kv["tokenizer.chat_template"], tokens[kv["tokenizer.ggml.bos_token_id"]],
                                    tokens[kv["tokenizer.ggml.eos_token_id"]], gguf)
    else:
        print("note: no ../shared/vocab/ggml-vocab-phi-3.gguf; the -m case is not covered")
    return templates


def render_lithium(binary, tmp, source, bos, eos, gguf, conv, agp, date):
    msg_path = os.path.join(tmp, "messages.json")
    with open(msg_path, "w", encoding="utf-8") as f:
        json.dump(conv["messages"], f, ensure_ascii=False)
    cmd = [binary, "template", "--messages", msg_path]
    if gguf:
        cmd += ["-m", gguf]
    else:
        tmpl_path = os.path.join(tmp, "template.jinja")
        with open(tmpl_path, "w", encoding="utf-8", newline="") as f:
            f.write(source)
        cmd += ["--template", tmpl_path, "--bos", bos, "--eos", eos]
    if agp:
        cmd.append("--add-generation-prompt")
    if "tools" in conv:
        tools_path = os.path.join(tmp, "tools.json")
        with open(tools_path, "w", encoding="utf-8") as f:
            json.dump(conv["tools"], f, ensure_ascii=False)
        cmd += ["--tools", tools_path]
    if date:
        cmd += ["--date", date]
    p = subprocess.run(cmd, capture_output=True, timeout=60)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace").strip()


def first_difference(a, b):
    n = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
    return n, a[max(0, n - 40):n + 40], b[max(0, n - 40):n + 40]


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = sys.argv[1]
    shared_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "..", "..", "..", "shared")
    try:
        import jinja2  # noqa: F401
    except ImportError:
        print(f"SKIP: jinja2 is not installed for {sys.executable}")
        return SKIP
    if not all(os.path.isdir(os.path.join(HERE, "node_modules", "@lenml", f"tokenizer-{p}")) for p in NPM_PACKAGES):
        print("SKIP: npm packages missing; run scripts/setup.sh (npm ci --prefix tests/chat_templates)")
        return SKIP

    templates = load_templates(shared_dir)
    passed = failed = 0
    rendered = {name: 0 for name in templates}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (source, bos, eos, gguf) in templates.items():
            for conv_name, conv in CONVERSATIONS.items():
                for agp in (False, True):
                    date = None if agp else DATE
                    context = {"messages": conv["messages"], "tools": conv.get("tools"), "documents": None,
                               "add_generation_prompt": agp, "bos_token": bos, "eos_token": eos}
                    ok, expected = render_reference(source, context, date)
                    rc, out, err = render_lithium(binary, tmp, source, bos, eos, gguf, conv, agp, date)
                    label = f"{name} / {conv_name} / add_generation_prompt={agp}"
                    if ok and rc == 0 and out == expected.encode("utf-8"):
                        passed += 1
                        rendered[name] += 1
                    elif not ok and rc == 2 and err.startswith("lithium: "):
                        passed += 1  # both refused the conversation
                    else:
                        failed += 1
                        print(f"FAIL {label}")
                        if not ok:
                            print(f"  jinja2 raised {expected}\n  lithium exit {rc}: {out[:200]!r} {err}")
                        elif rc != 0:
                            print(f"  lithium exit {rc}: {err}")
                        else:
                            at, want, got = first_difference(expected.encode("utf-8"), out)
                            print(f"  first difference at byte {at}:\n    jinja2:  {want!r}\n    lithium: {got!r}")
    for name, n in rendered.items():
        print(f"{name}: {n} renders byte-identical (of {2 * len(CONVERSATIONS)})")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
