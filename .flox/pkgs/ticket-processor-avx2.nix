# flox build .#ticket-processor-avx2   (the same derivation as nix/ticket-processor.nix with variant = "avx2")
{ callPackage }:
callPackage ../../nix/ticket-processor.nix { variant = "avx2"; }
