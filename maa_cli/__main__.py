"""Allow ``python -m maa_cli`` (useful from scheduled tasks where the script folder is not on PATH)."""

from .cli import main

main()
