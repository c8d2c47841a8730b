/*
 * sim-rand.c — the sim engine's only source of randomness: xoshiro256** seeded through
 * splitmix64 from the lab's seed. The same seed gives the same sequence on every platform, and
 * the sequence is only consumed by knobs that are on, so a script's faults repeat exactly.
 */
#include "sim-int.h"

/* One step of splitmix64: advances *state and returns the next output. */
static uint64_t splitmix64(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* One step of xoshiro256**. */
static uint64_t next_u64(sim_lab *sl) {
  uint64_t *s = sl->rng;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

void regio__sim_rand_seed(sim_lab *sl, uint64_t seed) {
  uint64_t state = seed;
  int i;
  for (i = 0; i < 4; i++) sl->rng[i] = splitmix64(&state);
}

double regio__sim_rand(sim_lab *sl) {
  /* The top 53 bits make a double in [0, 1) with every value equally likely. */
  return (double)(next_u64(sl) >> 11) * (1.0 / 9007199254740992.0);
}

int regio__sim_chance(sim_lab *sl, double p) {
  if (!(p > 0.0)) return 0;
  if (p >= 1.0) return 1;
  return regio__sim_rand(sl) < p;
}
