// Shared by every EdgeInfer compute shader: the workgroup size, the push-constant block
// (32 ints; each shader documents its own layout) and the fused activations, numbered like
// cpu::Activation so that the host passes the enum value unchanged.
#extension GL_GOOGLE_include_directive : require

// A shader may define LOCAL_SIZE before the include (the host then dispatches one workgroup
// per 64 invocations it counts, whatever the workgroup's size).
#ifndef LOCAL_SIZE
#define LOCAL_SIZE 64
#endif
layout(local_size_x = LOCAL_SIZE) in;
layout(push_constant) uniform Params { int p[32]; };

// Storage precision (docs/vulkan.md, "fp16 storage"). Every float buffer is declared through
// EI_IN / EI_OUT and read / written through EI_LD / EI_ST. Built with EI_FP16 (the *_fp16
// SPIR-V variants, for devices with storageBuffer16BitAccess), each binding is also visible as
// float16_t, and bit b of the specialization constant ei_half_mask says that binding b holds
// 16-bit floats: the executor chooses per tensor and makes one pipeline per mask, so the
// choice costs no branch at run time; the arithmetic stays fp32. Dispatches whose bindings are
// all fp32 use the plain build (without EI_FP16), so fp32 sessions and devices without 16-bit
// storage never see the capability.
#ifdef EI_FP16
#extension GL_EXT_shader_16bit_storage : require
layout(constant_id = 0) const int ei_half_mask = 0;
#define EI_IN(b, name)                                                                      \
  layout(std430, binding = b) readonly buffer name##_f32 { float name##_32[]; };            \
  layout(std430, binding = b) readonly buffer name##_f16 { float16_t name##_16[]; };
#define EI_OUT(name)                                                                        \
  layout(std430, binding = 0) writeonly buffer name##_f32 { float name##_32[]; };           \
  layout(std430, binding = 0) writeonly buffer name##_f16 { float16_t name##_16[]; };
#define EI_HALF(b) ((ei_half_mask & (1 << (b))) != 0)
#define EI_LD(name, b, i) (EI_HALF(b) ? float(name##_16[i]) : name##_32[i])
#define EI_ST(name, i, v)                 \
  {                                       \
    if (EI_HALF(0))                       \
      name##_16[i] = float16_t(v);        \
    else                                  \
      name##_32[i] = (v);                 \
  }
#else
#define EI_IN(b, name) layout(std430, binding = b) readonly buffer name##_f32 { float name##_32[]; };
#define EI_OUT(name) layout(std430, binding = 0) writeonly buffer name##_f32 { float name##_32[]; };
#define EI_HALF(b) false
#define EI_LD(name, b, i) name##_32[i]
#define EI_ST(name, i, v) { name##_32[i] = (v); }
#endif

// The flat index of this invocation; dispatches spread large counts over x and y.
uint flat_index() {
  return gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * uint(LOCAL_SIZE);
}

float param_float(int i) { return intBitsToFloat(p[i]); }

// erf with |error| < 1.5e-7 (Abramowitz and Stegun 7.1.26); GLSL has no erf.
float erf_approx(float x) {
  float s = sign(x);
  float a = abs(x);
  float t = 1.0 / (1.0 + 0.3275911 * a);
  float y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t +
                   0.254829592) * t * exp(-a * a);
  return s * y;
}

// act: cpu::Activation; alpha/beta as in cpu::Epilogue; slope for PRelu.
float activate(float v, int act, float alpha, float beta, float slope) {
  switch (act) {
    case 1: return max(v, 0.0);
    case 2: return v < alpha ? alpha : (v > beta ? beta : v);
    case 3: return v >= 0.0 ? v : alpha * v;
    case 4: return v >= 0.0 ? v : slope * v;
    case 5: return 1.0 / (1.0 + exp(-v));
    case 6: return max(0.0, min(1.0, alpha * v + beta));
    case 7: return v * max(0.0, min(1.0, v / 6.0 + 0.5));
    case 8: return tanh(v);
    case 9: return v / (1.0 + exp(-v));
    case 10: return 0.5 * v * (1.0 + erf_approx(v * 0.70710678118654752));
    case 11: return v * tanh(log(1.0 + exp(v)));
    default: return v;
  }
}
