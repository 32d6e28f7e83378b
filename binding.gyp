# One set of sources, built once per CPU level. Every variant target compiles the whole addon
# with its own -march and TP_SIMD_* define; the loader (src/native/load-addon.ts) picks one at
# run time after asking cpu_features, which is compiled with no ISA flags at all.
{
  "variables": {
    "ort_include_dir%": "<!(node -p \"process.env.ORT_INCLUDE_DIR || require('path').resolve('deps/include/onnxruntime')\")",
    "json_include_dir%": "<!(node -p \"process.env.NLOHMANN_JSON_INCLUDE_DIR || require('path').resolve('deps/include')\")",
    "addon_sources": [
      "native/addon.cc",
      "native/napi/runtime_wrap.cc",
      "native/napi/tokenizer_wrap.cc",
      "native/napi/model_wraps.cc",
      "native/napi/embedding_wrap.cc",
      "native/napi/classifier_wrap.cc",
      "native/napi/analyze_wrap.cc",
      "native/napi/seq2seq_wrap.cc",
      "native/napi/kernels_wrap.cc",
      "native/ort.cc",
      "native/sequence/batch_plan.cc",
      "native/sequence/encoded_batch.cc",
      "native/sequence/sequence_session.cc",
      "native/embedding/embedding_model.cc",
      "native/classification/classifier_model.cc",
      "native/generate/logits_processors.cc",
      "native/generate/search.cc",
      "native/generate/seq2seq_model.cc",
      "native/kernels/kernels.cc",
      "native/kernels/attention.cc",
      "native/kernels/gemm.cc",
      "native/attention/attention_op.cc",
      "native/dense/dense_op.cc",
      "native/custom_ops/op_domain.cc",
      "<!@(node -p \"require('fs').readdirSync('native/tokenizer').filter(f => f.endsWith('.cc')).map(f => 'native/tokenizer/' + f).join(' ')\")"
    ]
  },
  "target_defaults": {
    "include_dirs": [
      "<!(node -p \"require('node-addon-api').include_dir\")",
      "native",
      "<(ort_include_dir)",
      "<(json_include_dir)"
    ],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
    "cflags_cc": ["-std=c++17", "-fexceptions", "-O3", "-fvisibility=hidden", "-Wall", "-Wextra", "-Wno-unused-parameter"],
    "libraries": ["-ldl"],
    "xcode_settings": {
      "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
      "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
      "OTHER_CPLUSPLUSFLAGS": ["-fexceptions", "-O3"]
    }
  },
  "targets": [
    {
      "target_name": "cpu_features",
      "sources": ["native/cpu.cc", "native/cpu_addon.cc"]
    },
    {
      "target_name": "ticket_processor_generic",
      "sources": ["<@(addon_sources)"],
      "defines": ["TP_VARIANT=\"generic\""],
      "conditions": [
        ["target_arch=='x64'", { "cflags_cc": ["-march=x86-64", "-mtune=generic"] }],
        ["target_arch=='arm64'", { "cflags_cc": ["-march=armv8-a"] }]
      ]
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "ticket_processor_avx2",
          "sources": ["<@(addon_sources)"],
          "defines": ["TP_VARIANT=\"avx2\"", "TP_SIMD_AVX2"],
          "cflags_cc": ["-march=x86-64-v3"]
        },
        {
          "target_name": "ticket_processor_avx512",
          "sources": ["<@(addon_sources)"],
          "defines": ["TP_VARIANT=\"avx512\"", "TP_SIMD_AVX512"],
          "cflags_cc": ["-march=x86-64-v4"]
        }
      ]
    }],
    ["target_arch=='arm64'", {
      "targets": [
        {
          "target_name": "ticket_processor_neon",
          "sources": ["<@(addon_sources)"],
          "defines": ["TP_VARIANT=\"neon\"", "TP_SIMD_NEON"],
          "cflags_cc": ["-march=armv8-a"]
        }
      ]
    }]
  ]
}
