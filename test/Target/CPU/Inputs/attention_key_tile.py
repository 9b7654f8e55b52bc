"""Prints the key tile a compiled model passes to the fused attention
kernel: argument 32 (0-based 31) of its first call in the LLVM-dialect MLIR
that `fulcrum-compile --compile-to=codegen` writes, a constant defined
before the call."""
import re
import sys

text = open(sys.argv[1]).read()
call = re.search(r"llvm\.call @fulcrum_attention_f32_\w+\(([^)]*)\)", text)
if not call:
    sys.exit("no call of the attention kernel")
name = [a.strip() for a in call.group(1).split(",")][31]
values = re.findall(re.escape(name) + r" = llvm\.mlir\.constant\((\d+) : i64\)",
                    text[:call.start()])
print("key tile", values[-1] if values else "not a constant")
