# flox build .#ticket-processor-arm   (the same derivation as nix/ticket-processor.nix with variant = "neon")
{ callPackage }:
callPackage ../../nix/ticket-processor.nix { variant = "neon"; }
