// Deterministic randomness shared by the seeded workloads. splitmix64 and
// hand-written draws: std:: distributions differ between standard
// libraries, which would change the workloads from one toolchain to the
// next. Not thread-safe; one Rng per generator.
#ifndef GWAPI_BENCH_RNG_H_
#define GWAPI_BENCH_RNG_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "absl/strings/str_format.h"

namespace gwapi::bench {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi]; the modulo bias is irrelevant at these ranges.
  int64_t Range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  bool Chance(double p) { return Unit() < p; }
  template <typename T, size_t N>
  const T& Pick(const T (&a)[N]) {
    return a[Range(0, N - 1)];
  }
  // Index drawn with the given relative weights.
  size_t Weighted(std::initializer_list<double> weights) {
    double total = 0;
    for (double w : weights) total += w;
    double x = Unit() * total;
    size_t i = 0;
    for (double w : weights) {
      if (x < w) return i;
      x -= w;
      ++i;
    }
    return weights.size() - 1;
  }
  // Lowercase letters and digits, as Kubernetes' generated name suffixes.
  std::string Suffix(int n) {
    static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(kAlphabet[Range(0, sizeof(kAlphabet) - 2)]);
    return s;
  }
  std::string Uuid() {
    uint64_t a = Next(), b = Next();
    return absl::StrFormat("%08x-%04x-4%03x-%04x-%012x", a >> 32, (a >> 16) & 0xffff, a & 0xfff,
                           0x8000 | ((b >> 48) & 0x3fff), b & 0xffffffffffffULL);
  }

 private:
  uint64_t state_;
};

}  // namespace gwapi::bench

#endif  // GWAPI_BENCH_RNG_H_
