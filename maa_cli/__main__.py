"""Allow ``python -m maa_cli`` (useful from scheduled tasks where the script folder is not on PATH)."""

from .cli import main

if __name__ == "__main__":  # worker processes started with 'spawn' import this module again: they must not run maa
    main()
