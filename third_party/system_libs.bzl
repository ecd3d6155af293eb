"""Links Debian's system libraries into the Bazel build through pkg-config.

A repository rule runs `pkg-config` once when the workspace is loaded and
writes a BUILD file with one cc_library per package, so flags come from the
installed .pc files rather than being copied by hand. Nothing is downloaded.
"""

def _pkg_config(ctx, args):
    result = ctx.execute(["pkg-config"] + args)
    if result.return_code != 0:
        fail("pkg-config %s failed (run scripts/setup.sh): %s" % (" ".join(args), result.stderr))
    return [f for f in result.stdout.strip().split(" ") if f]

def _system_libs_impl(ctx):
    lines = ['package(default_visibility = ["//visibility:public"])', ""]
    for name, spec in ctx.attr.packages.items():
        mods = spec.split(" ")
        cflags = _pkg_config(ctx, ["--cflags"] + mods)

        # -D flags must reach every dependent (simdjson and gtest change
        # their ABI with them); other compile flags are not needed by
        # dependents on Debian, whose headers live in /usr/include.
        defines = [f[2:] for f in cflags if f.startswith("-D")]
        libs = _pkg_config(ctx, ["--libs"] + mods)
        lines.append("cc_library(")
        lines.append("    name = %r," % name)
        lines.append("    defines = %r," % defines)
        lines.append("    linkopts = %r," % libs)
        lines.append(")")
        lines.append("")
    ctx.file("BUILD.bazel", "\n".join(lines))
    ctx.file("WORKSPACE", "workspace(name = %r)\n" % ctx.name)

system_libs = repository_rule(
    implementation = _system_libs_impl,
    attrs = {
        # target name -> space-separated pkg-config module names
        "packages": attr.string_dict(mandatory = True),
    },
    local = True,
)
