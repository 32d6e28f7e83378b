# ticket-processor as a Nix derivation, shared by `nix-build nix` (nix/default.nix) and
# `flox build` (.flox/pkgs/*.nix call this file). One expression, one argument for the CPU level:
#   variant = "generic" | "avx2" | "avx512" | "neon"
# builds cpu_features.node, the generic addon and (if different) the variant's addon with
# node-gyp against nixpkgs' ONNX Runtime headers, and installs bin/ticket-processor: a wrapper
# that sets ORT_LIBRARY_PATH to nixpkgs' onnxruntime (so onnxruntime-node, a devDependency, is
# never needed at run time) and TICKET_PROCESSOR_CPU to the variant (a CPU that cannot run it
# gets a clear error, not SIGILL; the variable can still be overridden).
{
  lib,
  stdenv,
  buildNpmPackage,
  nodejs_20,
  onnxruntime,
  nlohmann_json,
  python3,
  makeWrapper,
  variant ? "generic",
  # `prefetch-npm-deps package-lock.json` on a machine that reaches the npm registry prints it.
  npmDepsHash ? lib.fakeHash,
}:

let
  packageJson = lib.importJSON ../package.json;
  variants = {
    generic = { suffix = ""; platforms = [ "x86_64-linux" "aarch64-linux" ]; };
    avx2 = { suffix = "-avx2"; platforms = [ "x86_64-linux" ]; };
    avx512 = { suffix = "-avx512"; platforms = [ "x86_64-linux" ]; };
    neon = { suffix = "-arm"; platforms = [ "aarch64-linux" ]; };
  };
  chosen = variants.${variant} or (throw "ticket-processor: unknown variant ${variant}; use one of ${lib.concatStringsSep ", " (lib.attrNames variants)}");
  targets = lib.unique [ "cpu_features" "ticket_processor_generic" "ticket_processor_${variant}" ];
in
assert lib.versionAtLeast onnxruntime.version "1.21"; # the addon asks for ORT C API 21
buildNpmPackage {
  pname = "ticket-processor${chosen.suffix}";
  version = packageJson.version; # read from package.json: never out of sync

  src = lib.sourceByRegex ./.. [
    "^package(-lock)?\\.json$"
    "^tsconfig\\.json$"
    "^binding\\.gyp$"
    "^\\.npmrc$"
    "^src(/.*)?$"
    "^native(/.*)?$"
    "^scripts(/.*)?$"
  ];

  inherit npmDepsHash;
  nodejs = nodejs_20;
  nativeBuildInputs = [ python3 makeWrapper ];

  # Dependencies are installed without their scripts: onnxruntime-node's postinstall (CUDA
  # download) and this package's own install step (which would build every variant) never run.
  npmFlags = [ "--ignore-scripts" ];
  ONNXRUNTIME_NODE_INSTALL = "skip";
  ORT_INCLUDE_DIR = "${lib.getDev onnxruntime}/include/onnxruntime";
  NLOHMANN_JSON_INCLUDE_DIR = "${lib.getDev nlohmann_json}/include";

  buildPhase = ''
    runHook preBuild
    npx node-gyp configure --nodedir=${nodejs_20}
    make -C build -j$NIX_BUILD_CORES ${lib.concatStringsSep " " targets}
    npx tsc -p tsconfig.json
    runHook postBuild
  '';

  installPhase = ''
    runHook preInstall
    npm prune --omit=dev --ignore-scripts
    dest=$out/lib/node_modules/ticket-processor
    mkdir -p $dest/build/Release $out/bin
    cp -r package.json dist node_modules $dest/
    ${lib.concatMapStringsSep "\n    " (t: "cp build/Release/${t}.node $dest/build/Release/") targets}
    makeWrapper ${nodejs_20}/bin/node $out/bin/ticket-processor \
      --add-flags $dest/dist/cli.js \
      --set ORT_LIBRARY_PATH ${lib.getLib onnxruntime}/lib \
      --set-default TICKET_PROCESSOR_CPU ${variant}
    runHook postInstall
  '';

  passthru = { inherit variant; cpuVariants = lib.attrNames variants; };

  meta = {
    description = packageJson.description;
    longDescription = ''
      Enriches customer-support tickets (384-d embedding, intent, urgency, sentiment, summary)
      with a C++ Node-API addon over ONNX Runtime, as a Node library and an SQS worker.
      This build: the ${variant} CPU variant of the addon's own kernels; ONNX Runtime chooses
      its own kernels at run time.
    '';
    license = lib.licenses.asl20;
    platforms = chosen.platforms;
    mainProgram = "ticket-processor";
  };
}
