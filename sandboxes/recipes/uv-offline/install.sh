#!/bin/sh
# longcat-evals offline stand-in for uv's installer (https://astral.sh/uv/@VERSION@/install.sh).
# What it does like the original: copies uv and uvx @VERSION@ (the binaries of PyPI's `uv`
# wheel of that version, pre-installed in this image) into the same directory (UV_INSTALL_DIR,
# else XDG_BIN_HOME, else XDG_DATA_HOME/../bin, else ~/.local/bin) and writes the same `env`
# script there. What it does not: download anything, or edit shell profiles.
set -eu
version=@VERSION@
src=/opt/longcat-evals/uv/$version
if [ -n "${UV_INSTALL_DIR:-}" ]; then dir=$UV_INSTALL_DIR
elif [ -n "${XDG_BIN_HOME:-}" ]; then dir=$XDG_BIN_HOME
elif [ -n "${XDG_DATA_HOME:-}" ]; then dir=$XDG_DATA_HOME/../bin
else dir=$HOME/.local/bin
fi
echo "downloading uv $version (longcat-evals offline stand-in: local copy from PyPI's uv wheel)"
mkdir -p "$dir"
cp "$src/uv" "$src/uvx" "$dir/"
chmod 755 "$dir/uv" "$dir/uvx"
case "$dir" in
  "$HOME"/*) shown="\$HOME${dir#"$HOME"}" ;;
  *) shown=$dir ;;
esac
cat > "$dir/env" <<ENV
#!/bin/sh
# add binaries to PATH if they aren't added yet
# affix colons on either side of \$PATH to simplify matching
case ":\${PATH}:" in
    *:"$shown":*)
        ;;
    *)
        # Prepending path in case a system-installed binary needs to be overridden
        export PATH="$shown:\$PATH"
        ;;
esac
ENV
echo "installing to $dir"
echo "  uv"
echo "  uvx"
echo "everything's installed!"
