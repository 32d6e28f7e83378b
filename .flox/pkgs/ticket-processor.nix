# flox build .#ticket-processor   (the same derivation as nix/ticket-processor.nix with variant = "generic")
{ callPackage }:
callPackage ../../nix/ticket-processor.nix { variant = "generic"; }
