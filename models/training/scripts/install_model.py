"""Copy a trained pipeline to its place under models/ (replacing an older copy)."""
import shutil
import sys
from pathlib import Path

src, dest = Path(sys.argv[1]), Path(sys.argv[2])
if dest.exists():
    shutil.rmtree(dest)
shutil.copytree(src, dest)
size = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())
print(f"copied {src} -> {dest} ({size / 1e6:.1f} MB)")
