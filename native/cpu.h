// CPU feature detection. Compiled WITHOUT any ISA flags (see binding.gyp, target "cpu_features"),
// so it can run on any CPU of its architecture before a variant is chosen.
#pragma once

#include <string>
#include <vector>

namespace tp {

struct CpuFeatures {
  std::string arch;  // "x64", "arm64" or "other"
  // x86-64
  bool sse42 = false;
  bool avx = false;
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool bmi1 = false;
  bool bmi2 = false;
  bool lzcnt = false;
  bool movbe = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512dq = false;
  bool avx512vl = false;
  bool avx512cd = false;
  bool avx512vnni = false;
  bool os_saves_ymm = false;  // XCR0 says the OS saves AVX state
  bool os_saves_zmm = false;  // XCR0 says the OS saves AVX-512 state
  // arm64
  bool neon = false;
  bool dotprod = false;

  // Names of the set features, for reports.
  std::vector<std::string> Names() const;
};

CpuFeatures DetectCpuFeatures();

// Addon variants this CPU can run, best first. Names match binding.gyp targets.
std::vector<std::string> SupportedVariants(const CpuFeatures& features);

}  // namespace tp
