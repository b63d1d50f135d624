// The per-pixel loops of the elements are written for the compiler's vectoriser (restrict
// pointers, no branches in the body). On x86-64 Linux GCC also builds an AVX2 clone of each
// function marked EI_VECTOR_CLONES and picks one at load time from the CPU (an ifunc), so the
// plugin runs twice as wide on current CPUs and still loads on any x86-64. The clone enables
// no FMA, so both versions compute bit-identical results. Sanitizer builds keep the plain one.
#pragma once

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_UNDEFINED__)
#define EI_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define EI_VECTOR_CLONES
#endif
