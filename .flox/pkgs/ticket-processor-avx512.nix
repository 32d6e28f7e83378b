# flox build .#ticket-processor-avx512   (the same derivation as nix/ticket-processor.nix with variant = "avx512")
{ callPackage }:
callPackage ../../nix/ticket-processor.nix { variant = "avx512"; }
