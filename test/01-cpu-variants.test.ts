// CPU detection against an independent source (the kernel's /proc/cpuinfo flags), and the
// loader's choice and overrides.
import { existsSync, readFileSync } from 'node:fs';

import t from 'tap';

import { loadAddon, planVariant } from '../src/native/load-addon.js';

const procFlags = existsSync('/proc/cpuinfo')
  ? new Set((/^flags\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '').split(/\s+/))
  : undefined;

t.test('detected features agree with /proc/cpuinfo', { skip: process.arch !== 'x64' || !procFlags ? 'x64 Linux only' : false }, async (t) => {
  const { cpu } = planVariant();
  t.equal(cpu.arch, 'x64');
  // /proc/cpuinfo flag name -> our name
  const pairs: [string, string][] = [
    ['sse4_2', 'sse4.2'], ['avx', 'avx'], ['avx2', 'avx2'], ['fma', 'fma'], ['f16c', 'f16c'], ['bmi1', 'bmi1'],
    ['bmi2', 'bmi2'], ['abm', 'lzcnt'], ['movbe', 'movbe'], ['avx512f', 'avx512f'], ['avx512bw', 'avx512bw'],
    ['avx512dq', 'avx512dq'], ['avx512vl', 'avx512vl'], ['avx512cd', 'avx512cd'], ['avx512_vnni', 'avx512vnni'],
  ];
  // LZCNT is 'abm' (Advanced Bit Manipulation) in the kernel's list, but some hypervisors' guest
  // kernels leave 'abm' out while CPUID and the instruction itself report LZCNT (seen on an AMD
  // EPYC VM: lzcnt(1) = 31 there, not BSR's 0). Every CPU with AVX2 has LZCNT (Intel since
  // Haswell, AMD since K10), so the kernel listing avx2 counts as listing it.
  const kernelHas = (flag: string) => procFlags!.has(flag) || (flag === 'abm' && procFlags!.has('avx2'));
  for (const [proc, ours] of pairs) {
    t.equal(cpu.features.includes(ours), kernelHas(proc), `${ours} ${kernelHas(proc) ? 'present' : 'absent'} as the kernel reports`);
  }
  const expected = ['generic'];
  const v3 = ['avx2', 'fma', 'f16c', 'bmi1', 'bmi2', 'abm', 'movbe'].every(kernelHas);
  const v4 = v3 && ['avx512f', 'avx512bw', 'avx512cd', 'avx512dq', 'avx512vl'].every(kernelHas);
  if (v3) expected.unshift('avx2');
  if (v4) expected.unshift('avx512');
  t.same(cpu.supported, expected, 'supported variants, best first');
});

t.test('the best present and supported variant is chosen by default', async (t) => {
  const plan = planVariant();
  const best = plan.cpu.supported.find((v) => plan.available.includes(v));
  t.equal(plan.variant, best);
  const loaded = loadAddon();
  t.equal(loaded.variant, best);
  t.equal(loaded.addon.variant, best, 'the loaded binary reports the variant it was built as');
  const simd = { generic: 'scalar', avx2: 'avx2', avx512: 'avx512', neon: 'neon' }[loaded.variant];
  t.equal(loaded.addon.kernels.simd, simd, 'kernels compiled for that variant');
});

t.test('every runnable variant loads and reports itself', async (t) => {
  const plan = planVariant();
  for (const v of plan.cpu.supported.filter((v) => plan.available.includes(v))) {
    t.equal(loadAddon(v).addon.variant, v);
  }
});

t.test('TICKET_PROCESSOR_CPU overrides; bad values are clear errors', async (t) => {
  const saved = process.env.TICKET_PROCESSOR_CPU;
  t.teardown(() => {
    if (saved === undefined) delete process.env.TICKET_PROCESSOR_CPU;
    else process.env.TICKET_PROCESSOR_CPU = saved;
  });
  process.env.TICKET_PROCESSOR_CPU = 'generic';
  t.equal(planVariant().variant, 'generic');
  process.env.TICKET_PROCESSOR_CPU = 'sse9';
  t.throws(() => planVariant(), { code: 'CONFIG_INVALID', message: /unknown CPU variant "sse9".*TICKET_PROCESSOR_CPU/ });
  delete process.env.TICKET_PROCESSOR_CPU;
  const foreign = process.arch === 'arm64' ? 'avx2' : 'neon';
  t.throws(() => planVariant(foreign), { code: 'CONFIG_INVALID', message: new RegExp(`cannot run the ${foreign} variant`) });
});
