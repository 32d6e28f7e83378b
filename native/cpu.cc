#include "cpu.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#include <cstdint>
#elif defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace tp {

#if defined(__x86_64__) || defined(_M_X64)
namespace {

struct CpuidRegs {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
};

CpuidRegs Cpuid(unsigned leaf, unsigned subleaf) {
  CpuidRegs r;
  __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
  return r;
}

// xgetbv without the -mxsave flag: the instruction is emitted by bytes so that this file
// compiles with no ISA options at all.
uint64_t ReadXcr0() {
  uint32_t lo = 0, hi = 0;
  __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

bool Bit(unsigned reg, int bit) { return (reg >> bit) & 1u; }

}  // namespace
#endif

CpuFeatures DetectCpuFeatures() {
  CpuFeatures f;
#if defined(__x86_64__) || defined(_M_X64)
  f.arch = "x64";
  const unsigned max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf < 1) return f;
  const CpuidRegs l1 = Cpuid(1, 0);
  f.sse42 = Bit(l1.ecx, 20);
  f.fma = Bit(l1.ecx, 12);
  f.f16c = Bit(l1.ecx, 29);
  f.movbe = Bit(l1.ecx, 22);
  const bool osxsave = Bit(l1.ecx, 27);
  const bool avx_hw = Bit(l1.ecx, 28);
  if (osxsave) {
    const uint64_t xcr0 = ReadXcr0();
    f.os_saves_ymm = (xcr0 & 0x6) == 0x6;             // SSE + AVX state
    f.os_saves_zmm = f.os_saves_ymm && (xcr0 & 0xe0) == 0xe0;  // opmask + ZMM_Hi256 + Hi16_ZMM
  }
  f.avx = avx_hw && f.os_saves_ymm;
  if (max_leaf >= 7) {
    const CpuidRegs l7 = Cpuid(7, 0);
    f.avx2 = f.avx && Bit(l7.ebx, 5);
    f.bmi1 = Bit(l7.ebx, 3);
    f.bmi2 = Bit(l7.ebx, 8);
    const bool zmm = f.os_saves_zmm;
    f.avx512f = zmm && Bit(l7.ebx, 16);
    f.avx512dq = zmm && Bit(l7.ebx, 17);
    f.avx512cd = zmm && Bit(l7.ebx, 28);
    f.avx512bw = zmm && Bit(l7.ebx, 30);
    f.avx512vl = zmm && Bit(l7.ebx, 31);
    f.avx512vnni = zmm && Bit(l7.ecx, 11);
  }
  if (__get_cpuid_max(0x80000000, nullptr) >= 0x80000001) f.lzcnt = Bit(Cpuid(0x80000001, 0).ecx, 5);
  if (!f.avx) f.fma = f.f16c = false;
#elif defined(__aarch64__)
  f.arch = "arm64";
  f.neon = true;  // Advanced SIMD is mandatory in ARMv8-A
#if defined(__linux__) && defined(HWCAP_ASIMDDP)
  f.dotprod = (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#endif
#else
  f.arch = "other";
#endif
  return f;
}

std::vector<std::string> CpuFeatures::Names() const {
  std::vector<std::string> names;
  const std::pair<bool, const char*> all[] = {
      {sse42, "sse4.2"},       {avx, "avx"},           {avx2, "avx2"},         {fma, "fma"},
      {f16c, "f16c"},          {bmi1, "bmi1"},         {bmi2, "bmi2"},         {lzcnt, "lzcnt"},
      {movbe, "movbe"},         {avx512f, "avx512f"},   {avx512bw, "avx512bw"},
      {avx512dq, "avx512dq"},  {avx512vl, "avx512vl"}, {avx512cd, "avx512cd"}, {avx512vnni, "avx512vnni"},
      {neon, "neon"},          {dotprod, "dotprod"},
  };
  for (const auto& [set, name] : all)
    if (set) names.emplace_back(name);
  return names;
}

std::vector<std::string> SupportedVariants(const CpuFeatures& f) {
  std::vector<std::string> variants;
  if (f.arch == "x64") {
    // -march=x86-64-v3 (avx2 variant) and x86-64-v4 (avx512 variant) let the compiler use all of
    // these anywhere, so every one must be present, not just the headline feature.
    const bool v3 = f.avx2 && f.fma && f.f16c && f.bmi1 && f.bmi2 && f.lzcnt && f.movbe;
    const bool v4 = v3 && f.avx512f && f.avx512bw && f.avx512cd && f.avx512dq && f.avx512vl;
    if (v4) variants.emplace_back("avx512");
    if (v3) variants.emplace_back("avx2");
  } else if (f.arch == "arm64") {
    if (f.neon) variants.emplace_back("neon");
  }
  variants.emplace_back("generic");
  return variants;
}

}  // namespace tp
