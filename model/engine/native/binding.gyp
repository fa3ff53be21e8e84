{
  "targets": [
    {
      "target_name": "demi_native",
      "sources": ["kernels.cc"],
      "include_dirs": ["/usr/include/x86_64-linux-gnu/openblas-pthread", "/usr/include/aarch64-linux-gnu/openblas-pthread", "/usr/include/openblas"],
      "libraries": ["-lopenblas", "-lmvec"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-O3", "-std=c++17", "-ffast-math", "-fno-finite-math-only", "-fopenmp-simd"],
      "conditions": [
        ["target_arch=='x64'", { "cflags_cc": ["-march=x86-64-v3"] }],
        ["target_arch!='x64'", { "libraries!": ["-lmvec"] }]
      ]
    }
  ]
}
