"""Test helpers that drive a real LibreOffice (see client.py; lo_bridge.py runs under /usr/bin/python3)."""
