# nix-build nix            the generic build (what .flox/pkgs/ticket-processor.nix builds)
# nix-build nix -A avx2    a CPU variant: avx2, avx512, arm
{ pkgs ? import <nixpkgs> { } }:
let
  build = variant: pkgs.callPackage ./ticket-processor.nix { inherit variant; };
  generic = build "generic";
in
generic // {
  inherit generic;
  avx2 = build "avx2";
  avx512 = build "avx512";
  arm = build "neon";
}
