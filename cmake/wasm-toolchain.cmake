# Cross-compiles lithium for wasm32-wasi with Debian's packages only:
#   clang-19, lld-19 (wasm-ld-19), wasi-libc, libc++-19-dev-wasm32,
#   libc++abi-19-dev-wasm32, libclang-rt-19-dev-wasm32, llvm-14 (llvm-ar).
# Used by the "wasm" preset: cmake --preset wasm && cmake --build --preset wasm
#
# Debian does not install a wasi-sysroot directory (no /usr/share/wasi-sysroot):
# wasi-libc uses the multiarch layout /usr/include/wasm32-wasi and
# /usr/lib/wasm32-wasi, and libc++ puts its headers in
# /usr/include/wasm32-wasi/c++/v1. clang's default sysroot "/" finds all of
# them, but it also appends /usr/include (glibc, x86 headers) to the search
# path, which a stray include would silently pick up. So the standard system
# directories are switched off (-nostdlibinc) and the two wasm ones are named
# explicitly, in clang's own order: libc++, clang's builtin headers, libc.
set(CMAKE_SYSTEM_NAME WASI)
# cmake/Platform/WASI.cmake: CMake 3.25 ships no WASI platform file.
list(APPEND CMAKE_MODULE_PATH "${CMAKE_CURRENT_LIST_DIR}")
set(CMAKE_SYSTEM_VERSION 1)
set(CMAKE_SYSTEM_PROCESSOR wasm32)
set(triple wasm32-wasi)

find_program(LITHIUM_WASM_CLANG NAMES clang-19 REQUIRED)
find_program(LITHIUM_WASM_CLANGXX NAMES clang++-19 REQUIRED)
set(CMAKE_C_COMPILER ${LITHIUM_WASM_CLANG})
set(CMAKE_CXX_COMPILER ${LITHIUM_WASM_CLANGXX})
set(CMAKE_C_COMPILER_TARGET ${triple})
set(CMAKE_CXX_COMPILER_TARGET ${triple})

# clang-19 ships without llvm-ar-19; any llvm-ar reads wasm object files.
find_program(CMAKE_AR NAMES llvm-ar-19 llvm-ar-16 llvm-ar-14 llvm-ar REQUIRED)
find_program(CMAKE_RANLIB NAMES llvm-ranlib-19 llvm-ranlib-16 llvm-ranlib-14 llvm-ranlib REQUIRED)

set(LITHIUM_WASI_INCLUDE /usr/include/wasm32-wasi)
set(LITHIUM_WASI_LIB /usr/lib/wasm32-wasi)
if(NOT EXISTS ${LITHIUM_WASI_LIB}/libc.a)
  message(FATAL_ERROR "wasi-libc not found in ${LITHIUM_WASI_LIB}: apt-get install wasi-libc")
endif()
if(NOT EXISTS ${LITHIUM_WASI_INCLUDE}/c++/v1/vector)
  message(FATAL_ERROR "libc++ for wasm32 not found: apt-get install libc++-19-dev-wasm32 libc++abi-19-dev-wasm32")
endif()

set(_wasm_inc "-nostdlibinc -isystem ${LITHIUM_WASI_INCLUDE}/c++/v1 -idirafter ${LITHIUM_WASI_INCLUDE}")
set(CMAKE_C_FLAGS_INIT "-nostdlibinc -idirafter ${LITHIUM_WASI_INCLUDE}")
set(CMAKE_CXX_FLAGS_INIT "${_wasm_inc}")

# Memory: models are read whole into linear memory (WASI has no mmap), so
# the heap must be able to grow to wasm32's 4 GB limit. The default 64 KB
# stack is too small for the CLI's parsers; 8 MB is plenty.
set(CMAKE_EXE_LINKER_FLAGS_INIT
  "-Wl,--initial-memory=33554432 -Wl,--max-memory=4294967296 -Wl,-z,stack-size=8388608")

# Header-only libraries (Highway, nlohmann json) live in /usr/include next to
# glibc's headers. Rather than adding /usr/include, the top CMakeLists links
# just those directories into the build tree (LITHIUM_WASM_EXTRA_INCLUDE).

# Host programs (node) are not searched in the target root; libraries and
# headers only in the target's own directories.
set(CMAKE_FIND_ROOT_PATH /usr/lib/wasm32-wasi)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Tests run the .wasm under node; tools/wasm/run_wasm.mjs is the runner.
find_program(LITHIUM_NODE NAMES node nodejs)
if(LITHIUM_NODE)
  get_filename_component(_lithium_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${LITHIUM_NODE};${_lithium_root}/tools/wasm/run_wasm.mjs")
endif()
