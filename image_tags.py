"""The content tags `pulumi up` pushes for this program's apps (`fargatelb.image_tags` does the hashing).

python image_tags.py                       # every app/<name>, and the package's sidecar, linux/amd64
python image_tags.py sidecar               # only the sidecar UdpNlbService builds
python image_tags.py --platform linux/arm64 web udp
"""

import sys
from pathlib import Path

from fargatelb.image_tags import *  # noqa: F403  (the tests read its helpers through here)
from fargatelb.image_tags import DockerIgnore, content_tag, ignore_patterns, main, sidecar_tag

APP_DIR = Path(__file__).resolve().parent / "app"

__all__ = ["APP_DIR", "DockerIgnore", "content_tag", "ignore_patterns", "main", "sidecar_tag"]

if __name__ == "__main__":
    sys.exit(main([*sys.argv[1:], "--app-dir", str(APP_DIR)]))
