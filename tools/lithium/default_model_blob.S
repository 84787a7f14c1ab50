// Embeds the default model (LITHIUM_DEFAULT_MODEL_FILE, set by CMake) as
// read-only data. .incbin keeps the build free of generated sources and
// of a copy step; the symbols are read by default_model.cc.
	.section .rodata.lithium_default_model, "a"
	.balign 64
	.globl lithium_default_model_begin
lithium_default_model_begin:
	.incbin LITHIUM_DEFAULT_MODEL_FILE
	.globl lithium_default_model_end
lithium_default_model_end:
	.byte 0
	.section .note.GNU-stack, "", @progbits
