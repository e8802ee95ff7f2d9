"""The default Word base shipped in templates/: clean enough to hand to a partnership to brand."""

from __future__ import annotations

import zipfile
from pathlib import Path

from maa_cli.forms.word_base import write_default_template
from maa_cli.resources import bundled

SHIPPED = Path(str(bundled("templates") / "form.docx"))


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_the_shipped_default_is_a4_british_word_2013_with_no_library_name():
    """templates/form.docx is A4, en-GB, compatibility mode 15, and names no library anywhere."""
    parts = _parts(SHIPPED)
    document, styles, settings = parts["word/document.xml"], parts["word/styles.xml"], parts["word/settings.xml"]
    assert b'w:w="11906"' in document and b'w:h="16838"' in document  # A4 in twentieths of a point
    assert b'w:val="en-GB"' in styles and b'w:val="en-US"' not in styles
    assert b'w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"' in settings
    assert not any(b"python-docx" in data.lower() for data in parts.values())
    assert b"<w:p>" not in document and b"<w:p " not in document  # an empty body, ready to brand


def test_the_shipped_default_is_what_the_generator_makes(tmp_path):
    """Regenerating the default gives the same styles and settings, so the file cannot drift from the code."""
    fresh = tmp_path / "form.docx"
    write_default_template(fresh)
    shipped, made = _parts(SHIPPED), _parts(fresh)
    for name in ("word/document.xml", "word/styles.xml", "word/settings.xml", "docProps/core.xml", "word/footer1.xml"):
        assert shipped[name] == made[name], name
