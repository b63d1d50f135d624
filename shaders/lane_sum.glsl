// Several invocations per output element: L = lanes (a power of two up to the workgroup size
// of 64) consecutive invocations share one output; each sums part of the reduction and
// lane_sum() adds the parts. For layers with few outputs and long reductions, where one
// invocation per output leaves the GPU mostly idle while each walks its reduction serially.
// Every invocation of the workgroup must call lane_sum() (it has barriers), so shaders compute
// whether they are in range instead of returning early.

shared float lane_partial[64];

// Which output this invocation works on, and its lane among the L.
uint lane_output(int L) { return flat_index() / uint(L); }
int lane_of(int L) { return int(gl_LocalInvocationID.x) % L; }

// The sum of `v` over the L lanes of this output (valid in lane 0).
float lane_sum(float v, int L) {
  if (L == 1) return v;
  uint local = gl_LocalInvocationID.x;
  int lane = int(local) % L;
  lane_partial[local] = v;
  barrier();
  for (int step = L / 2; step > 0; step /= 2) {
    if (lane < step) lane_partial[local] += lane_partial[local + uint(step)];
    barrier();
  }
  return lane_partial[local];
}
